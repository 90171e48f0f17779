# Two commands do everything on a fresh machine: `make build-and-sync` and `make test`.
# Every target that needs Python depends on the virtual environment, which it builds itself.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: venv test check build sync build-and-sync bench version-bump clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required; set PYTHON=...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: $(STAMP)
	$(BIN)/bundler check

build: $(STAMP)
	$(BIN)/bundler build

sync: $(STAMP)
	$(BIN)/bundler sync

build-and-sync: $(STAMP)
	$(BIN)/bundler build-and-sync

# make version-bump PART=patch|minor|major: refused while the check fails; then rebuilds.
version-bump: $(STAMP)
	$(BIN)/bundler version-bump $(or $(PART),$(error set PART=patch, minor or major))
	$(BIN)/bundler build

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf build $(VENV) .pytest_cache .hypothesis src/*.egg-info
