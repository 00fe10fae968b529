"""Spool-only actions staff take from the operations page (each one audited with its actor).

Actions that need a device (reprint, move, technician open) go to the daemon
through its control socket instead; see `routes/`.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from spool import alarms, machine, slots
from spool.errors import SpoolError
from spool.jobs import Job, get_job
from spool.states import Flow, JobState, is_legal
from station.trust import format_time

S = JobState

# Where a retry sends a held job, by the state it was held from: back to the
# stage that failed. A printing failure prints again from the rendered PDF.
# A job held after release (jammed latch) or after dispenser printing is not
# retried from here: the paper may be out in the world; staff decide.
_RETRY_TARGET: dict[Flow, dict[str | None, JobState]] = {
    Flow.LOCKER: {None: S.RECEIVED, "received": S.RECEIVED, "rendered": S.RENDERED,
                  "printing": S.RENDERED, "printed": S.PRINTED},
    Flow.DISPENSER: {None: S.RECEIVED, "received": S.RECEIVED, "rendered": S.RENDERED},
}
# How far ahead a pickup window may be extended.
MAX_EXTENSION = timedelta(days=90)


def retry_target(job: Job) -> JobState | None:
    """The state a retry would move this job to, or None when it cannot be retried."""
    if job.state is not S.HELD or job.held_reason == "conflict":
        return None  # a conflict ends with the back office's correction, or a cancel (PROTOCOLS §7.1)
    return _RETRY_TARGET[job.flow].get(job.held_from)


def can_cancel(job: Job) -> bool:
    """True when the job may still be cancelled (any state before release)."""
    return is_legal(job.flow, job.state, S.CANCELLED)


def can_extend(job: Job) -> bool:
    """True when the job is still waiting for its citizen (its window can be moved)."""
    return can_cancel(job) and job.state is not S.EXPIRED


def retry(conn: sqlite3.Connection, job_id: str, *, actor: str) -> Job:
    """Send a held job back to the stage that failed."""
    job = get_job(conn, job_id)
    target = retry_target(job)
    if target is None:
        if job.state is not S.HELD:
            raise SpoolError(f"job {job_id} is {job.state.value}, not held: nothing to retry")
        if job.held_reason == "conflict":
            raise SpoolError(f"job {job_id} is held for a conflict: the back office must send a correction"
                             " (a higher revision), or cancel it")
        raise SpoolError(f"job {job_id} was held while {job.held_from}: the paper may have left the"
                         " station; check the slot, then cancel it or ask a technician")
    return machine.transition(conn, job_id, target, actor=actor, action="job.retry",
                              details={"held_reason": job.held_reason})


def cancel(conn: sqlite3.Connection, job_id: str, *, actor: str, reason: str) -> Job:
    """Withdraw a job before release (its paper, if any, stays in the slot for staff); the back office hears it."""
    # `by` travels to the back office with the `cancelled` event (PROTOCOLS §7.1).
    return machine.transition(conn, job_id, S.CANCELLED, actor=actor, reason=reason, action="job.cancelled",
                              details={"by": "operator"})


def extend(conn: sqlite3.Connection, job_id: str, until: datetime, *, actor: str,
           now: datetime | None = None) -> Job:
    """Move a waiting job's pickup deadline later."""
    now = now or datetime.now(UTC)
    if until.tzinfo is None:
        raise SpoolError("pickup_expires needs a UTC offset or Z")
    job = get_job(conn, job_id)
    if not can_extend(job):
        raise SpoolError(f"job {job_id} is {job.state.value}: its pickup window can no longer change")
    if until <= now:
        raise SpoolError("the new pickup deadline must be in the future")
    if until - now > MAX_EXTENSION:
        raise SpoolError(f"the new pickup deadline may be at most {MAX_EXTENSION.days} days ahead")
    current = _parse_time(job.pickup_expires)
    if current is not None and until <= current:
        raise SpoolError(f"the new pickup deadline must be later than the current one ({job.pickup_expires})")
    new = format_time(until)
    return machine.annotate(conn, job_id, "job.pickup_extended", actor=actor,
                            details={"from": job.pickup_expires, "to": new}, pickup_expires=new)


def _parse_time(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
    except ValueError:
        return None


def set_slot_service(conn: sqlite3.Connection, slot_id: str, out_of_service: bool, *, actor: str,
                     note: str | None) -> slots.Slot:
    """Take a slot out of service, or put it back."""
    return slots.set_service(conn, slot_id, out_of_service, actor=actor, note=note)


def acknowledge(conn: sqlite3.Connection, alarm_id: int, *, actor: str) -> alarms.Alarm:
    """Mark an alarm as seen."""
    return alarms.acknowledge(conn, alarm_id, actor=actor)


def allowed_actions(job: Job, *, can_operate: bool) -> list[str]:
    """The actions the ops page offers for this job (operators and above)."""
    if not can_operate:
        return []
    found = []
    if retry_target(job) is not None:
        found.append("retry")
    if can_cancel(job):
        found.append("cancel")
    if job.flow is Flow.LOCKER and job.state in (S.PRINTED, S.STAGED, S.HELD, S.EXPIRED) and job.pdf_path:
        found.append("reprint")
    if job.flow is Flow.LOCKER and job.state is S.STAGED and job.slot:
        found.append("move")
    if can_extend(job):
        found.append("extend")
    return found


def report_problem(conn: sqlite3.Connection, problem: str, view: dict | None, *,
                   session: str | None = None, actor: str = "citizen") -> tuple[alarms.Alarm, str | None]:
    """Raise an alarm for staff about a citizen's problem at the kiosk, with the job attached.

    The job is taken from the kiosk's current view when it is the citizen's
    session: the job the view names, else the slot's occupant, else the last
    job the audit saw at that slot (a collected document has left its slot).
    """
    from station.kiosk import PROBLEMS

    if problem not in PROBLEMS:
        raise SpoolError(f"unknown problem {problem!r}: one of {', '.join(PROBLEMS)}")
    view = view or {}
    same_session = session is None or view.get("session") in (None, session)
    slot = view.get("slot") if same_session and isinstance(view.get("slot"), str) else None
    job_id = None
    if same_session and isinstance(view.get("job"), dict) and isinstance(view["job"].get("id"), str):
        job_id = view["job"]["id"]
    if job_id is None and slot is not None:
        row = conn.execute("SELECT occupant FROM slots WHERE id = ?", (slot,)).fetchone()
        job_id = row["occupant"] if row is not None else None
        if job_id is None:
            row = conn.execute("SELECT job_id FROM audit WHERE slot_id = ? AND job_id IS NOT NULL"
                               " ORDER BY seq DESC LIMIT 1", (slot,)).fetchone()
            job_id = row["job_id"] if row is not None else None
    if job_id is not None and conn.execute("SELECT 1 FROM jobs WHERE id = ?", (job_id,)).fetchone() is None:
        job_id = None
    where = f" at slot {slot}" if slot else ""
    alarm = alarms.raise_alarm(conn, f"citizen_{problem}", f"Citizen reports{where}: {PROBLEMS[problem]['en']}",
                               severity="critical", job=job_id, slot=slot, actor=actor)
    return alarm, job_id
