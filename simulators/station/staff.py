"""(issue 22) The tasks a station gives staff, done in a simulated day as a careful person would.

A slot the station cannot judge (a board without item sensors, its door
never seen open after a release): staff open it with a technician and say
what they saw. A tray check (an attempt written off and printed again):
once the document's own sheet has gone into its slot, a sheet of it still
in the tray is an extra copy, destroyed. What they see is the simulated
world's paper, never the station's records.
"""

from __future__ import annotations

import contextlib
from typing import Any

import spool
from spool import alarms, jobs
from spool.states import JobState

from station import operations
from station.release import settling
from station.release import tray_check
from station.errors import StationError

ACTOR = "operator:sim-staff"
# The document's own sheet may still be in the tray, on its way to its slot.
_NOT_LOADED = frozenset({JobState.RECEIVED, JobState.RENDERED, JobState.PRINTING, JobState.PRINTED, JobState.HELD})


def look_in_slots(world: Any, conn: Any) -> None:
    """Every open `slot_check`: the paper still inside, or the slot empty."""
    for alarm in alarms.open_alarms(conn, settling.SLOT_CHECK):
        with world._lock:
            inside = world.slots.get(alarm.slot_id or "") == alarm.job_id
        with contextlib.suppress(spool.SpoolError, StationError):
            (operations.paper_inside if inside else operations.confirm_collected)(conn, alarm.job_id or "",
                                                                                  actor=ACTOR)


def look_in_tray(world: Any, conn: Any) -> None:
    """Every open tray check whose document has left the tray: one copy found and destroyed, or none."""
    for alarm in alarms.open_alarms(conn, tray_check.EXTRA_COPY):
        job = jobs.find_job(conn, alarm.job_id or "")
        if job is None or job.state in _NOT_LOADED:
            continue
        with world._lock:
            found = world.tray[job.id] > 0
            if found:
                world.tray[job.id] -= 1
                world.paper.destroyed[job.id] += 1
        with contextlib.suppress(spool.SpoolError, StationError):
            tray_check.confirm(conn, job.id, found=found, actor=ACTOR)
