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
