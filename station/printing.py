"""The print stage: feeds the printer from the spool and calls a document printed only when it is.

It takes `rendered` jobs (locker) and `released` ones (dispenser, where the
citizen waits: those go first), keeps at most `max_in_flight` of them at
the printer so that it never waits for the station, and follows each to
its end.

Write-ahead, for every attempt:

1. intent: `print.submitting` (first attempt) or `job.reprint` (any later
   one) in the audit, with `print_attempts` = the attempt number;
2. the submission (the job id is the title);
3. the outcome: `rendered`/`released` -> `printing` with `printer_job_id`
   in the same commit (a dispenser retry, already `printing`, records
   `print.submitted`).

A crash between 1 and 3 leaves an intent without an outcome. `recover()`
asks the printer for a job with that title that the station does not know
yet and adopts it instead of printing again; when there is none, nothing
reached the printer and the attempt is written off (`print.abandoned`).

A job is `printed` when the printer finished it, the pages it reports
match the PDF's (pypdf) and, where an output sensor is fitted, the sensor
sees paper. Otherwise the attempt failed: the job goes back to `rendered`
(a dispenser job stays `printing`) and is printed again, each reprint in
the audit, until `max_attempts` failures in a row hold it with the reason
(`media-jam`, `page-count-mismatch`, ...). A spooler that sends a job a
second time by itself is caught by the job's new start time and recorded
as a `job.reprint` too; one that puts a job it had begun back in its queue
(CUPS 2.4 after a restart) has it cancelled there, and the printer's own
record of the job decides: printed in full, or reprinted by the station.

While the printer reports a blocking reason (paper, jam, door, offline)
nothing new is fed; feeding starts again by itself when it clears.

Every call here blocks (pycups, SQLite): the daemon runs `step()` in a
thread (`asyncio.to_thread`) or lets `start()` run the stage in its own.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from drivers.printer import (BLOCKING, BadDocument, BadOptions, JobPhase, Printer, PrinterBlocked, PrinterError,
                             PrinterJob, PrinterStatus, PrinterUnreachable, check_options, copies_of, open_printer,
                             pdf_pages, print_options, sha256_of)
from drivers.printer.status import DeviceState
from spool import alarms, audit, machine
from spool.errors import IllegalTransition
from spool.jobs import Job, get_job
from spool.states import Flow, JobState

from .config import Config

# The printer has no record of a job it was given (restarted, purged): reprint it.
LOST = "printer-job-lost"
LOST_LIMIT = 10

log = logging.getLogger("station.printing")

# Audit actions of this stage. An intent is open until one of the others follows it.
INTENTS = frozenset({"print.submitting", "job.reprint"})
SUBMITTED = frozenset({"job.printing", "print.submitted"})
_PRINT_ACTIONS = INTENTS | SUBMITTED | frozenset({"print.failed", "print.abandoned", "job.printed", "job.held",
                                                   "print.requeued"})
SENT_AGAIN = "resent-by-spooler"

OptionsFor = Callable[[Job], Mapping[str, Any]]
Sensor = Callable[[Job], bool]


class EventSink(Protocol):
    """Where the stage tells the rest of the station what happened (`station.events.EventBus`)."""

    def publish(self, kind: str, data: dict[str, Any]) -> Any:
        """Send one event; never blocks."""


@dataclass
class Flight:
    """One attempt at the printer, followed until it ends."""

    job_id: str
    printer_job: int
    attempt: int
    expected_pages: int
    document_pages: int
    started_at: float | None = None
    finished_at: float | None = None  # when the printer finished and the pages matched (sensor wait)
    # Blocking reasons the printer reported while this attempt was at it: the
    # likely cause when the job's own record names none (a jam cleared since).
    seen: dict[str, None] = field(default_factory=dict)
    # The spooler put the job back in its queue after beginning it.
    requeued: bool = False


@dataclass(frozen=True)
class Document:
    """What is sent for one job: the PDF, its pages, the pages to expect back, the options."""

    path: Path
    pages: int
    expected: int
    options: dict[str, str]


@dataclass
class Recovery:
    """What `recover()` found after a restart."""

    resumed: list[str] = field(default_factory=list)
    adopted: list[str] = field(default_factory=list)
    abandoned: list[str] = field(default_factory=list)
    retries: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StepReport:
    """What one `step()` did."""

    status: PrinterStatus
    in_flight: int
    fed: int
    printed: int
    failed: int


def default_options(media: str) -> OptionsFor:
    """Options when no template says otherwise: the configured paper, one side, one copy."""
    fixed = print_options(media=media)
    return lambda job: fixed


class PrintStage:
    """Moves jobs through printing; one thread at a time may call it."""

    def __init__(self, conn: sqlite3.Connection, printer: Printer, *, max_in_flight: int = 2,
                 max_attempts: int = 3, options_for: OptionsFor | None = None,
                 media: str = "iso_a4_210x297mm", sensor: Sensor | None = None, sensor_seconds: float = 10.0,
                 events: EventSink | None = None, actor: str = "system", poll_seconds: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.conn = conn
        self.printer = printer
        self.max_in_flight = max_in_flight
        self.max_attempts = max_attempts
        self.options_for = options_for or default_options(media)
        self.sensor = sensor
        self.sensor_seconds = sensor_seconds
        self.events = events
        self.actor = actor
        self.poll_seconds = poll_seconds
        self.clock = clock
        self.flights: dict[str, Flight] = {}
        self.last_status: PrinterStatus | None = None
        self._retry: dict[str, None] = {}  # dispenser jobs, still `printing`, waiting for another attempt
        self._recovered = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def from_config(cls, cfg: Config, conn: sqlite3.Connection, printer: Printer | None = None,
                    **kwargs: Any) -> PrintStage:
        """A stage with the configured limits (and printer, unless one is given)."""
        section = cfg.printer
        return cls(conn, printer or open_printer(section, base_dir=cfg.base_dir), max_in_flight=section.max_in_flight,
                   max_attempts=section.max_attempts, media=section.media, sensor_seconds=section.sensor_seconds,
                   poll_seconds=section.poll_seconds, **kwargs)

    # -- running -------------------------------------------------------------

    def start(self, poll_seconds: float | None = None) -> threading.Thread:
        """Run the stage in its own thread until `stop()` (polling every `poll_seconds`, default the stage's)."""
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, args=(poll_seconds or self.poll_seconds,),
                                        name="print-stage", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the thread after the step in progress (everything left resumes from the spool)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run(self, poll_seconds: float = 1.0) -> None:
        """Recover, then step until stopped; a failing step is logged and tried again later."""
        delay = poll_seconds
        while not self._stop.is_set():
            try:
                self.step()
                delay = poll_seconds
            except Exception:  # noqa: BLE001 - the stage must outlive any one bad step
                log.exception("print stage step failed; trying again in %.1f s", delay)
                delay = min(delay * 2, 30.0)
            self._stop.wait(delay)

    # -- recovery ------------------------------------------------------------

    def recover(self) -> Recovery:
        """Find out what became of every recorded printer job before printing anything."""
        report = Recovery()
        self.flights.clear()
        self._retry.clear()
        complete = True
        for job in self._jobs_in(JobState.PRINTING):
            last = self._last_print_entry(job.id)
            if last is not None and last.action in INTENTS:
                complete &= self._resolve_intent(job, last, report)
            elif last is not None and last.action in ("print.failed", "print.abandoned"):
                # A dispenser job between attempts (a locker one would be `rendered`).
                self._retry[job.id] = None
                report.retries.append(job.id)
            elif job.printer_job_id is not None:
                self._resume(job, report, requeued=last is not None and last.action == "print.requeued")
            else:
                # `printing` without a printer job: a record this stage never writes.
                self._fail(job, "printer-job-lost", {})
        for job in self._candidates_with_open_intent():
            last = self._last_print_entry(job.id)
            if last is not None and last.action in INTENTS:
                complete &= self._resolve_intent(job, last, report)
        # Until every open intent is resolved, nothing new is fed (the next step asks again).
        self._recovered = complete
        if any((report.resumed, report.adopted, report.abandoned, report.retries)):
            log.info("print stage recovered", extra={"fields": {
                "resumed": len(report.resumed), "adopted": len(report.adopted),
                "abandoned": len(report.abandoned), "retries": len(report.retries)}})
        return report

    def _resume(self, job: Job, report: Recovery, *, requeued: bool = False) -> None:
        document = self._document(job)
        if document is None:
            return
        started = None
        for entry in audit.entries(self.conn, job=job.id):
            if entry.action == "print.started" and entry.details.get("printer_job") == job.printer_job_id:
                started = entry.details.get("started_at")
        self.flights[job.id] = Flight(job.id, int(job.printer_job_id), job.print_attempts,  # type: ignore[arg-type]
                                      document.expected, document.pages, started_at=started, requeued=requeued)
        report.resumed.append(job.id)

    def _resolve_intent(self, job: Job, intent: audit.Entry, report: Recovery) -> bool:
        """An intent with no recorded outcome: adopt what reached the printer, or write it off.

        False when the printer cannot be asked yet (the intent stays open).
        """
        attempt = int(intent.details.get("attempt", job.print_attempts))
        known = self._known_printer_jobs(job.id)
        try:
            found = [p for p in self.printer.jobs_titled(job.id) if p.id not in known]
        except PrinterError as err:
            # Cannot tell yet: leave the intent open and ask again at the next start.
            log.warning("cannot look for job %s at the printer: %s", job.id, err)
            return False
        if not found:
            machine.annotate(self.conn, job.id, "print.abandoned", actor=self.actor,
                             details={"attempt": attempt, "reason": "not-submitted"},
                             print_attempts=max(attempt - 1, 0))
            report.abandoned.append(job.id)
            if job.flow is Flow.DISPENSER and job.state is JobState.PRINTING:
                self._retry[job.id] = None
            return True
        adopted, extra = found[-1], found[:-1]
        for stray in extra:  # several unknown jobs with one title: keep the newest only
            try:
                self.printer.cancel(stray.id)
            except PrinterError as err:
                log.warning("could not cancel stray printer job %s: %s", stray.id, err)
        details = {"printer_job": adopted.id, "attempt": attempt, "adopted": True,
                   "printer": self.printer.name}
        if job.state is JobState.PRINTING:
            machine.annotate(self.conn, job.id, "print.submitted", actor=self.actor, details=details,
                             printer_job_id=adopted.id)
        else:
            machine.transition(self.conn, job.id, JobState.PRINTING, actor=self.actor, details=details,
                               printer_job_id=adopted.id)
        document = self._document(get_job(self.conn, job.id))
        if document is not None:
            self.flights[job.id] = Flight(job.id, adopted.id, attempt, document.expected, document.pages)
        report.adopted.append(job.id)
        return True

    # -- one step ------------------------------------------------------------

    def step(self) -> StepReport:
        """Read the printer's status, follow the jobs in flight, feed the printer if it can print."""
        if not self._recovered:
            self.recover()
        status = self._read_status()
        printed = failed = 0
        for flight in self.flights.values():
            flight.seen.update(dict.fromkeys(status.blocking))
        for flight in list(self.flights.values()):
            outcome = self._follow(flight)
            printed += outcome == "printed"
            failed += outcome == "failed"
        fed = 0 if status.blocked or not self._recovered else self._feed()
        return StepReport(status, len(self.flights), fed, printed, failed)

    def _read_status(self) -> PrinterStatus:
        try:
            status = self.printer.status()
        except PrinterError as err:  # a misconfigured queue: nothing can print
            status = PrinterStatus(DeviceState.OFFLINE, ("offline",), str(err), "station")
        previous, self.last_status = self.last_status, status
        if previous is None or previous.blocking != status.blocking or previous.state != status.state:
            self._publish("device", {"device": "printer", "name": self.printer.name, **status.as_dict()})
            if status.blocked and (previous is None or not previous.blocked or previous.blocking != status.blocking):
                log.warning("printer %s stopped: %s", self.printer.name, ", ".join(status.blocking))
                alarms.raise_alarm(self.conn, "printer.blocked",
                                   f"printer {self.printer.name}: {', '.join(status.blocking)}",
                                   device="printer", severity="warning", actor=self.actor)
            elif previous is not None and previous.blocked and not status.blocked:
                log.info("printer %s ready again", self.printer.name)
        return status

    # -- following jobs at the printer ----------------------------------------

    def _follow(self, flight: Flight) -> str:
        job = get_job(self.conn, flight.job_id)
        if job.state is not JobState.PRINTING or job.printer_job_id != flight.printer_job:
            # Cancelled (or moved) by a person while at the printer: stop the paper.
            self.flights.pop(flight.job_id, None)
            try:
                self.printer.cancel(flight.printer_job)
            except PrinterError as err:
                log.warning("could not cancel printer job %s: %s", flight.printer_job, err)
            return "dropped"
        try:
            info = self.printer.job(flight.printer_job)
        except PrinterUnreachable:
            return "waiting"
        if flight.requeued or (flight.started_at is not None and info.phase in (JobPhase.PENDING, JobPhase.HELD)):
            return self._follow_requeued(flight, job)
        self._note_start(flight, info)
        if not info.phase.done:
            return "waiting"
        reason, details = self._verdict(flight, info)
        return self._conclude(flight, job, reason, details, info.pages)

    def _follow_requeued(self, flight: Flight, job: Job) -> str:
        """The spooler put a job it had begun back in its queue (CUPS after a restart).

        CUPS would send it again from the start, blind to what the printer
        already printed: the station cancels it there and asks the printer
        itself. Printed in full: done, no second copy. Otherwise: a failed
        attempt, reprinted by the station (and so in the audit).
        """
        if not flight.requeued:
            flight.requeued = True
            machine.annotate(self.conn, job.id, "print.requeued", actor=self.actor,
                             details={"printer_job": flight.printer_job, "attempt": flight.attempt})
            try:
                self.printer.cancel(flight.printer_job)
            except PrinterError as err:
                log.warning("could not cancel requeued printer job %s: %s", flight.printer_job, err)
        try:
            record = self.printer.record_at_printer(job.id)
        except PrinterError:
            return "waiting"
        if record is not None and not record.phase.done:
            return "waiting"  # the printer is still at it
        details: dict[str, Any] = {"printer_job": flight.printer_job, "attempt": flight.attempt, "requeued": True}
        if record is None:
            return self._conclude(flight, job, "spooler-restarted", details, None)
        reason, details = self._verdict(flight, record)
        details["requeued"] = True
        return self._conclude(flight, job, reason, details, record.pages)

    def _conclude(self, flight: Flight, job: Job, reason: str | None, details: dict[str, Any],
                  pages: int | None) -> str:
        """Printed (after the output sensor, if any), or a failed attempt."""
        if reason is None and self.sensor is not None:
            reason = self._sensor_verdict(flight, job)
            if reason == "waiting":
                return "waiting"
        if reason is None:
            fields = {"pages": flight.document_pages} if job.pages is None else {}
            machine.transition(self.conn, job.id, JobState.PRINTED, actor=self.actor,
                               details={**details, "pages": pages}, **fields)
            self.flights.pop(job.id, None)
            # The paper is out: the spooler keeps neither the document nor its record.
            self.printer.purge(flight.printer_job)
            self._publish("job", {"id": job.id, "state": JobState.PRINTED.value})
            return "printed"
        self._fail(job, reason, details)
        return "failed"

    def _note_start(self, flight: Flight, info: PrinterJob) -> None:
        """Record when the spooler began sending; a new start time means it sent the job again."""
        if info.started_at is None or info.started_at == flight.started_at:
            return
        details = {"printer_job": flight.printer_job, "attempt": flight.attempt, "started_at": info.started_at}
        if flight.started_at is None:
            machine.annotate(self.conn, flight.job_id, "print.started", actor=self.actor, details=details)
        else:
            # The paper of the first start may already be out: this is a reprint.
            machine.annotate(self.conn, flight.job_id, "job.reprint", actor=self.actor,
                             details={**details, "reason": SENT_AGAIN, "previous_start": flight.started_at})
        flight.started_at = info.started_at

    def _verdict(self, flight: Flight, info: PrinterJob) -> tuple[str | None, dict[str, Any]]:
        """None when the attempt printed; else the reason it did not."""
        details: dict[str, Any] = {"printer_job": flight.printer_job, "attempt": flight.attempt,
                                   "phase": info.phase.value}
        if info.pages is not None:
            details["pages"] = info.pages
        blocking = [r for r in info.reasons if r in BLOCKING]
        if info.phase is not JobPhase.COMPLETED:
            blocking = blocking or list(flight.seen)
            default = {JobPhase.GONE: LOST, JobPhase.UNKNOWN: "outcome-unknown",
                       JobPhase.CANCELED: "canceled-at-printer"}.get(info.phase, "aborted-by-printer")
            return (blocking[0] if blocking else default), details
        if blocking and not info.checked_at_printer:
            # Only the spooler's word, and the printer was in trouble: do not trust "completed".
            return blocking[0], details
        if info.pages != flight.expected_pages:
            return "page-count-mismatch", {**details, "pages_expected": flight.expected_pages,
                                           "pages_reported": info.pages}
        return None, details

    def _sensor_verdict(self, flight: Flight, job: Job) -> str | None:
        now = self.clock()
        if flight.finished_at is None:
            flight.finished_at = now
        try:
            seen = bool(self.sensor(job))  # type: ignore[misc]
        except Exception:  # noqa: BLE001 - a broken sensor reads as "not seen"
            log.exception("output sensor failed")
            seen = False
        if seen:
            return None
        return "waiting" if now - flight.finished_at < self.sensor_seconds else "output-not-seen"

    def _fail(self, job: Job, reason: str, details: dict[str, Any]) -> None:
        """Record a failed attempt: back for a reprint, or held after `max_attempts` in a row."""
        self.flights.pop(job.id, None)
        # A job the printer lost (it restarted, or its record was purged) says nothing against the
        # document: it is reprinted (audited) and counts against its own, wider limit.
        lost = reason == LOST
        failures = self._failures_in_a_row(job.id, lost=lost) + 1
        details = {**details, "failures": failures}
        if failures >= (LOST_LIMIT if lost else self.max_attempts):
            machine.transition(self.conn, job.id, JobState.HELD, actor=self.actor, reason=reason, details=details)
            self._retry.pop(job.id, None)
            log.warning("job %s held after %d failed attempts: %s", job.id, failures, reason)
            self._publish("job", {"id": job.id, "state": JobState.HELD.value, "reason": reason})
        elif job.flow is Flow.DISPENSER:
            machine.annotate(self.conn, job.id, "print.failed", actor=self.actor, details={**details, "reason": reason})
            self._retry[job.id] = None
        else:
            machine.transition(self.conn, job.id, JobState.RENDERED, actor=self.actor, action="print.failed",
                               reason=reason, details=details)
            self._publish("job", {"id": job.id, "state": JobState.RENDERED.value, "reason": reason})

    def _failures_in_a_row(self, job_id: str, *, lost: bool = False) -> int:
        """Failed attempts (lost ones, or the others) since the job last left `held`."""
        count = 0
        for entry in audit.entries(self.conn, job=job_id):
            if entry.details.get("from") == JobState.HELD.value:
                count = 0
            elif entry.action == "print.failed" and (entry.details.get("reason") == LOST) == lost:
                count += 1
        return count

    # -- feeding the printer ---------------------------------------------------

    def _feed(self) -> int:
        """Fill the printer up to `max_in_flight`; jobs held on the way do not take a place."""
        fed = 0
        while len(self.flights) < self.max_in_flight:
            batch = self._next_jobs(self.max_in_flight - len(self.flights))
            if not batch:
                break
            for job in batch:
                result = self._submit(job)
                if result == "stop":
                    return fed
                fed += result == "sent"
        return fed

    def _next_jobs(self, limit: int) -> list[Job]:
        """Dispenser jobs first (a citizen is waiting), then locker jobs, oldest first."""
        chosen: list[Job] = []
        for job_id in list(self._retry):
            if len(chosen) >= limit:
                return chosen
            job = get_job(self.conn, job_id)
            if job.state is JobState.PRINTING and job.id not in self.flights:
                chosen.append(job)
            else:
                self._retry.pop(job_id, None)
        rows = self.conn.execute(
            "SELECT id FROM jobs WHERE (state = 'released' AND flow = 'dispenser')"
            " OR (state = 'rendered' AND flow = 'locker')"
            " ORDER BY flow = 'locker', rowid LIMIT ?", (limit - len(chosen),)).fetchall()
        chosen.extend(get_job(self.conn, row["id"]) for row in rows)
        return chosen

    def _submit(self, job: Job) -> str:
        """One attempt: intent, submission, outcome (see the module's docstring)."""
        document = self._document(job)
        if document is None:
            return "held"
        attempt = job.print_attempts + 1
        action = "print.submitting" if attempt == 1 else "job.reprint"
        machine.annotate(self.conn, job.id, action, actor=self.actor,
                         details={"attempt": attempt, "printer": self.printer.name}, print_attempts=attempt)
        try:
            printer_job = self.printer.submit(document.path, job.id, document.options)
        except (PrinterBlocked, PrinterUnreachable) as err:
            self._abandon(job, attempt, "printer-not-ready", str(err))
            return "stop"
        except BadDocument:
            self._abandon(job, attempt, "document-unreadable", None)
            machine.transition(self.conn, job.id, JobState.HELD, actor=self.actor, reason="document-unreadable")
            return "held"
        except PrinterError as err:  # the spooler refused: its configuration, not this document
            self._abandon(job, attempt, "printer-refused", str(err))
            alarms.raise_alarm(self.conn, "printer.refused", f"printer {self.printer.name} refuses jobs: {err}",
                               device="printer", severity="critical", actor=self.actor)
            return "stop"
        details = {"printer_job": printer_job, "attempt": attempt, "printer": self.printer.name}
        try:
            if job.state is JobState.PRINTING:
                machine.annotate(self.conn, job.id, "print.submitted", actor=self.actor, details=details,
                                 printer_job_id=printer_job)
            else:
                machine.transition(self.conn, job.id, JobState.PRINTING, actor=self.actor, details=details,
                                   printer_job_id=printer_job)
        except IllegalTransition:
            # A person cancelled it between our reading and our writing: take the paper back.
            self.printer.cancel(printer_job)
            machine.annotate(self.conn, job.id, "print.abandoned", actor=self.actor,
                             details={**details, "reason": "cancelled-while-submitting"})
            return "skipped"
        self._retry.pop(job.id, None)
        self.flights[job.id] = Flight(job.id, printer_job, attempt, document.expected, document.pages)
        self._publish("job", {"id": job.id, "state": JobState.PRINTING.value})
        return "sent"

    def _abandon(self, job: Job, attempt: int, reason: str, message: str | None) -> None:
        """Close an intent whose submission did not happen (the attempt is not counted)."""
        if message:
            log.warning("job %s not sent: %s", job.id, message)
        machine.annotate(self.conn, job.id, "print.abandoned", actor=self.actor,
                         details={"attempt": attempt, "reason": reason}, print_attempts=attempt - 1)

    def _document(self, job: Job) -> Document | None:
        """The PDF to print, its pages and options; a bad one holds the job (no attempt spent)."""
        problem = None
        pages = 0
        if not job.pdf_path:
            problem = "document-missing"
        else:
            try:
                pages = pdf_pages(job.pdf_path)
                if job.pdf_sha256 and sha256_of(job.pdf_path) != job.pdf_sha256:
                    problem = "document-changed"
            except BadDocument:
                problem = "document-unreadable"
        options = self._options(job)
        if problem is None and options is None:
            problem = "print-options"
        if problem is not None or options is None:
            self.flights.pop(job.id, None)
            self._retry.pop(job.id, None)
            machine.transition(self.conn, job.id, JobState.HELD, actor=self.actor, reason=problem)
            self._publish("job", {"id": job.id, "state": JobState.HELD.value, "reason": problem})
            return None
        return Document(Path(job.pdf_path), pages, pages * copies_of(options), options)  # type: ignore[arg-type]

    def _options(self, job: Job) -> dict[str, str] | None:
        try:
            return check_options(self.options_for(job))
        except BadOptions as err:
            log.warning("job %s: %s", job.id, err)
            return None

    # -- reading the spool -----------------------------------------------------

    def _jobs_in(self, state: JobState) -> list[Job]:
        rows = self.conn.execute("SELECT id FROM jobs WHERE state = ? ORDER BY rowid", (state.value,))
        return [get_job(self.conn, row["id"]) for row in rows.fetchall()]

    def _candidates_with_open_intent(self) -> list[Job]:
        """Jobs waiting to print whose latest audit entry is a print intent (a crash mid-submission)."""
        rows = self.conn.execute(
            "SELECT jobs.id FROM jobs JOIN audit ON audit.seq ="
            " (SELECT MAX(seq) FROM audit WHERE audit.job_id = jobs.id)"
            " WHERE ((jobs.state = 'rendered' AND jobs.flow = 'locker')"
            " OR (jobs.state = 'released' AND jobs.flow = 'dispenser'))"
            " AND audit.action IN ('print.submitting', 'job.reprint') ORDER BY jobs.rowid").fetchall()
        return [get_job(self.conn, row["id"]) for row in rows]

    def _last_print_entry(self, job_id: str) -> audit.Entry | None:
        """The job's latest audit entry that matters for printing (a spooler's resend does not)."""
        last = None
        for entry in audit.entries(self.conn, job=job_id):
            if entry.details.get("reason") == SENT_AGAIN:
                continue
            if entry.action in _PRINT_ACTIONS or entry.details.get("from") == JobState.HELD.value:
                last = entry
        return last

    def _known_printer_jobs(self, job_id: str) -> set[int]:
        return {int(e.details["printer_job"]) for e in audit.entries(self.conn, job=job_id)
                if e.action in SUBMITTED and isinstance(e.details.get("printer_job"), int)}

    def _publish(self, kind: str, data: dict[str, Any]) -> None:
        if self.events is not None:
            try:
                self.events.publish(kind, data)
            except Exception:  # noqa: BLE001 - events are best effort, never block printing
                log.exception("publishing a %s event failed", kind)


__all__ = ["PrintStage", "Flight", "Document", "Recovery", "StepReport", "EventSink", "default_options"]
