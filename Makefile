# MPP Station: `make demo` runs the whole station on simulators, `make test` runs the suite.
# Both set everything up first (Debian packages when missing and run as root, .venv, the project).

VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
# The suite mostly waits (on devices, daemons, browsers): three workers share the machine.
TEST_WORKERS ?= 3
STAMP   := $(VENV)/.installed-stamp

.PHONY: setup system-packages venv demo test bench clean help

help:
	@echo "make demo   - set up, then run the whole station on simulators"
	@echo "make test   - set up, then run the full test suite"
	@echo "make setup  - Debian packages (as root, when missing), .venv, the project with test extras"
	@echo "make bench  - run the benchmarks in bench/"

setup: system-packages venv

system-packages:
	@sh scripts/system-packages.sh

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

demo: setup
	$(VENV)/bin/station simulate

test: setup
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -q -n $(TEST_WORKERS)

bench: setup
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
