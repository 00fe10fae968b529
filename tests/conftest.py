"""Shared test setup: hypothesis profiles and a fresh station folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).parent))  # tests/patience.py for every folder

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


# The whole-station runs take minutes each: they start first, so that the
# other tests fill the workers around them (`make test` runs pytest-xdist).
SLOW_FIRST = ("tests/station/test_end_to_end.py", "tests/printing/test_memory.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not (item.get_closest_marker("slow") or item.nodeid.startswith(SLOW_FIRST)))


def pytest_configure(config: pytest.Config) -> None:
    """With workers, the run starts the CUPS labs' Avahi once, for all of them.

    A lab borrows the Avahi another lab started, and the lab that started it
    takes it away when it stops: with several labs at once (one per worker,
    and `station simulate --cups` inside a test) the owner must outlive them all.
    """
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
