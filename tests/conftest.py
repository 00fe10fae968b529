"""Shared test setup: hypothesis profiles and a fresh station folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

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


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        # CUPS labs share one Avahi when several run at once, and the first to stop takes it away:
        # every test of the lab runs on one worker, one after another.
        if item.get_closest_marker("cups"):
            item.add_marker(pytest.mark.xdist_group("cups-lab"))
    items.sort(key=lambda item: not (item.get_closest_marker("slow") or item.nodeid.startswith(SLOW_FIRST)))
