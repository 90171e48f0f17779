# Two commands do everything on a fresh machine: `make build-and-sync` and `make test`.
# Every target that needs Python depends on the virtual environment, which it builds itself.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
WORKER_PYTEST_ARGS ?=
# The worker, the payload this repository ships, is its own project with its own [tool.bundler].
WORKER := worker/pyproject.toml
BUNDLER_FLAGS ?=
BUNDLER := $(BIN)/bundler $(BUNDLER_FLAGS) --config $(WORKER)

.PHONY: venv test check build sync build-and-sync bench version-bump clean

venv: $(STAMP)

$(STAMP): pyproject.toml $(WORKER)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required; set PYTHON=...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[build,test]' -e ./worker
	@touch $@

# The build tool's tests (PYTEST_ARGS selects among them), then the worker's own, from its project.
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	cd worker && ../$(BIN)/python -m pytest $(WORKER_PYTEST_ARGS)

check: $(STAMP)
	$(BUNDLER) check

build: $(STAMP)
	$(BUNDLER) build

sync: $(STAMP)
	$(BUNDLER) sync

build-and-sync: $(STAMP)
	$(BUNDLER) build-and-sync

# make version-bump PART=patch|minor|major: refused while the check fails; then rebuilds.
version-bump: $(STAMP)
	$(BUNDLER) version-bump $(or $(PART),$(error set PART=patch, minor or major))
	$(BUNDLER) build

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf build worker/build $(VENV) .pytest_cache .hypothesis src/*.egg-info worker/src/*.egg-info
