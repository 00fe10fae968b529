"""What the stage writes for each step of a print attempt: the `print` intent and the job's audit, together.

Each method is one commit (`spool.db.write`): the intent and the job never
disagree after a crash, and `recovery` finds every attempt the printer may
hold. The stage decides; this module only records.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from spool import intents, machine
from spool.db import write
from spool.intents import Intent, Kind
from spool.jobs import Job
from spool.states import JobState

from station.printing.attempt import Flight


class PrintLedger:
    """The spool's record of the print attempts, written by the print stage."""

    def __init__(self, conn: sqlite3.Connection, actor: str, printer: str) -> None:
        self.conn = conn
        self.actor = actor
        self.printer = printer  # the printer's name, in the audit of each submission

    def begin(self, job: Job, attempt: int) -> Intent:
        """An attempt about to be submitted: counted on the job, its intent opened."""
        with write(self.conn):
            machine.annotate(self.conn, job.id, "print.submitting" if attempt == 1 else "job.reprint",
                             actor=self.actor, details={"attempt": attempt, "printer": self.printer},
                             print_attempts=attempt)
            return intents.record(self.conn, Kind.PRINT, job=job.id, detail={"attempt": attempt}, audited=False)

    def submitted(self, job: Job, intent: Intent, printer_job: int, extra: dict[str, Any]) -> None:
        """The printer took the attempt: its job id on the intent, and the job `printing`."""
        details = {"printer_job": printer_job, "attempt": intent.detail["attempt"], "printer": self.printer, **extra}
        with write(self.conn):
            intents.update(self.conn, intent.id, printer_job=printer_job)
            if job.state is JobState.PRINTING:
                machine.annotate(self.conn, job.id, "print.submitted", actor=self.actor, details=details,
                                 printer_job_id=printer_job)
            else:
                machine.transition(self.conn, job.id, JobState.PRINTING, actor=self.actor, details=details,
                                   printer_job_id=printer_job)

    def not_sent(self, job: Job, intent: Intent, reason: str) -> None:
        """An attempt whose submission did not happen: closed, and not counted."""
        attempt = int(intent.detail["attempt"])
        with write(self.conn):
            intents.finish(self.conn, intent.id, "not_sent", actor=self.actor, audited=False, detail={"reason": reason})
            machine.annotate(self.conn, job.id, "print.abandoned", actor=self.actor,
                             details={"attempt": attempt, "reason": reason}, print_attempts=attempt - 1)

    def cancelled_while_submitting(self, job: Job, intent: Intent, printer_job: int) -> None:
        """A person cancelled the job while it was being submitted (the paper is taken back)."""
        with write(self.conn):
            intents.finish(self.conn, intent.id, "cancelled", actor=self.actor, audited=False)
            machine.annotate(self.conn, job.id, "print.abandoned", actor=self.actor,
                             details={"printer_job": printer_job, "attempt": intent.detail["attempt"],
                                      "reason": "cancelled-while-submitting"})

    def cancelled(self, flight: Flight) -> None:
        """A job cancelled (or moved) by a person while at the printer."""
        intents.finish(self.conn, flight.intent, "cancelled", actor=self.actor,
                       audit_details={"printer_job": flight.printer_job})

    def started(self, flight: Flight, started_at: float) -> None:
        """The spooler began sending; a later start is the job sent again (a second copy, on the record)."""
        details = {"printer_job": flight.printer_job, "attempt": flight.attempt, "started_at": started_at}
        with write(self.conn):
            intents.update(self.conn, flight.intent, started_at=started_at)
            if flight.started_at is None:
                machine.annotate(self.conn, flight.job_id, "print.started", actor=self.actor, details=details)
            else:
                machine.annotate(self.conn, flight.job_id, "print.resent", actor=self.actor,
                                 details={**details, "previous_start": flight.started_at})

    def requeued(self, flight: Flight) -> None:
        """The spooler put a job it had begun back in its queue."""
        with write(self.conn):
            intents.update(self.conn, flight.intent, requeued=True)
            machine.annotate(self.conn, flight.job_id, "print.requeued", actor=self.actor,
                             details={"printer_job": flight.printer_job, "attempt": flight.attempt})

    def printed(self, flight: Flight, job: Job, details: dict[str, Any], pages: int | None) -> None:
        """The attempt printed: the intent closed and the job `printed`, with its pages."""
        fields = {"pages": flight.document_pages} if job.pages is None else {}
        with write(self.conn):
            intents.finish(self.conn, flight.intent, "printed", actor=self.actor, audited=False)
            machine.transition(self.conn, job.id, JobState.PRINTED, actor=self.actor,
                               details={**details, "pages": pages}, **fields)

    def hold(self, job: Job, reason: str, details: dict[str, Any]) -> None:
        """Hold a job for a person, with the reason."""
        machine.transition(self.conn, job.id, JobState.HELD, actor=self.actor, reason=reason, details=details)

    def unprintable(self, job: Job, intent: Intent | None, reason: str) -> None:
        """A job whose document cannot be printed: held (and its open attempt, if any, failed)."""
        with write(self.conn):
            if intent is not None:
                intents.finish(self.conn, intent.id, "failed", actor=self.actor, audited=False,
                               detail={"reason": reason, "held": True})
            self.hold(job, reason, {})
