# Async Django, Hands-On. Two commands do all the set-up (see README.md):
#   make demo   virtual environment, release/, the example class autograded, feedback, grade table
#   make test   virtual environment, then the whole test suite
# and one for contributors while they work:
#   make check  lint and the fast tests (about two minutes)
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
BIN := $(VENV)/bin
# Extra pip requirement, e.g. DJANGO="django>=5.2,<6" for the Django 5.2 LTS run in .ci/run.
DJANGO ?=
# Python 3.12 is the default environment. pyenv users: .python-version selects it, and the
# python3.12 shim answers only then. Without it we fall back to python3 (3.11 gets Django 5.2 LTS).
PYTHON ?= $(shell command -v python3.12 >/dev/null 2>&1 && python3.12 -c '' 2>/dev/null \
            && echo python3.12 || echo python3)
# JupyterLab refuses to run as root unless told that it is fine.
LAB_ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
# More options for `make lab`, e.g. LAB_ARGS="--port=9999".
LAB_ARGS ?=

# pytest-xdist workers. Most tests wait on kernels, servers and browsers rather than compute, so
# two workers share two cores well. `--dist loadscope` keeps a module's tests in one worker, so a
# module's graded class or server is built once. (`--dist loadgroup` does not group with pytest 9
# and xdist 3.8: every test went its own way and each built the fixture again.) Timing checks
# judge by ratios and overlaps that hold on a busy machine.
JOBS ?= 2

.PHONY: help install install-hub demo test check test-versions lab release lint clean hub hub-test

help:
	@echo "make demo          set up, then autograde the example class and print the grade table"
	@echo "make test          set up, then run the whole test suite (JOBS=2 workers)"
	@echo "make check         lint and the fast tests: what to run before every commit"
	@echo "make lab           JupyterLab for students on http://127.0.0.1:8888"
	@echo "make release       regenerate release/ from source/ (nbgrader generate_assignment)"
	@echo "make test-versions the tests that depend on Python's and Django's version (.ci/run repeats"
	@echo "                   them on Python 3.11 + Django 5.2 LTS)"
	@echo "make hub           a JupyterHub for one class on http://127.0.0.1:8000 (HUB_STUDENTS=3)"
	@echo "make hub-test      the class's whole cycle on that hub, in headless Chromium"
	@echo "make lint          ruff"

$(BIN)/python:
	@if [ "$(origin PYTHON)" = file ] && [ "$(PYTHON)" != python3.12 ]; then \
	  echo "Python 3.12 was not found (pyenv users: 'pyenv install 3.12'); using $$($(PYTHON) --version)."; \
	  echo "That works too: Python 3.11 gets Django 5.2 LTS."; \
	fi
	$(PYTHON) -m venv $(VENV)

# Reinstall when the dependencies change (or when DJANGO asks for another version).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]" $(if $(DJANGO),"$(DJANGO)")
	@$(BIN)/python -c "import django, sys; print(f'Python {sys.version.split()[0]}, Django {django.get_version()} in $(VENV)')"
	@# Build matplotlib's font cache now: built during a lesson, it warns on stderr.
	@$(BIN)/python -c "import matplotlib.pyplot"
	@touch $@

install: $(VENV)/.installed

# The class's hub: JupyterHub from pyproject's `hub` extra, its proxy from the pinned npm lock file.
HUB_DIR := autograder/instructor/hub
HUB_STUDENTS ?= 3
HUB_PORT ?= 8000
# More options for `make hub`, e.g. HUB_ARGS="--prefix demo- --single-user" (python -m autograder hub -h).
HUB_ARGS ?=
$(VENV)/.installed-hub: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[dev,hub]" $(if $(DJANGO),"$(DJANGO)")
	@touch $@

# Without npm the hub cannot run: `make hub` says so, and the hub tests are skipped, saying why.
$(HUB_DIR)/node_modules/.package-lock.json: $(HUB_DIR)/package-lock.json
	@if command -v npm >/dev/null; then \
	  echo "cd $(HUB_DIR) && npm ci"; cd $(HUB_DIR) && npm ci --no-audit --no-fund --loglevel=error; \
	else \
	  echo "npm was not found: configurable-http-proxy is not installed (Debian: apt-get install npm)."; \
	fi

install-hub: $(VENV)/.installed-hub $(HUB_DIR)/node_modules/.package-lock.json

release: install
	$(BIN)/python -m autograder release

demo: release
	$(BIN)/python -m autograder demo

# The hub tests need the hub installed; without root, npm or Chromium they are skipped.
test: install install-hub
	$(BIN)/python -m pytest -n $(JOBS) --dist loadscope --durations=15

# What runs in seconds: lint, the unit tests of each wing, the demo project's Django tests, the
# practice keys, the notebooks' hygiene. Not the catalogue's verdicts (tests/judge/assignments,
# minutes of real timings), notebooks run end to end, nbgrader classes, the browser or the hub.
check: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n $(JOBS) --dist loadscope -q -m "not slow and not browser and not hub" \
	  --ignore=tests/judge/assignments

# What a change of Python or Django can break: the checks and the catalogue's verdicts, the ORM,
# the bootstrap, the kernels, the lessons and the practice keys; not the report, PostgreSQL
# gradebooks, the browser or the hub, which are the same programs on every version.
test-versions: install
	$(BIN)/python -m pytest -n $(JOBS) --dist loadscope --durations=10 -m versions

lab: install
	$(BIN)/jupyter lab --ip=127.0.0.1 --no-browser $(LAB_ROOT_FLAG) $(LAB_ARGS)

hub: install-hub
	$(BIN)/python -m autograder hub --students $(HUB_STUDENTS) --port $(HUB_PORT) $(HUB_ARGS)

hub-test: install-hub
	$(BIN)/python -m pytest tests/hub -s --durations=5

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean:
	rm -rf build .pytest_cache .ruff_cache gradebook.db submitted autograded feedback
