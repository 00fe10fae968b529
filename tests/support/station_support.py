"""What the whole-station tests share (a module of its own: conftest.py is not importable)."""

from __future__ import annotations

import patience

import spool
from spool import jobs
from spool.states import JobState
from station.simulate import SimulatedStation

wait = patience.wait  # the whole-station tests import it from here


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
