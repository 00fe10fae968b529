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

The stage learns of a job to print by an event (`wake_on_job`: a citizen's
release, a rendered document, a person's cancel), not by its poll: a
released document reaches the printer within the step it wakes. The spool
stays the truth (ADR 0350): a step reads what to print from it, and the
poll (`poll_seconds`, for the printer, which sends no events) also finds
what no event of this process announced: a job changed by another process,
or left by a crash.

While the printer reports a blocking reason (`watch.PrinterWatch`) nothing
new is fed. Which jobs go next and where a failed one waits is the per-kind
policy's (`policy.LockerPolicy`, `policy.DispenserPolicy`).
Every call blocks (pycups, SQLite): the stage runs in its own thread.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

from drivers.printer import (BadDocument, JobPhase, Printer, PrinterBlocked, PrinterError, PrinterUnreachable,
                             open_printer)
from spool import alarms, intents, machine
from spool.db import write
from spool.errors import IllegalTransition
from spool.intents import Intent
from spool.jobs import Job, get_job
from spool.states import Flow, JobState

from station.config import Config
from station.events import Bell, Event, EventBus
from station.printing import documents
from station.printing.attempt import PrintDocument, Flight, Recovery, StepReport, default_options, failures_in_a_row, judge
from station.printing.ledger import PrintLedger
from station.printing.policy import DispenserPolicy, KindPolicy, LockerPolicy, OutputBin, OutputSensor, policies_for
from station.printing.recovery import LOST, recover
from station.printing.settings import StageSettings
from station.printing.watch import EventSink, PrinterWatch

# The printer has no record of a job it was given (restarted, purged): reprint it, up to this many times.
LOST_LIMIT = 10
# Job states only the stage itself moves a job into: their events need no step of its own.
_ITS_OWN = frozenset({JobState.PRINTING.value, JobState.PRINTED.value})

log = logging.getLogger("station.printing")


class PrintStage:
    """Moves jobs through printing; one thread at a time may call it."""

    def __init__(self, conn: sqlite3.Connection, printer: Printer, settings: StageSettings | None = None, *,
                 policies: tuple[KindPolicy, ...] | None = None, sensor: OutputSensor | None = None,
                 events: EventSink | None = None) -> None:
        self.conn = conn
        self.printer = printer
        self.settings = settings or StageSettings()
        self.actor = self.settings.actor
        self.options_for = self.settings.options()
        # In the order they are fed: the dispenser's first (a citizen waits).
        self.policies = policies or (DispenserPolicy(), LockerPolicy())
        self.sensor = sensor  # where the paper lands, if a sensor is fitted there
        self.watch = PrinterWatch(conn, printer, events, self.actor)
        self.ledger = PrintLedger(conn, self.actor, printer.name)
        self.flights: dict[str, Flight] = {}
        self.retry: dict[str, None] = {}  # dispenser jobs, still `printing`, waiting for another attempt
        self._recovered = False
        self._stop = threading.Event()
        self.bell = Bell()  # rung by the events that concern the stage (`wake_on_job`, `wake`)
        self._thread: threading.Thread | None = None

    @classmethod
    def from_config(cls, cfg: Config, conn: sqlite3.Connection, printer: Printer | None = None, *,
                    output_bin: OutputBin | None = None, events: EventSink | None = None) -> PrintStage:
        """A stage with the configured limits and policies (and printer, unless one is given)."""
        return cls(conn, printer or open_printer(cfg.printer, base_dir=cfg.base_dir),
                   StageSettings.from_config(cfg.printer), policies=policies_for(cfg, output_bin),
                   sensor=output_bin, events=events)

    def policy(self, flow: Flow) -> KindPolicy:
        """The rules for jobs of `flow`."""
        return next(p for p in self.policies if p.flow is flow)

    # -- running -------------------------------------------------------------

    def start(self, poll_seconds: float | None = None) -> threading.Thread:
        """Run the stage in its own thread until `stop()` (polling every `poll_seconds`, default the settings')."""
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, args=(poll_seconds or self.settings.poll_seconds,),
                                        name="print-stage", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the thread after the step in progress (everything left resumes from the spool)."""
        self._stop.set()
        self.bell.ring()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        """Step now (from any thread): something the stage follows changed (the paper reached the bin)."""
        self.bell.ring()

    def wake_on_job(self, event: Event) -> None:
        """A job changed (`EventBus.listen("job", ...)`): step now, unless the stage made the change itself."""
        if event.data.get("state") not in _ITS_OWN:
            self.bell.ring()

    def listen(self, events: EventBus, bin_slot: str | None = None) -> Callable[[], None]:
        """Wake on `events`: job changes, and the sensor of the bin at `bin_slot` (the paper is in: printed
        now, presented at once). Returns the way to stop listening."""
        stops = [events.listen("job", self.wake_on_job)]
        if bin_slot is not None:
            stops.append(events.listen("slot", lambda e: self.wake() if e.data.get("slot") == bin_slot else None))

        def stop_listening() -> None:
            for stop in stops:
                stop()
        return stop_listening

    def run(self, poll_seconds: float = 1.0) -> None:
        """Recover, then step until stopped: at once when woken, else every `poll_seconds` (the printer's
        poll, which is also the spool's safety poll); a failing step is logged and tried again later."""
        delay = poll_seconds
        while not self._stop.is_set():
            try:
                self.step()
            except Exception:  # noqa: BLE001 - the stage must outlive any one bad step
                log.exception("print stage step failed; trying again in %.1f s", delay)
                delay = min(delay * 2, 30.0)
                self._stop.wait(delay)  # a failing step waits its back-off, whatever rings meanwhile
                continue
            delay = poll_seconds
            self.bell.wait(poll_seconds)  # `stop()` rings too

    def recover(self) -> Recovery:
        """Find out what became of every open print intent before printing anything."""
        report, complete = recover(self)
        # Until every open intent is resolved, nothing new is fed (the next step asks again).
        self._recovered = complete
        return report

    def step(self) -> StepReport:
        """Read the printer's status, follow the jobs in flight, feed the printer if it can print."""
        if not self._recovered:
            self.recover()
        status = self.watch.read()
        printed = failed = 0
        for flight in self.flights.values():
            flight.seen.update(dict.fromkeys(status.blocking))
        for flight in list(self.flights.values()):
            outcome = self._follow(flight)
            printed += outcome == "printed"
            failed += outcome == "failed"
        fed = 0 if status.blocked or not self._recovered else self._feed()
        return StepReport(status, len(self.flights), fed, printed, failed)

    # -- following jobs at the printer ----------------------------------------

    def _follow(self, flight: Flight) -> str:
        job = get_job(self.conn, flight.job_id)
        if job.state is not JobState.PRINTING or job.printer_job_id != flight.printer_job:
            # Cancelled (or moved) by a person while at the printer: stop the paper.
            self.flights.pop(flight.job_id, None)
            self.cancel_at_printer(flight.printer_job)
            self.ledger.cancelled(flight)
            return "dropped"
        try:
            info = self.printer.job(flight.printer_job)
        except PrinterUnreachable:
            return "waiting"
        if flight.requeued or (flight.started_at is not None and info.phase in (JobPhase.PENDING, JobPhase.HELD)):
            return self._follow_requeued(flight, job)
        if info.started_at is not None and info.started_at != flight.started_at:
            self.ledger.started(flight, info.started_at)  # a new start time: the spooler sent it again
            flight.started_at = info.started_at
        if not info.phase.done:
            return "waiting"
        reason, details = judge(flight, info)
        if reason == LOST:
            # The printer lost its record (it was restarted): the policy may see the paper where it landed.
            seen = self.policy(job.flow).lost_paper(job)
            if seen is None:
                return "waiting"  # the sensor cannot be read yet: ask again
            if seen:
                reason, details = None, {**details, "matched": "output-sensor"}
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
            self.ledger.requeued(flight)
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
            self.ledger.printed(flight, job, details, pages)
            self.flights.pop(job.id, None)
            # The paper is out: the spooler keeps neither the document nor its record.
            self.printer.purge(flight.printer_job)
            return "printed"
        self._fail(job, reason, details, flight.intent)
        return "failed"

    def _sensor_verdict(self, flight: Flight, job: Job) -> str | None:
        now = self.settings.clock()
        if flight.finished_at is None:
            flight.finished_at = now
        try:
            seen = bool(self.sensor.paper_seen(job))  # type: ignore[union-attr]
        except Exception:  # noqa: BLE001 - a broken sensor reads as "not seen"
            log.exception("output sensor failed")
            seen = False
        if seen:
            return None
        return "waiting" if now - flight.finished_at < self.settings.sensor_seconds else "output-not-seen"

    def _fail(self, job: Job, reason: str, details: dict[str, Any], intent: int) -> None:
        """Record a failed attempt: back for a reprint (as the job's policy says), or held after too many."""
        self.flights.pop(job.id, None)
        policy = self.policy(job.flow)
        # A job the printer lost (it restarted, or its record was purged) says nothing against the
        # document: it is reprinted (audited) and counts against its own, wider limit.
        lost = reason == LOST
        failures = failures_in_a_row(self.conn, job.id, lost=lost) + 1
        details = {**details, "failures": failures}
        held = failures >= (LOST_LIMIT if lost else self.settings.max_attempts)
        with write(self.conn):
            intents.finish(self.conn, intent, "lost" if lost else "failed", actor=self.actor, audited=False,
                           detail={"reason": reason, "held": held})
            if lost:
                policy.written_off(self.conn, job, int(details.get("attempt") or 0))
            if held:
                machine.transition(self.conn, job.id, JobState.HELD, actor=self.actor, reason=reason,
                                   details=details)
            else:
                policy.print_again(self.conn, job, reason, details, self.actor)
        if held:
            self.retry.pop(job.id, None)
            log.warning("job %s held after %d failed attempts: %s", job.id, failures, reason)
        elif policy.retries_in_place:
            self.retry[job.id] = None

    def hold(self, job: Job, reason: str, details: dict[str, Any]) -> None:
        """Hold a job for a person, with the reason (no more attempts)."""
        self.ledger.hold(job, reason, details)
        self.retry.pop(job.id, None)

    # -- feeding the printer ---------------------------------------------------

    def _feed(self) -> int:
        """Fill the printer up to `max_in_flight`; jobs held on the way do not take a place."""
        fed = 0
        limit = self.settings.max_in_flight
        while len(self.flights) < limit:
            batch = self._next_jobs(limit - len(self.flights))
            if not batch:
                break
            for job in batch:
                result = self._submit(job)
                if result == "stop":
                    return fed
                fed += result == "sent"
        return fed

    def _next_jobs(self, limit: int) -> list[Job]:
        """Each policy's jobs in turn (the dispenser's first), oldest first."""
        chosen: list[Job] = []
        for policy in self.policies:
            chosen.extend(policy.pick(self, limit - len(chosen)))
        return chosen

    def _submit(self, job: Job) -> str:
        """One attempt: intent, submission, outcome (see the module's docstring)."""
        document = self.document(job, None)
        if document is None:
            return "held"
        attempt = job.print_attempts + 1
        intent = self.ledger.begin(job, attempt)
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
            self.ledger.cancelled_while_submitting(job, intent, printer_job)
            return "skipped"
        self.retry.pop(job.id, None)
        self.flights[job.id] = Flight(job.id, printer_job, attempt, intent.id, document.expected, document.pages)
        return "sent"

    def submitted(self, job: Job, intent: Intent, printer_job: int, extra: dict[str, Any]) -> None:
        """The printer took the attempt: its job id on the intent, and the job `printing`, in one commit."""
        self.ledger.submitted(job, intent, printer_job, extra)

    def _not_sent(self, job: Job, intent: Intent, reason: str, message: str | None) -> None:
        """Close an attempt whose submission did not happen (it is not counted)."""
        if message:
            log.warning("job %s not sent: %s", job.id, message)
        self.ledger.not_sent(job, intent, reason)

    def document(self, job: Job, intent: Intent | None) -> PrintDocument | None:
        """The PDF to print, its pages and options; a bad one holds the job (no attempt spent)."""
        prepared = documents.prepare(job, self.options_for)
        if isinstance(prepared, PrintDocument):
            return prepared
        self.flights.pop(job.id, None)
        self.ledger.unprintable(job, intent, prepared)
        self.retry.pop(job.id, None)
        return None

    def cancel_at_printer(self, printer_job: int) -> None:
        try:
            self.printer.cancel(printer_job)
        except PrinterError as err:
            log.warning("could not cancel printer job %s: %s", printer_job, err)


__all__ = ["PrintStage", "StageSettings", "Flight", "PrintDocument", "Recovery", "StepReport", "EventSink",
           "default_options"]
