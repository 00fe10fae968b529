# MPP Station: `make demo` runs the whole station on simulators, `make test` runs the suite.
# Both set everything up first (Debian packages when missing and run as root, .venv, the project).

VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
# The suite mostly waits (on devices, daemons, browsers): four workers share the two cores; worksteal
# lets the idle ones take the queue of a worker held by a long whole-station run.
TEST_WORKERS ?= 4
STAMP   := $(VENV)/.installed-stamp
PIP     := $(PY) -m pip --quiet --disable-pip-version-check
UV_VERSION ?= 0.13.9

.PHONY: setup system-packages venv lock demo test check test-latest bench clean help

help:
	@echo "make demo   - set up, then run the whole station on simulators"
	@echo "make test   - set up, then run the full test suite"
	@echo "make check  - the fast loop before each commit: import contracts, ruff, in-process tests (< 60 s)"
	@echo "make lock   - refresh requirements.lock on purpose (then make test and make test-latest)"
	@echo "make test-latest - the suite against the newest release of every dependency (not in CI)"
	@echo "make setup  - Debian packages (as root, when missing), .venv, the project with test extras"
	@echo "make bench  - run the benchmarks in bench/ and write docs/benchmarks.md (BENCH_QUICK=1: a smoke run)"

setup: system-packages venv

system-packages:
	@sh scripts/system-packages.sh

venv: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	@# Exactly the lock, every file checked against its hash; then the project itself, with no
	@# dependency resolution and the locked setuptools (no unlocked build environment).
	$(PIP) install --require-hashes --no-deps -r requirements.lock
	@# A stale egg-info in the tree would shadow the installed metadata (entry points: the lab's commands).
	rm -rf mpp_station.egg-info
	$(PIP) install --no-deps --no-build-isolation -e .
	@touch $(STAMP)

# Refresh the lock on purpose: after changing a dependency in pyproject.toml, or to take
# security fixes (README, "Dependencies"). Run `make test` and `make test-latest` after it.
lock: venv
	$(PIP) install uv==$(UV_VERSION)
	$(VENV)/bin/uv pip compile pyproject.toml scripts/lock-build.in --extra test --universal \
	  --python-version 3.11 --generate-hashes --upgrade --custom-compile-command "make lock" -o requirements.lock
	@echo "requirements.lock refreshed: raise pyproject.toml's upper bounds to the versions tested"

demo: setup
	$(VENV)/bin/station simulate

test: setup
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist worksteal

# The fast tier: no child process, browser, CUPS or whole station (tests/support/tiers.py keeps
# the line: a test that starts a child process here fails and says to mark it).
FAST := not integration and not slow and not browser and not cups
check: setup
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/ruff check station spool drivers simulators tests bench scripts
	MPP_FAST_TIER=1 HYPOTHESIS_PROFILE=dev $(PY) -m pytest -q -n 4 --dist worksteal -m "$(FAST)"

test-latest: system-packages
	sh scripts/test-latest.sh

# Every benchmark in bench/ (not its shared modules), each figure recorded through bench/common.py's
# `record` into one results file, then the standing table docs/benchmarks.md (bench/table.py).
# BENCH_QUICK=1 make bench: a small run of each, for a smoke check. Each benchmark stops all it started.
# bench/soak.py takes hours (10,000 documents at people's pace): it runs on its own, not in the table's run.
BENCHES := $(filter-out bench/common.py bench/table.py bench/soak.py,$(sort $(wildcard bench/*.py)))
# Fewer releases in the table's run (a p99 still from 300-500 samples) keep it within 15 minutes on the
# 2-core machine (16.7 min with 500, 500 and 1,000; 16.7 min again once dispenser and backlog came, hence the
# fleet's 200); each benchmark alone defaults to 1,000.
bench_args = case $(1) in bench/api.py) echo "--releases 300";; bench/fleet.py) echo "--releases 200";; \
  bench/release.py) echo "--releases 500";; \
  bench/dispenser.py) echo "--releases 40";; esac
bench: setup
	@results=$$(mktemp /tmp/mpp-bench-results.XXXXXX); start=$$(date +%s); failed=""; \
	load=$$(cut -d' ' -f1-3 /proc/loadavg); \
	for b in $(BENCHES); do echo "== $$b"; \
	  BENCH_RESULTS=$$results $(PY) $$b $$(test -n "$$BENCH_QUICK" || $(call bench_args,$$b)) || failed="$$failed $$b"; done; \
	$(PY) bench/table.py $$results --seconds $$(( $$(date +%s) - start )) --load-before "$$load"; \
	rm -f $$results; \
	if [ -n "$$failed" ]; then echo "failed:$$failed"; exit 1; fi

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
