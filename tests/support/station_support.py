"""What the whole-station tests share (a module of its own: conftest.py is not importable)."""

from __future__ import annotations

from typing import Any

import httpx
import patience

import spool
from spool import jobs
from spool.states import JobState
from simulators.station.simulate import SimulatedStation

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


def answer(web: httpx.Client, path: str, status: int) -> dict[str, Any] | None:
    """The JSON body of GET `path` when it answers `status` (None otherwise, or when it does not answer)."""
    try:
        reply = web.get(path)
    except httpx.HTTPError:
        return None
    return reply.json() if reply.status_code == status else None


def kiosk_on(web: httpx.Client, headers: dict[str, str], screen: str) -> dict[str, Any] | None:
    """The kiosk's view when it shows `screen` (None otherwise)."""
    try:
        view = web.get("/api/v1/kiosk", headers=headers).json()
    except (httpx.HTTPError, ValueError):
        return None
    return view if view.get("screen") == screen else None
