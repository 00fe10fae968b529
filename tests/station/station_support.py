"""What the whole-station tests share (a module of its own: conftest.py is not importable)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import spool
from spool import jobs
from spool.states import JobState
from station.simulate import SimulatedStation


def wait(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll `predicate` until it gives something true (returned), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def job(station: SimulatedStation, doc_id: str) -> jobs.Job | None:
    """A job as the station's spool has it now (None before it arrives)."""
    conn = spool.connect(station.cfg.spool_path)
    try:
        return jobs.find_job(conn, doc_id)
    finally:
        conn.close()


def state(station: SimulatedStation, doc_id: str) -> JobState | None:
    """A job's state now (None before it arrives)."""
    found = job(station, doc_id)
    return None if found is None else found.state
