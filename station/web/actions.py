"""Spool-only actions staff take from the operations page (each one audited with its actor).

Actions that need a device (reprint, move, technician open) go to the daemon
through its control socket instead; see `routes/`.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from spool import alarms, intents, rfc3339, slots
from spool.errors import SpoolError
from spool.jobs import Job, find_job
from spool.states import Action
from station import operations
from station.release import tray_check

# The job actions, done the one way the daemon does them too.
retry = operations.retry
cancel = operations.cancel
extend = operations.extend
confirm_collected = operations.confirm_collected  # (issue 22) staff settle a released document
paper_inside = operations.paper_inside
tray_checked = tray_check.confirm                 # (issue 22) staff looked in the printer's tray
# The ops page's two answers to an open tray check (one route, `/tray_check`, with `found`).
TRAY_ACTIONS = ("tray_found", "tray_none")


def set_slot_service(conn: sqlite3.Connection, slot_id: str, out_of_service: bool, *, actor: str,
                     note: str | None) -> slots.Slot:
    """Take a slot out of service, or put it back."""
    return slots.set_service(conn, slot_id, out_of_service, actor=actor, note=note)


def acknowledge(conn: sqlite3.Connection, alarm_id: int, *, actor: str) -> alarms.Alarm:
    """Mark an alarm as seen."""
    return alarms.acknowledge(conn, alarm_id, actor=actor)


def allowed_actions(job: Job, *, can_operate: bool, pin_attempts: int = operations.PIN_ATTEMPTS) -> list[str]:
    """The actions the ops page offers for this job (operators and above): the ones the daemon accepts."""
    if not can_operate:
        return []
    found = operations.allowed(job, pin_attempts=pin_attempts)
    return [action.value for action in Action if action in found]


def tray_actions(conn: sqlite3.Connection, job: Job, *, can_operate: bool) -> list[str]:
    """The answers the ops page offers while a tray check for this job is open (operators and above)."""
    return list(TRAY_ACTIONS) if can_operate and tray_check.open_checks(conn, job.id) else []


# How long after a release a problem reported on the idle screen is taken to be that citizen's.
PROBLEM_AFTER_RELEASE_S = 120.0


def report_problem(conn: sqlite3.Connection, problem: str, view: dict | None, *,
                   session: str | None = None, actor: str = "citizen") -> tuple[alarms.Alarm, str | None]:
    """Raise an alarm for staff about a citizen's problem at the kiosk, with the job attached.

    The job is taken from the kiosk's current view when it is the citizen's
    session: the job the view names, else the slot's occupant, else the last
    job the ledger opened that slot for (a collected document has left it).
    A screen already back to idle names nobody: the citizen who opened an
    empty door and turned to the screen a little late is the last release,
    if it was within `PROBLEM_AFTER_RELEASE_S`.
    """
    from station.release.kiosk import PROBLEMS

    if problem not in PROBLEMS:
        raise SpoolError(f"unknown problem {problem!r}: one of {', '.join(PROBLEMS)}")
    view = view or {}
    same_session = session is None or view.get("session") in (None, session)
    slot = view.get("slot") if same_session and isinstance(view.get("slot"), str) else None
    job_id = None
    if same_session and isinstance(view.get("job"), dict) and isinstance(view["job"].get("id"), str):
        job_id = view["job"]["id"]
    if job_id is None and slot is not None:
        try:
            job_id = slots.get_slot(conn, slot).occupant
        except SpoolError:
            job_id = None
        if job_id is None:
            last = intents.last_at(conn, slot)  # a collected document has left its slot
            job_id = last.job if last is not None else None
    if job_id is None and slot is None and view.get("screen") == "idle":
        since = datetime.now(UTC) - timedelta(seconds=PROBLEM_AFTER_RELEASE_S)
        last = intents.last_release(conn, rfc3339.format_time(since))
        if last is not None:
            job_id, slot = last.job, last.slot
    if job_id is not None and find_job(conn, job_id) is None:
        job_id = None
    where = f" at slot {slot}" if slot else ""
    alarm = alarms.raise_alarm(conn, f"citizen_{problem}", f"Citizen reports{where}: {PROBLEMS[problem]['en']}",
                               severity="critical", job=job_id, slot=slot, actor=actor)
    return alarm, job_id
