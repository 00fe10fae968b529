"""What staff may do to a job, done one way whoever asks (the daemon's control socket, the API, the shell).

Which action a job accepts in which state is decided once, next to the
transition table (`spool.rules.actions_allowed`); each function here
checks it first, then acts, audited with its actor. Actions that drive a
lock (a move, a technician's open) record their intent in the ledger
first and run in the daemon (`station.parts.assembly`).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import spool
from spool import cancel as cancelling
from spool import intents, machine, rfc3339, slots
from spool.errors import SpoolError
from spool.jobs import Job, get_job
from spool.rules import actions_allowed, retry_target
from spool.states import Action, JobState

from station.release import settling
from .config import ReleaseSection
from .errors import StationError
from station.trust.store import format_time

# Wrong PINs or codes that lock a document, unless the configuration says otherwise ([release] pin_attempts).
PIN_ATTEMPTS = int(ReleaseSection.model_fields["pin_attempts"].default)
# How far ahead a pickup window may be extended.
MAX_EXTENSION = timedelta(days=90)
# A job held for this reason waits for the back office (a correction), not for a retry.
CONFLICT = "conflict"


def allowed(job: Job, *, pin_attempts: int = PIN_ATTEMPTS) -> frozenset[Action]:
    """The actions this job accepts now (`pin_attempts`: wrong PINs or codes that lock a document)."""
    found = actions_allowed(job.flow, job.state, held_from=job.held_from, in_slot=job.slot is not None,
                            has_pdf=job.pdf_path is not None, pin_locked=job.pin_failures >= pin_attempts)
    if job.held_reason == CONFLICT:  # (issue 15) only a correction or a cancel ends a conflict (PROTOCOLS §7.1)
        found -= {Action.RETRY}
    return found


def check(job: Job, action: Action, *, pin_attempts: int = PIN_ATTEMPTS) -> None:
    """Refuse (409, with the reason in words) an action the job's state does not allow."""
    if action in allowed(job, pin_attempts=pin_attempts):
        return
    if action is Action.RETRY and job.held_reason == CONFLICT:
        message = (f"job {job.id} is held for a conflict: the back office must send a correction"
                   " (a higher revision), or cancel it")
    elif action is Action.RETRY and job.state is JobState.HELD:
        message = (f"job {job.id} was held while {job.held_from}: the paper may have left the station;"
                   " check the slot, then cancel it or ask a technician")
    elif action is Action.RETRY:
        message = f"job {job.id} is {job.state.value}, not held: nothing to retry"
    else:
        hint = {Action.REPRINT: " (only a printed or staged locker document with its PDF is reprinted;"
                                " retry a held one)",
                Action.MOVE: " (only a staged document moves)",
                Action.CONFIRM_COLLECTED: _SETTLE_HINT, Action.PAPER_INSIDE: _SETTLE_HINT,
                Action.HANDOVER: " (only a document locked by wrong PINs or codes, waiting for its citizen,"
                                 " is handed over after an ID check)"}.get(action, "")
        message = f"job {job.id} is {job.state.value}: it cannot be {_PAST[action]} now{hint}"
    raise StationError(message, http_status=409)


def retry(conn: sqlite3.Connection, job_id: str, *, actor: str) -> Job:
    """Send a held job back to the stage that failed."""
    job = get_job(conn, job_id)
    check(job, Action.RETRY)
    target = retry_target(job.flow, job.state, job.held_from)
    assert target is not None
    return machine.transition(conn, job_id, target, actor=actor, action="job.retry",
                              details={"held_reason": job.held_reason})


def cancel(conn: sqlite3.Connection, job_id: str, *, actor: str, reason: str) -> Job:
    """Withdraw a job before release; paper printed for it stays for staff, who get the withdrawal's alarm."""
    with spool.write(conn):
        check(get_job(conn, job_id), Action.CANCEL)
        return cancelling.cancel(conn, job_id, actor=actor, by="operator", reason=reason[:200])


def extend(conn: sqlite3.Connection, job_id: str, until: datetime, *, actor: str,
           now: datetime | None = None) -> Job:
    """Move a waiting job's pickup deadline later (never earlier)."""
    now = now or datetime.now(UTC)
    if until.tzinfo is None:
        raise SpoolError("pickup_expires needs a UTC offset or Z")
    job = get_job(conn, job_id)
    check(job, Action.EXTEND)
    if until <= now:
        raise SpoolError("the new pickup deadline must be in the future")
    current = _parse(job.pickup_expires)
    if current is not None and until <= current:
        raise SpoolError(f"the new pickup deadline must be later than the current one ({job.pickup_expires})")
    if until - now > MAX_EXTENSION:
        raise SpoolError(f"the new pickup deadline may be at most {MAX_EXTENSION.days} days ahead")
    new = format_time(until)
    return machine.annotate(conn, job_id, "job.pickup_extended", actor=actor,
                            details={"from": job.pickup_expires, "to": new}, pickup_expires=new)


def reprint(conn: sqlite3.Connection, job_id: str, *, actor: str) -> Job:
    """Print a document again (damaged paper): out of its slot, back to the print queue, audited."""
    job = get_job(conn, job_id)
    check(job, Action.REPRINT)
    with spool.write(conn):
        if job.slot is not None:
            slots.vacate(conn, job.slot, actor=actor, reason="reprint: take the old copy out")
        return machine.transition(conn, job_id, JobState.RENDERED, actor=actor, action="job.reprint_requested",
                                  details={"old_slot": job.slot})


def confirm_collected(conn: sqlite3.Connection, job_id: str, *, actor: str) -> Job:
    """(issue 22) Staff looked: the slot (or bin) is empty, the citizen took the document."""
    return _settle(conn, job_id, Action.CONFIRM_COLLECTED, actor=actor)


def paper_inside(conn: sqlite3.Connection, job_id: str, *, actor: str) -> Job:
    """(issue 22) Staff looked: the paper is still there; a locker document waits again, a dispenser's is retained."""
    return _settle(conn, job_id, Action.PAPER_INSIDE, actor=actor)


def _settle(conn: sqlite3.Connection, job_id: str, action: Action, *, actor: str) -> Job:
    job = get_job(conn, job_id)
    check(job, action)
    if intents.open_for(conn, job_id, intents.Kind.PRESENT) is not None:
        raise StationError(f"job {job_id} is being presented now: the station settles it when the shutter closes",
                           http_status=409)
    return settling.settle(conn, job, action, actor=actor)


def _parse(text: str | None) -> datetime | None:
    return rfc3339.parse_or_none(text)


_PAST = {Action.RETRY: "retried", Action.CANCEL: "cancelled", Action.REPRINT: "reprinted", Action.MOVE: "moved",
         Action.EXTEND: "extended", Action.CONFIRM_COLLECTED: "confirmed collected",
         Action.PAPER_INSIDE: "found with its paper inside", Action.HANDOVER: "handed over"}
_SETTLE_HINT = " (only a released locker document, or a dispenser's printed one, is settled by staff)"
