"""One way to cancel a job, whoever asks (issue 23): an operator, or the back office's withdrawal.

A cancel before release moves the job to `cancelled` and, in the same
transaction, tells staff about paper already printed for it: a document
in its slot stays there until they take it out (`slot_withdrawn_paper`),
paper not yet in a slot (at the printer, in its tray, waiting to be
loaded) is to be discarded (`discard_printed_copy`). The words are those
the withdrawal has always used. (The pickup window's end is no cancel:
the job expires and its paper is returned.)
"""

from __future__ import annotations

import sqlite3

from . import alarms, machine
from .db import write
from .jobs import Job, get_job
from .rules import paper_exists
from .states import JobState

# Staff tasks about paper of a document that changed: a slot to empty, or a loose copy to discard.
WITHDRAWN_PAPER_ALARM = "slot_withdrawn_paper"
LOOSE_PAPER_ALARM = "discard_printed_copy"


def cancel(conn: sqlite3.Connection, job_id: str, *, actor: str, by: str, reason: str | None) -> Job:
    """Cancel a job before release (audited `job.cancelled`, `by` travels to the back office) and raise
    the paper alarm when paper was printed for it. An illegal move raises `IllegalTransition`."""
    with write(conn):
        job = get_job(conn, job_id)
        # (issue 15) `by` travels to the back office with the `cancelled` event (PROTOCOLS §7.1).
        done = machine.transition(conn, job_id, JobState.CANCELLED, actor=actor, action="job.cancelled",
                                  reason=reason, details={"by": by}, cancelled_by=by)
        paper_alarm(conn, job, "withdrawn", actor=actor)
        return done


def paper_alarm(conn: sqlite3.Connection, job: Job, change: str, *, actor: str) -> alarms.Alarm | None:
    """Tell staff to pull the paper of `job` (as it was before the change); None when none was printed.

    A document in its slot gets the slot alarm, loose paper the discard task.
    """
    if job.slot is not None:
        # A cancelled document stays in its slot until staff take it out (`slots collect-expired`).
        return alarms.raise_alarm(conn, WITHDRAWN_PAPER_ALARM, f"slot {job.slot}: document {job.id} was {change};"
                                  " take it out (station slots collect-expired)", job=job.id, slot=job.slot,
                                  actor=actor)
    if paper_exists(job.flow, job.state, job.held_from):
        return alarms.raise_alarm(conn, LOOSE_PAPER_ALARM, f"document {job.id} was {change} after printing:"
                                  " discard its printed copy (at the printer or waiting to be loaded)",
                                  job=job.id, actor=actor)
    return None
