"""After a restart: what became of every print attempt the ledger holds open.

An attempt with a printer job id is followed again. One without was cut off
around its submission: the printer is asked for a job with that title the
station does not know yet, which is adopted instead of printing again; when
there is none, nothing reached the printer and the attempt is written off.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any, Protocol

from drivers.printer import Printer, PrinterError
from spool import intents, jobs, machine
from spool.db import write
from spool.intents import Intent, Kind
from spool.jobs import Job, find_job, get_job
from spool.rules import PRINTABLE
from spool.states import Flow, JobState

from station.release import tray_check
from station.printing.attempt import Flight, PrintDocument, Recovery


class PrintStage(Protocol):
    """What recovery needs of the print stage (`station.printing.stage.PrintStage`)."""

    conn: sqlite3.Connection
    printer: Printer
    actor: str
    flights: dict[str, Flight]
    retry: dict[str, None]

    def hold(self, job: Job, reason: str, details: dict[str, Any]) -> None:
        """Hold a job for a person, with the reason."""

    def document(self, job: Job, intent: Intent | None) -> PrintDocument | None:
        """The PDF to print (a bad one holds the job)."""

    def submitted(self, job: Job, intent: Intent, printer_job: int, extra: dict[str, Any]) -> None:
        """The printer took the attempt."""

    def cancel_at_printer(self, printer_job: int) -> None:
        """Take a job back from the printer."""

log = logging.getLogger("station.printing")

LOST = "printer-job-lost"


def recover(stage: PrintStage) -> tuple[Recovery, bool]:
    """Resolve every open print intent; False when the printer could not be asked about one yet."""
    report = Recovery()
    stage.flights.clear()
    stage.retry.clear()
    complete = True
    for intent in intents.open_intents(stage.conn, Kind.PRINT):
        job = find_job(stage.conn, intent.job or "")
        if job is None or job.state not in PRINTABLE[job.flow] | {JobState.PRINTING}:
            intents.finish(stage.conn, intent.id, "stale", actor=stage.actor)  # a person moved the job on
        elif "printer_job" in intent.detail:
            _follow_again(stage, job, intent, report)
        else:
            complete &= _resolve(stage, job, intent, report)
    for job in jobs.jobs_in(stage.conn, JobState.PRINTING, limit=100_000):
        if job.id in stage.flights or intents.open_for(stage.conn, job.id, Kind.PRINT) is not None:
            continue
        if job.flow is Flow.DISPENSER:
            stage.retry[job.id] = None  # between two attempts
            report.retries.append(job.id)
        else:  # `printing` with no attempt in the ledger: a record the stage never writes
            stage.hold(job, LOST, {})
    if any((report.resumed, report.adopted, report.abandoned, report.retries)):
        log.info("print stage recovered", extra={"fields": {
            "resumed": len(report.resumed), "adopted": len(report.adopted),
            "abandoned": len(report.abandoned), "retries": len(report.retries)}})
    return report, complete


def _follow_again(stage: PrintStage, job: Job, intent: Intent, report: Recovery) -> None:
    document = stage.document(job, intent)
    if document is None:
        return
    stage.flights[job.id] = Flight(job.id, int(intent.detail["printer_job"]), int(intent.detail["attempt"]),
                                   intent.id, document.expected, document.pages,
                                   started_at=intent.detail.get("started_at"),
                                   requeued=bool(intent.detail.get("requeued")))
    report.resumed.append(job.id)


def _resolve(stage: PrintStage, job: Job, intent: Intent, report: Recovery) -> bool:
    """Adopt what reached the printer, or write the attempt off; False when the printer cannot be asked."""
    attempt = int(intent.detail["attempt"])
    known = {int(i.detail["printer_job"]) for i in intents.of_job(stage.conn, job.id, Kind.PRINT)
             if "printer_job" in i.detail}
    try:
        found = [p for p in stage.printer.jobs_titled(job.id) if p.id not in known]
    except PrinterError as err:
        log.warning("cannot look for job %s at the printer: %s", job.id, err)
        return False
    if not found:
        with write(stage.conn):
            intents.finish(stage.conn, intent.id, "not_sent", actor=stage.actor, audited=False)
            machine.annotate(stage.conn, job.id, "print.abandoned", actor=stage.actor,
                             details={"attempt": attempt, "reason": "not-at-printer"},
                             print_attempts=max(attempt - 1, 0))
            if job.flow is Flow.LOCKER:  # it may have printed all the same: staff look in the tray (issue 22)
                tray_check.ask(stage.conn, job.id, attempt)
        report.abandoned.append(job.id)
        if job.flow is Flow.DISPENSER and job.state is JobState.PRINTING:
            stage.retry[job.id] = None
        return True
    adopted, extra = found[-1], found[:-1]
    for stray in extra:  # several unknown jobs with one title: keep the newest only
        stage.cancel_at_printer(stray.id)
    stage.submitted(job, intent, adopted.id, {"adopted": True})
    document = stage.document(get_job(stage.conn, job.id), intents.get(stage.conn, intent.id))
    if document is not None:
        stage.flights[job.id] = Flight(job.id, adopted.id, attempt, intent.id, document.expected, document.pages)
    report.adopted.append(job.id)
    return True
