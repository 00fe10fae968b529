"""The whole station on simulators, through `station simulate`, as a technician runs it.

The full-size runs (200 documents; 30+ SIGKILLs) are the same command with
bigger numbers; the figures of those runs are in the project's notes. Here
they are sized to keep CI under its time budget.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from .simulation import all_good, simulate


@pytest.mark.timeout(900)
def test_a_day_of_documents_in_process(tmp_path: Path) -> None:
    report = simulate(tmp_path, "--documents", "40")
    all_good(report, 40)


@pytest.mark.cups
@pytest.mark.timeout(900)
def test_a_day_of_documents_through_real_cups(tmp_path: Path) -> None:
    """The same day through a real CUPS scheduler and ippeveprinter (the lab)."""
    if os.geteuid() != 0 or shutil.which("cupsd") is None or shutil.which("ippeveprinter") is None:
        pytest.skip("the CUPS lab needs root and the cups and cups-ipp-utils packages")
    report = simulate(tmp_path, "--documents", "20", "--cups")
    all_good(report, 20)


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_sigkill_and_power_cycles_lose_nothing(tmp_path: Path) -> None:
    report = simulate(tmp_path, "--documents", "40", "--kill-daemon-every", "3", "--power-cycle-every", "10",
                      timeout=1100)
    all_good(report, 40)
    # Kills come every 3 s of the run, so their number follows the machine's speed: the proof is that every
    # invariant above held through whatever kills came; this only says the run was not a quiet one.
    assert report["daemon_kills"] >= 1 and report["bus_power_cycles"] >= 1
    assert report["checkpoints_verified"] >= 1


@pytest.mark.timeout(900)
def test_a_dispenser_serves_a_queue_one_at_a_time(tmp_path: Path) -> None:
    report = simulate(tmp_path, "--kind", "dispenser", "--documents", "20", "--fast")
    all_good(report, 20, kind="dispenser")


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_a_dispenser_under_sigkill_and_power_cycles_hands_nobody_another_persons_paper(tmp_path: Path) -> None:
    # The full-size run (40 documents) is the same command; this size keeps CI within its time budget.
    report = simulate(tmp_path, "--kind", "dispenser", "--documents", "20", "--kill-daemon-every", "4",
                      "--power-cycle-every", "15", "--fast", timeout=1400)
    all_good(report, 20, kind="dispenser")
    assert report["daemon_kills"] >= 1 and report["bus_power_cycles"] >= 1  # their number follows the speed


@pytest.mark.timeout(600)
def test_a_station_folder_run_twice_resumes(tmp_path: Path) -> None:
    """`station simulate --dir D` again: the same station, back office and paper; the new day adds to the old."""
    first = simulate(tmp_path, "--documents", "4", "--fast")
    all_good(first, 4)
    second = simulate(tmp_path, "--documents", "4", "--fast")
    all_good(second, 8)  # the first day's documents are still there, collected, and told once
