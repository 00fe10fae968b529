"""The job state machine: the only code that changes a job's state.

Each call is one durable transaction that checks the move against
`spool.states`, writes the job row, appends to the audit chain and queues
the back-office event the move reports (`spool.outbox`, PROTOCOLS.md §7).
An illegal move raises `IllegalTransition` and changes nothing.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import audit, outbox
from .db import after_commit, write
from .errors import DuplicateJob, IllegalTransition, SpoolError, UnknownJob
from .jobs import Job, get_job
from .rules import INITIAL, is_legal
from .states import Flow, JobState

log = logging.getLogger("spool.machine")


@dataclass(frozen=True)
class JobEvent:
    """A job changed state (announced once its transaction committed)."""

    job: str
    state: JobState
    previous: JobState | None
    slot: str | None
    reason: str | None
    at: str

    def as_dict(self) -> dict[str, Any]:
        """The event as the event bus carries it (no personal data)."""
        return {"job": self.job, "state": self.state.value,
                "from": self.previous.value if self.previous else None, "slot": self.slot,
                "reason": self.reason, "at": self.at}


JobListener = Callable[[JobEvent], None]
_listeners: list[JobListener] = []


def subscribe(listener: JobListener) -> Callable[[], None]:
    """Call `listener` with every job event of this process from now on; returns the unsubscribe."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener) if listener in _listeners else None


def _announce(conn: sqlite3.Connection, event: JobEvent) -> None:
    def deliver() -> None:
        for listener in list(_listeners):
            try:
                listener(event)
            except Exception:  # noqa: BLE001 - a listener's fault never undoes a committed change
                log.exception("job event listener failed")
    after_commit(conn, deliver)


# Job columns a transition (or an annotation) may set beside the state.
SETTABLE_FIELDS = frozenset({"pdf_path", "pdf_sha256", "pages", "printer_job_id", "print_attempts",
                             "pickup_expires", "size", "pin_failures", "reopens", "payload", "template",
                             "template_version", "cancelled_by"})
# Entering these states empties the job's slot: the paper left it. (An
# expired or cancelled document is still in its slot until staff take it.)
_FREES_SLOT = frozenset({JobState.COLLECTED, JobState.RETURNED})


def create_job(conn: sqlite3.Connection, job_id: str, *, flow: Flow, template: str,
               template_version: int, payload: str | None = None, pickup_expires: str | None = None,
               size: str = "M", actor: str = "system", details: dict[str, Any] | None = None,
               kind: str = "template") -> Job:
    """Record a newly received document as a job in `received` (`kind`: "template" or "pdf")."""
    if not isinstance(job_id, str) or not job_id or len(job_id) > 128 or not job_id.isprintable():
        raise SpoolError(f"bad job id {job_id!r}: 1 to 128 printable characters")
    flow = Flow(flow)
    with write(conn):
        if conn.execute("SELECT 1 FROM jobs WHERE id = ?", (job_id,)).fetchone():
            raise DuplicateJob(job_id)
        entry = audit.append(conn, actor, "job.received", job=job_id,
                             details={"template": template, "template_version": template_version,
                                      "flow": flow.value, **(details or {})})
        conn.execute(
            "INSERT INTO jobs (id, flow, state, template, template_version, size, payload,"
            " pickup_expires, created_at, updated_at, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (job_id, flow.value, INITIAL.value, template, int(template_version), size, payload,
             pickup_expires, entry.at, entry.at, kind))
        outbox.report_received(conn, job_id, at=entry.at)
        _announce(conn, JobEvent(job_id, INITIAL, None, None, None, entry.at))
    return get_job(conn, job_id)


def transition(conn: sqlite3.Connection, job_id: str, target: JobState | str, *, actor: str,
               reason: str | None = None, action: str | None = None,
               details: dict[str, Any] | None = None, **fields: Any) -> Job:
    """Move a job to `target`, recording why and by whom, in one transaction.

    `reason` is required for `held` (it says what a person must look at).
    `fields` may set the job columns in `SETTABLE_FIELDS` in the same commit
    (for instance the printer's job id together with `printing`).
    """
    target = JobState(target)
    _check_fields(fields)
    if target is JobState.HELD and not reason:
        raise SpoolError(f"job {job_id}: holding a job needs a reason")
    with write(conn):
        job = get_job(conn, job_id)
        if not is_legal(job.flow, job.state, target):
            raise IllegalTransition(job_id, job.state.value, target.value)
        info = {"from": job.state.value, "to": target.value, **(details or {})}
        if reason:
            info["reason"] = reason
        entry = audit.append(conn, actor, action or f"job.{target.value}", job=job_id,
                             slot=job.slot, details=info)
        held_reason = reason if target is JobState.HELD else None
        held_from = job.state.value if target is JobState.HELD else None
        assignments = ", ".join(f"{name} = ?" for name in fields)
        conn.execute(
            "UPDATE jobs SET state = ?, held_reason = ?, held_from = ?, updated_at = ?"
            + (", " + assignments if assignments else "") + " WHERE id = ?",
            (target.value, held_reason, held_from, entry.at, *fields.values(), job_id))
        if target in _FREES_SLOT and job.slot is not None:
            conn.execute("UPDATE slots SET occupant = NULL WHERE occupant = ?", (job_id,))
        outbox.report_transition(conn, entry, target, actor=actor, info=info)
        _announce(conn, JobEvent(job_id, target, job.state, job.slot, reason, entry.at))
    return get_job(conn, job_id)


def annotate(conn: sqlite3.Connection, job_id: str, action: str, *, actor: str,
             details: dict[str, Any] | None = None, **fields: Any) -> Job:
    """Record something about a job that does not change its state (audited)."""
    with write(conn):
        _annotate(conn, job_id, action, actor, details, fields)
    return get_job(conn, job_id)


def _annotate(conn: sqlite3.Connection, job_id: str, action: str, actor: str, details: dict[str, Any] | None,
              fields: dict[str, Any]) -> audit.Entry:
    _check_fields(fields)
    job = get_job(conn, job_id)
    entry = audit.append(conn, actor, action, job=job_id, slot=job.slot, details=details)
    # updated_at stays the time of the last state change (retention counts from it).
    if fields:
        assignments = ", ".join(f"{name} = ?" for name in fields)
        conn.execute(f"UPDATE jobs SET {assignments} WHERE id = ?", (*fields.values(), job_id))
    return entry


def correct(conn: sqlite3.Connection, job_id: str, revision: int, *, actor: str,
            details: dict[str, Any] | None = None, **fields: Any) -> Job:
    """A correction took `revision` of the document (§7.1): the job is back in `received` with it.

    Audited as `job.corrected` (a transition, or an annotation when the job
    was still `received`); from now on the job's events report `revision`,
    and its `received` is queued in the same commit.
    """
    with write(conn):
        job = get_job(conn, job_id)
        outbox.take_revision(conn, job_id, revision)
        if job.state is not JobState.RECEIVED:
            # Entering `received` queues the new revision's `received` (`outbox.report_transition`).
            return transition(conn, job_id, JobState.RECEIVED, actor=actor, action="job.corrected",
                              details=details, **fields)
        entry = _annotate(conn, job_id, "job.corrected", actor, details, fields)
        outbox.report_received(conn, job_id, at=entry.at)
    return get_job(conn, job_id)


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - SETTABLE_FIELDS
    if unknown:
        raise SpoolError(f"cannot set job fields {sorted(unknown)} through a transition")


__all__ = ["create_job", "transition", "correct", "annotate", "subscribe", "JobEvent", "IllegalTransition", "UnknownJob"]
