# Two commands do everything on a fresh machine: `make build-and-sync` and `make test`.
# Every target that needs Python depends on the virtual environment, which it builds itself.

PYTHON ?= python3
VENV ?= .venv
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
	@echo "venv: creating $(VENV) and installing both projects into it"
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required; set PYTHON=...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[build,test,typescript]' -e ./worker
	@touch $@

# The build tool's tests (PYTEST_ARGS selects among them), then the worker's own, from its project.
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	cd worker && $(abspath $(BIN))/python -m pytest $(WORKER_PYTEST_ARGS)

# `make check` and `make build-and-sync` end with the tool's own exit code (0 verified, 1 findings,
# 2 could not verify). GNU make exits 2 whenever a recipe fails, so, asked for one of them alone,
# make runs the tool while it reads this file (after building the venv, in a sub-make) and hands
# the code on: question mode (-q) is make's one way to exit 1. The tool's output goes to stderr.
TOOL_GOALS := check build-and-sync
ifeq ($(filter-out $(TOOL_GOALS),$(MAKECMDGOALS))$(words $(MAKECMDGOALS)),1)
TOOL_EXIT := $(shell $(MAKE) --no-print-directory -s venv $(MAKEOVERRIDES) >&2 && $(BUNDLER) $(MAKECMDGOALS) >&2; echo $$?)
ifeq ($(TOOL_EXIT),1)
MAKEFLAGS += -q
else ifneq ($(TOOL_EXIT),0)
$(error bundler $(MAKECMDGOALS) exited $(TOOL_EXIT))
endif
$(TOOL_GOALS): ; @:
else
check: $(STAMP)
	$(BUNDLER) check

build-and-sync: $(STAMP)
	$(BUNDLER) build-and-sync
endif

build: $(STAMP)
	$(BUNDLER) build

sync: $(STAMP)
	$(BUNDLER) sync

# make version-bump PART=patch|minor|major: refused while the check fails; then rebuilds.
version-bump: $(STAMP)
	$(BUNDLER) version-bump $(or $(PART),$(error set PART=patch, minor or major))
	$(BUNDLER) build

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf build worker/build $(VENV) .pytest_cache .hypothesis src/*.egg-info worker/src/*.egg-info
