"""The print stage: feeds the printer from the spool and calls a document printed only when it is.

It takes `rendered` jobs (locker) and `released` ones (dispenser, where the
citizen waits: those go first), keeps at most `max_in_flight` of them at
the printer so that it never waits for the station, and follows each to
its end.

Every attempt is a `print` intent in the ledger (`spool.intents`): the
intent with the attempt number, in one commit with its audit entry
(`print.submitting`, or `job.reprint` for any later attempt); the
submission (the job id is the title); the printer's job id on the intent
with `printing`, in one commit; then the outcome (`printed`, `failed`,
`lost`, `not_sent`, `cancelled`). `print_recovery` resolves the open ones
after a crash.

A job is `printed` when the printer finished it, the pages it reports
match the PDF's and, where an output sensor is fitted, the sensor sees
paper. Otherwise the attempt failed: the job is printed again, each
reprint in the audit, until `max_attempts` failures in a row hold it with
the reason (`media-jam`, `page-count-mismatch`, ...). A spooler that sends
a job again by itself is caught by the job's new start time and recorded
(`print.resent`); one that puts a job it had begun back in its queue (CUPS
after a restart) has it cancelled there, and the printer's own record of
the job decides: printed in full, or reprinted by the station.

While the printer reports a blocking reason nothing new is fed. Dispenser
jobs go into an empty bin (`bin_clear`), one at a time; locker jobs are
printed ahead only while there are slots for them.
Every call blocks (pycups, SQLite): the stage runs in its own thread.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from drivers.printer import (BadDocument, BadOptions, JobPhase, Printer, PrinterBlocked, PrinterError, PrinterJob,
                             PrinterStatus, PrinterUnreachable, check_options, copies_of, open_printer, pdf_pages,
                             sha256_of)
from drivers.printer.status import DeviceState
from spool import alarms, intents, jobs, machine, slots
from spool.db import write
from spool.errors import IllegalTransition
from spool.intents import Intent, Kind
from spool.jobs import Job, get_job
from spool.states import Flow, JobState

from station.config import Config
from station.printing.attempt import (
    PrintDocument,
    Flight,
    OptionsFor,
    Recovery,
    StepReport,
    default_options,
    failures_in_a_row,
    judge,
)
from station.release import tray_check
from station.printing.recovery import LOST, recover

# The printer has no record of a job it was given (restarted, purged): reprint it, up to this many times.
LOST_LIMIT = 10

log = logging.getLogger("station.printing")

Sensor = Callable[[Job], bool]


class EventSink(Protocol):
    """Where the stage tells the rest of the station what happened (`station.events.EventBus`)."""

    def publish(self, kind: str, data: dict[str, Any]) -> Any:
        """Send one event; never blocks."""


class PrintStage:
    """Moves jobs through printing; one thread at a time may call it."""

    def __init__(self, conn: sqlite3.Connection, printer: Printer, *, max_in_flight: int = 2,
                 max_attempts: int = 3, options_for: OptionsFor | None = None,
                 media: str = "iso_a4_210x297mm", sensor: Sensor | None = None, sensor_seconds: float = 10.0,
                 bin_clear: Callable[[], bool] | None = None, ahead_margin: int | None = None,
                 events: EventSink | None = None, actor: str = "system", poll_seconds: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.conn = conn
        self.printer = printer
        self.max_in_flight = max_in_flight
        self.max_attempts = max_attempts
        self.options_for = options_for or default_options(media)
        self.sensor = sensor
        self.sensor_seconds = sensor_seconds
        # Dispenser: paper goes only into an empty bin (one person's paper never meets another's).
        self.bin_clear = bin_clear
        # Locker: papers printed but not in a slot yet stay within the free slots plus this margin.
        self.ahead_margin = ahead_margin
        self.events = events
        self.actor = actor
        self.poll_seconds = poll_seconds
        self.clock = clock
        self.flights: dict[str, Flight] = {}
        self.last_status: PrinterStatus | None = None
        self.retry: dict[str, None] = {}  # dispenser jobs, still `printing`, waiting for another attempt
        self._recovered = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def from_config(cls, cfg: Config, conn: sqlite3.Connection, printer: Printer | None = None,
                    **kwargs: Any) -> PrintStage:
        """A stage with the configured limits (and printer, unless one is given)."""
        section = cfg.printer
        if cfg.station.kind == Flow.LOCKER.value:
            kwargs.setdefault("ahead_margin", cfg.loading.print_ahead_margin)
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
        """Find out what became of every open print intent before printing anything."""
        report, complete = recover(self)
        # Until every open intent is resolved, nothing new is fed (the next step asks again).
        self._recovered = complete
        return report

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
        if not status.blocked:
            # (issue 15) the condition ended (also after a restart): the alarm clears itself.
            alarms.clear(self.conn, "printer.blocked", device="printer", actor=self.actor, why="printer ready again")
        return status

    # -- following jobs at the printer ----------------------------------------

    def _follow(self, flight: Flight) -> str:
        job = get_job(self.conn, flight.job_id)
        if job.state is not JobState.PRINTING or job.printer_job_id != flight.printer_job:
            # Cancelled (or moved) by a person while at the printer: stop the paper.
            self.flights.pop(flight.job_id, None)
            self.cancel_at_printer(flight.printer_job)
            intents.finish(self.conn, flight.intent, "cancelled", actor=self.actor,
                           audit_details={"printer_job": flight.printer_job})
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
        reason, details = judge(flight, info)
        if reason == LOST and self.bin_clear is not None:
            # The printer lost its record (it was restarted). The bin was empty before this attempt:
            # paper in it now is this document's, matched at the output and not printed again.
            seen = self._bin(job)
            if seen is None:
                return "waiting"  # the sensor cannot be read yet: ask again
            if seen:
                reason, details = None, {**details, "matched": "output-sensor"}
        return self._conclude(flight, job, reason, details, info.pages)

    def _bin(self, job: Job) -> bool | None:
        """Dispenser: True when the bin holds paper, False when it is empty, None when unknown."""
        try:
            if self.sensor is not None and self.sensor(job):
                return True
            return False if self.bin_clear is not None and self.bin_clear() else None
        except Exception:  # noqa: BLE001 - a broken sensor is an unknown one
            return None

    def _matched_in_bin(self, job: Job) -> bool:
        """A dispenser job between attempts whose paper is in the bin after all: printed, not printed again."""
        if self._bin(job) is not True:
            return False
        machine.transition(self.conn, job.id, JobState.PRINTED, actor=self.actor, details={"matched": "output-sensor"})
        self.retry.pop(job.id, None)
        return True

    def _follow_requeued(self, flight: Flight, job: Job) -> str:
        """The spooler put a job it had begun back in its queue (CUPS after a restart).

        CUPS would send it again from the start, blind to what the printer
        already printed: the station cancels it there and asks the printer
        itself. Printed in full: done, no second copy. Otherwise: a failed
        attempt, reprinted by the station (and so in the audit).
        """
        if not flight.requeued:
            flight.requeued = True
            with write(self.conn):
                intents.update(self.conn, flight.intent, requeued=True)
                machine.annotate(self.conn, job.id, "print.requeued", actor=self.actor,
                                 details={"printer_job": flight.printer_job, "attempt": flight.attempt})
            self.cancel_at_printer(flight.printer_job)
        try:
            record = self.printer.record_at_printer(job.id)
        except PrinterError:
            return "waiting"
        if record is not None and not record.phase.done:
            return "waiting"  # the printer is still at it
        details: dict[str, Any] = {"printer_job": flight.printer_job, "attempt": flight.attempt, "requeued": True}
        if record is None:
            return self._conclude(flight, job, "spooler-restarted", details, None)
        reason, details = judge(flight, record)
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
            with write(self.conn):
                intents.finish(self.conn, flight.intent, "printed", actor=self.actor, audited=False)
                machine.transition(self.conn, job.id, JobState.PRINTED, actor=self.actor,
                                   details={**details, "pages": pages}, **fields)
            self.flights.pop(job.id, None)
            # The paper is out: the spooler keeps neither the document nor its record.
            self.printer.purge(flight.printer_job)
            return "printed"
        self._fail(job, reason, details, flight.intent)
        return "failed"

    def _note_start(self, flight: Flight, info: PrinterJob) -> None:
        """Record when the spooler began sending; a new start time means it sent the job again."""
        if info.started_at is None or info.started_at == flight.started_at:
            return
        details = {"printer_job": flight.printer_job, "attempt": flight.attempt, "started_at": info.started_at}
        with write(self.conn):
            intents.update(self.conn, flight.intent, started_at=info.started_at)
            if flight.started_at is None:
                machine.annotate(self.conn, flight.job_id, "print.started", actor=self.actor, details=details)
            else:
                # The paper of the first start may already be out: a second copy, on the record.
                machine.annotate(self.conn, flight.job_id, "print.resent", actor=self.actor,
                                 details={**details, "previous_start": flight.started_at})
        flight.started_at = info.started_at

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

    def _fail(self, job: Job, reason: str, details: dict[str, Any], intent: int) -> None:
        """Record a failed attempt: back for a reprint, or held after `max_attempts` in a row."""
        self.flights.pop(job.id, None)
        # A job the printer lost (it restarted, or its record was purged) says nothing against the
        # document: it is reprinted (audited) and counts against its own, wider limit.
        lost = reason == LOST
        failures = failures_in_a_row(self.conn, job.id, lost=lost) + 1
        details = {**details, "failures": failures}
        held = failures >= (LOST_LIMIT if lost else self.max_attempts)
        with write(self.conn):
            intents.finish(self.conn, intent, "lost" if lost else "failed", actor=self.actor, audited=False,
                           detail={"reason": reason, "held": held})
            if lost and job.flow is Flow.LOCKER:  # it may have printed all the same: staff look in the tray (issue 22)
                tray_check.ask(self.conn, job.id, int(details.get("attempt") or 0))
            if held:
                machine.transition(self.conn, job.id, JobState.HELD, actor=self.actor, reason=reason,
                                   details=details)
            elif job.flow is Flow.DISPENSER:
                machine.annotate(self.conn, job.id, "print.failed", actor=self.actor,
                                 details={**details, "reason": reason})
            else:
                machine.transition(self.conn, job.id, JobState.RENDERED, actor=self.actor, action="print.failed",
                                   reason=reason, details=details)
        if held:
            self.retry.pop(job.id, None)
            log.warning("job %s held after %d failed attempts: %s", job.id, failures, reason)
        elif job.flow is Flow.DISPENSER:
            self.retry[job.id] = None

    def hold(self, job: Job, reason: str, details: dict[str, Any]) -> None:
        machine.transition(self.conn, job.id, JobState.HELD, actor=self.actor, reason=reason, details=details)
        self.retry.pop(job.id, None)

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
        bin_clear = self.bin_clear is None or self.bin_clear()
        for job_id in list(self.retry):
            job = get_job(self.conn, job_id)
            if job.state is not JobState.PRINTING or job.id in self.flights:
                self.retry.pop(job_id, None)
            elif self._matched_in_bin(job):
                continue
            elif bin_clear and len(chosen) < min(limit, 1):
                chosen.append(job)
        # One dispenser job at a time: its paper must land in an empty bin.
        dispensing = any(get_job(self.conn, j).flow is Flow.DISPENSER for j in self.flights)
        if not chosen and bin_clear and not dispensing:
            chosen.extend(jobs.oldest(self.conn, JobState.RELEASED, Flow.DISPENSER, 1))
        room = min(limit - len(chosen), self._locker_room())
        if room > 0:
            chosen.extend(jobs.oldest(self.conn, JobState.RENDERED, Flow.LOCKER, room))
        return chosen

    def _locker_room(self) -> int:
        """How many more locker documents may be printed ahead now (free slots plus the margin)."""
        if self.ahead_margin is None:
            return self.max_in_flight
        return slots.count_free(self.conn) + self.ahead_margin - jobs.printed_ahead(self.conn)

    def _submit(self, job: Job) -> str:
        """One attempt: intent, submission, outcome (see the module's docstring)."""
        document = self.document(job, None)
        if document is None:
            return "held"
        attempt = job.print_attempts + 1
        with write(self.conn):
            machine.annotate(self.conn, job.id, "print.submitting" if attempt == 1 else "job.reprint",
                             actor=self.actor, details={"attempt": attempt, "printer": self.printer.name},
                             print_attempts=attempt)
            intent = intents.record(self.conn, Kind.PRINT, job=job.id, detail={"attempt": attempt}, audited=False)
        try:
            printer_job = self.printer.submit(document.path, job.id, document.options)
        except (PrinterBlocked, PrinterUnreachable) as err:
            self._not_sent(job, intent, "printer-not-ready", str(err))
            return "stop"
        except BadDocument:
            self._not_sent(job, intent, "document-unreadable", None)
            self.hold(job, "document-unreadable", {})
            return "held"
        except PrinterError as err:  # the spooler refused: its configuration, not this document
            self._not_sent(job, intent, "printer-refused", str(err))
            alarms.raise_alarm(self.conn, "printer.refused", f"printer {self.printer.name} refuses jobs: {err}",
                               device="printer", severity="critical", actor=self.actor)
            return "stop"
        try:
            self.submitted(job, intent, printer_job, {})
        except IllegalTransition:
            # A person cancelled it between our reading and our writing: take the paper back.
            self.cancel_at_printer(printer_job)
            with write(self.conn):
                intents.finish(self.conn, intent.id, "cancelled", actor=self.actor, audited=False)
                machine.annotate(self.conn, job.id, "print.abandoned", actor=self.actor,
                                 details={"printer_job": printer_job, "attempt": attempt,
                                          "reason": "cancelled-while-submitting"})
            return "skipped"
        self.retry.pop(job.id, None)
        self.flights[job.id] = Flight(job.id, printer_job, attempt, intent.id, document.expected, document.pages)
        return "sent"

    def submitted(self, job: Job, intent: Intent, printer_job: int, extra: dict[str, Any]) -> None:
        """The printer took the attempt: its job id on the intent, and the job `printing`, in one commit."""
        details = {"printer_job": printer_job, "attempt": intent.detail["attempt"], "printer": self.printer.name,
                   **extra}
        with write(self.conn):
            intents.update(self.conn, intent.id, printer_job=printer_job)
            if job.state is JobState.PRINTING:
                machine.annotate(self.conn, job.id, "print.submitted", actor=self.actor, details=details,
                                 printer_job_id=printer_job)
            else:
                machine.transition(self.conn, job.id, JobState.PRINTING, actor=self.actor, details=details,
                                   printer_job_id=printer_job)

    def _not_sent(self, job: Job, intent: Intent, reason: str, message: str | None) -> None:
        """Close an attempt whose submission did not happen (it is not counted)."""
        if message:
            log.warning("job %s not sent: %s", job.id, message)
        attempt = int(intent.detail["attempt"])
        with write(self.conn):
            intents.finish(self.conn, intent.id, "not_sent", actor=self.actor, audited=False, detail={"reason": reason})
            machine.annotate(self.conn, job.id, "print.abandoned", actor=self.actor,
                             details={"attempt": attempt, "reason": reason}, print_attempts=attempt - 1)

    def document(self, job: Job, intent: Intent | None) -> PrintDocument | None:
        """The PDF to print, its pages and options; a bad one holds the job (no attempt spent)."""
        problem = None
        pages = 0
        if not job.pdf_path:
            problem = "document-missing"
        else:
            try:
                pages = pdf_pages(job.pdf_path)
                # The bytes printed are the bytes rendered or verified: an agency-signed PDF with no
                # recorded digest cannot be checked, so it is not printed either (fail closed).
                if (job.pdf_sha256 or job.kind == "pdf") and sha256_of(job.pdf_path) != job.pdf_sha256:
                    problem = "document-changed"
            except BadDocument:
                problem = "document-unreadable"
        options = self._options(job)
        if problem is None and options is None:
            problem = "print-options"
        if problem is not None or options is None:
            self.flights.pop(job.id, None)
            with write(self.conn):
                if intent is not None:
                    intents.finish(self.conn, intent.id, "failed", actor=self.actor, audited=False,
                                   detail={"reason": problem, "held": True})
                self.hold(job, problem or "print-options", {})
            return None
        return PrintDocument(Path(job.pdf_path), pages, pages * copies_of(options), options)  # type: ignore[arg-type]

    def _options(self, job: Job) -> dict[str, str] | None:
        try:
            return check_options(self.options_for(job))
        except BadOptions as err:
            log.warning("job %s: %s", job.id, err)
            return None

    def cancel_at_printer(self, printer_job: int) -> None:
        try:
            self.printer.cancel(printer_job)
        except PrinterError as err:
            log.warning("could not cancel printer job %s: %s", printer_job, err)

    def _publish(self, kind: str, data: dict[str, Any]) -> None:
        if self.events is not None:
            try:
                self.events.publish(kind, data)
            except Exception:  # noqa: BLE001 - events are best effort, never block printing
                log.exception("publishing a %s event failed", kind)


__all__ = ["PrintStage", "Flight", "PrintDocument", "Recovery", "StepReport", "EventSink", "default_options"]
