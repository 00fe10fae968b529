"""Shared test setup: hypothesis profiles and a fresh station folder."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings


pytest_plugins = ["tiers"]  # tests/support/tiers.py: what `make check` runs, and its guard

settings.register_profile("ci", deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, max_examples=50)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def station_dir(tmp_path: Path) -> Path:
    """A freshly initialised simulated station (through the real CLI code)."""
    from station.cli import main

    folder = tmp_path / "station"
    assert main(["init", str(folder)]) == 0
    return folder


# The whole-station runs take minutes each: they start first, longest first, so
# that the other tests fill the workers around them (`make test` runs pytest-xdist).
LONGEST_FIRST = (
    "tests/station/test_end_to_end.py::test_a_day_of_documents_through_real_cups",
    "tests/station/test_end_to_end.py::test_sigkill_and_power_cycles_lose_nothing",
    "tests/station/test_end_to_end.py::test_a_dispenser_under_sigkill",
    "tests/station/test_end_to_end.py::test_a_dispenser_serves_a_queue",
    "tests/printing/test_memory.py",
    "tests/station/test_end_to_end.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        return next((n for n, start in enumerate(LONGEST_FIRST) if item.nodeid.startswith(start)), len(LONGEST_FIRST))

    items.sort(key=rank)


# Tests of one module go to one worker (their module fixtures are made once and their order holds),
# but the whole-station runs of this module go one by one, to whichever worker is free.
ONE_BY_ONE = ("tests/station/test_end_to_end.py",)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if os.environ.get("MPP_FAST_TIER"):
        return None  # `make check`: short in-process tests, one by one to whichever worker is free
    from xdist.scheduler import LoadScopeScheduling

    class ModulesAndLongRuns(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return nodeid if nodeid.startswith(ONE_BY_ONE) else nodeid.split("::", 1)[0]

    config.option.loadscopereorder = False  # keep the order above: longest first
    return ModulesAndLongRuns(config, log)


def _ctrl_c_reaches_children() -> None:
    """Tests press Ctrl-C (SIGINT) on the commands they start, as a technician at a terminal does.

    A run started in the background by a shell without job control (`make test &`,
    `nohup`) ignores SIGINT, and every child inherits that: a `station simulate`
    would never hear the Ctrl-C. A handler of our own is reset to the default at exec.
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_configure(config: pytest.Config) -> None:
    """With workers, the run starts the CUPS labs' Avahi once, for all of them.

    A lab borrows the Avahi another lab started, and the lab that started it
    takes it away when it stops: with several labs at once (one per worker,
    and `station simulate --cups` inside a test) the owner must outlive them all.
    """
    _ctrl_c_reaches_children()
    if hasattr(config, "workerinput") or not config.getoption("numprocesses", None):
        return
    if os.geteuid() != 0:
        return  # the labs skip without root
    import tempfile

    from simulators.dns_sd import DnsSd
    from simulators.lab_parts import LabError

    dns_sd = DnsSd(Path(tempfile.mkdtemp(prefix="mpp-test-dns-sd-")))
    try:
        dns_sd.start()
    except LabError:
        return  # each lab says what is missing when it starts
    config.add_cleanup(dns_sd.stop)
