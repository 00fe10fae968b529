"""An in-process printer behind the `Printer` interface: for unit tests and the zero-install demo.

It prints at a rated speed (pages per minute, times a time scale so that
benchmarks run fast), one job at a time from its own queue, in its own
thread, and can be made to fail the way printers do:

- `jam(jobs=1)`: the next jobs jam at their first page; the printer then
  reports `media-jam` until `clear_jam()` (a person opened it).
- `paper_out()` / `refill()`, `open_door()` / `close_door()`: the job in
  progress waits (`media-needed`) and goes on once the condition clears.
- `power_off()` / `power_on()`: the printer reports `offline`; jobs wait.
- `short_pages(jobs=1)`: the next jobs report one page fewer than they have.
- `restart_spooler()`: jobs in progress go back to the queue and print
  again from the start, as CUPS does after a restart.
- `forget(job_id)`: the printer loses its record of a job (history purged).

From another process, the same faults go through the printer's panel file
(`simulators/printer_panel.py`; `$MPP_SIM_PRINTER_PANEL` names it).

What came out is in `output` (title, pages, SHA-256 of the bytes
received) and `page_times` (when each page came out), for tests and the
duty-cycle benchmark; with `output_log`, each document that came out is
also appended to that file as one JSON line, written through to the disk
(the paper tray of a simulated station, which outlives the daemon).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from drivers.printer.device import JobPhase, PrinterJob
from drivers.printer.document import pdf_pages
from drivers.printer.errors import BadDocument
from drivers.printer.options import check_options, copies_of
from drivers.printer.settings import PrinterSettings
from drivers.printer.status import (IDLE, PROCESSING, PrinterStatus, check_can_feed, device_state,
                                    parse_reasons)

from .printer_panel import PanelWatch

# Conditions that make a job in progress wait, as a printer does.
_WAITING = ("media-empty", "door-open", "offline")
# The panel's settings and the condition each one sets (the jam is a state of its own).
_PANEL_CONDITIONS = {"paper": "media-empty", "door": "door-open", "power": "offline"}


@dataclass
class _Job:
    id: int
    title: str
    pages: int
    sha256: str
    phase: JobPhase = JobPhase.PENDING
    printed: int = 0
    reasons: list[str] = field(default_factory=list)
    started_at: float | None = None
    short: bool = False
    cancel: bool = False
    queued_at: float = 0.0


@dataclass(frozen=True)
class Output:
    """One document that came out of the simulated printer."""

    title: str
    pages: int
    sha256: str


class SimPrinter:
    """A simulated printer with a rated speed, a time scale and faults (thread-safe)."""

    def __init__(self, name: str = "sim", *, pages_per_minute: float = 30.0, time_scale: float = 1.0,
                 clock: Callable[[], float] = time.monotonic, output_log: Path | None = None,
                 panel: PanelWatch | None = None) -> None:
        if pages_per_minute <= 0 or time_scale <= 0:
            raise ValueError("pages_per_minute and time_scale must be positive")
        self.name = name
        self.pages_per_minute = pages_per_minute
        self.time_scale = time_scale
        self.clock = clock
        self.output: list[Output] = []
        self.output_log = output_log
        self.page_times: list[float] = []
        self._cond = threading.Condition()
        self._jobs: dict[int, _Job] = {}
        self._queue: deque[int] = deque()
        self._ids = itertools.count(1)
        self._conditions: set[str] = set()
        self._jammed = False
        self._jam_next = 0
        self._short_next = 0
        self._current: _Job | None = None
        self._resumed_at = 0.0  # when the printer last came out of a stop (jam, paper, door, power)
        self._closed = False
        self.panel = panel if panel is not None else PanelWatch.from_environment()
        self._thread = threading.Thread(target=self._work, name=f"sim-printer-{name}", daemon=True)
        self._thread.start()

    @property
    def page_seconds(self) -> float:
        """Wall-clock seconds one page takes (rated speed times the time scale)."""
        return 60.0 / self.pages_per_minute * self.time_scale

    # -- the Printer interface -----------------------------------------------

    def status(self) -> PrinterStatus:
        """What the simulated printer reports now."""
        with self._cond:
            self._look_at_panel()
            return self._status()

    def _status(self) -> PrinterStatus:
        if "offline" in self._conditions:
            return PrinterStatus(device_state(None, ["offline"]), ("offline",), "powered off", "simulator")
        raw = sorted(self._conditions)
        if self._jammed:
            raw.append("media-jam")
        if self._current is not None and "media-empty" in self._conditions:
            raw.append("media-needed")
        printer_state = PROCESSING if self._current is not None else IDLE
        reasons = parse_reasons(raw)
        message = "Printing." if printer_state == PROCESSING else "Idle."
        return PrinterStatus(device_state(printer_state, raw), reasons, message, "simulator")

    def submit(self, pdf: Path, title: str, options: Mapping[str, str]) -> int:
        """Queue a PDF; refuses (sends nothing) while a blocking reason holds."""
        copies = copies_of(check_options(options))
        pdf = Path(pdf)
        pages = pdf_pages(pdf)
        try:
            data = pdf.read_bytes()
        except OSError as err:
            raise BadDocument(f"cannot read document {pdf}: {err.strerror}") from None
        with self._cond:
            check_can_feed(self._status(), self.name)
            job = _Job(next(self._ids), title, pages * copies, hashlib.sha256(data).hexdigest(),
                       queued_at=self.clock())
            self._jobs[job.id] = job
            self._queue.append(job.id)
            self._cond.notify_all()
            return job.id

    def job(self, job_id: int) -> PrinterJob:
        """The printer's own record of a job (`gone` once forgotten)."""
        with self._cond:
            job = self._jobs.get(job_id)
            if job is None:
                return PrinterJob(job_id, JobPhase.GONE, message="no record of this job")
            return PrinterJob(job.id, job.phase, job.title, job.printed,
                              tuple(parse_reasons(job.reasons)), job.started_at, checked_at_printer=True)

    def jobs_titled(self, title: str) -> list[PrinterJob]:
        """Every job the printer remembers with this title, oldest first."""
        with self._cond:
            ids = sorted(j.id for j in self._jobs.values() if j.title == title)
        return [self.job(i) for i in ids]

    def record_at_printer(self, title: str) -> PrinterJob | None:
        """The newest job with this title (the simulator is printer and spooler at once)."""
        found = self.jobs_titled(title)
        return found[-1] if found else None

    def purge(self, job_id: int) -> None:
        """Forget a finished job (as CUPS does when asked to purge it)."""
        with self._cond:
            job = self._jobs.get(job_id)
            if job is not None and job.phase.done:
                del self._jobs[job_id]

    def cancel(self, job_id: int) -> None:
        """Cancel a job that has not finished."""
        with self._cond:
            job = self._jobs.get(job_id)
            if job is None or job.phase.done:
                return
            if job.id in self._queue:
                self._queue.remove(job.id)
                job.phase = JobPhase.CANCELED
            else:  # the page in progress is abandoned at once
                job.cancel = True
                job.phase = JobPhase.CANCELED
            self._cond.notify_all()

    def close(self) -> None:
        """Stop the printing thread."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(5)

    # -- faults --------------------------------------------------------------

    def jam(self, jobs: int = 1) -> None:
        """The next `jobs` jobs jam at their first page."""
        self._change(lambda: setattr(self, "_jam_next", self._jam_next + jobs))

    def clear_jam(self) -> None:
        """A person cleared the paper path."""
        self._change(lambda: setattr(self, "_jammed", False))

    def short_pages(self, jobs: int = 1) -> None:
        """The next `jobs` jobs report one page fewer than they have."""
        self._change(lambda: setattr(self, "_short_next", self._short_next + jobs))

    def paper_out(self) -> None:
        """The tray is empty."""
        self._change(lambda: self._conditions.add("media-empty"))

    def refill(self) -> None:
        """Paper is loaded."""
        self._change(lambda: self._conditions.discard("media-empty"))

    def open_door(self) -> None:
        """A door is open."""
        self._change(lambda: self._conditions.add("door-open"))

    def close_door(self) -> None:
        """The door is closed."""
        self._change(lambda: self._conditions.discard("door-open"))

    def power_off(self) -> None:
        """The printer is off (unplugged, or its network went away)."""
        self._change(lambda: self._conditions.add("offline"))

    def power_on(self) -> None:
        """The printer is back."""
        self._change(lambda: self._conditions.discard("offline"))

    def forget(self, job_id: int) -> None:
        """Lose the record of a job, as a spooler whose history was purged."""
        self._change(lambda: self._jobs.pop(job_id, None))

    def restart_spooler(self) -> None:
        """The job in progress goes back to the queue and will print again from the start."""
        def restart() -> None:
            job = self._current
            if job is not None:
                job.cancel = True  # the worker drops it; it is queued again below
                self._queue.appendleft(job.id)
        self._change(restart)

    def _look_at_panel(self) -> None:
        """Apply what a person changed on the panel file (called with the lock held)."""
        if self.panel is None:
            return
        for key, fault in self.panel.changes().items():
            if key == "jam":
                self._jammed = fault
            elif fault:
                self._conditions.add(_PANEL_CONDITIONS[key])
            else:
                self._conditions.discard(_PANEL_CONDITIONS[key])
            self._cond.notify_all()

    def _change(self, action: Callable[[], object]) -> None:
        with self._cond:
            action()
            self._cond.notify_all()

    # -- the printing thread -------------------------------------------------

    def _work(self) -> None:
        with self._cond:
            while not self._closed:
                self._look_at_panel()
                if not self._queue or self._blocked_now():
                    blocked = self._blocked_now()
                    self._cond.wait(0.5)
                    if blocked:
                        self._resumed_at = self.clock()
                    continue
                job = self._jobs.get(self._queue.popleft())
                if job is None or job.phase.done:
                    continue
                self._print(job)

    def _blocked_now(self) -> bool:
        return self._jammed or any(c in self._conditions for c in _WAITING)

    def _print(self, job: _Job) -> None:
        """Print one job, page by page (called with the lock held; waits release it)."""
        self._current = job
        job.phase, job.printed, job.cancel, job.reasons = JobPhase.PROCESSING, 0, False, []
        job.started_at = time.time() if job.started_at is None else max(time.time(), job.started_at + 1)
        if self._short_next > 0:
            self._short_next -= 1
            job.short = True
        try:
            for page in range(job.pages):
                if self._jam_next > 0 and page == 0:
                    self._jam_next -= 1
                    self._jammed = True
                    job.phase, job.reasons = JobPhase.ABORTED, ["media-jam", "aborted-by-system"]
                    return
                if not self._page(job):
                    return
                if not (job.short and page == job.pages - 1):
                    job.printed += 1
            self._came_out(Output(job.title, job.printed, job.sha256))
            job.phase = JobPhase.COMPLETED
        finally:
            self._current = None
            self._cond.notify_all()

    def _came_out(self, paper: Output) -> None:
        self.output.append(paper)
        if self.output_log is not None:
            line = json.dumps({"title": paper.title, "pages": paper.pages, "sha256": paper.sha256,
                               "at": time.time()}) + "\n"
            with open(self.output_log, "a", encoding="utf-8") as tray:
                tray.write(line)
                tray.flush()
                os.fsync(tray.fileno())

    def _page(self, job: _Job) -> bool:
        """One page: waits while paper, door or power say so; False when the job was cancelled.

        Pages printed back to back follow one another on the paper path's own
        clock (the end of the last page), so a late thread wake-up does not
        slow the simulated printer down; a page begun after an idle spell
        starts now.
        """
        end: float | None = None
        waited = False
        while True:
            if job.cancel or self._closed:
                if job.phase is JobPhase.PROCESSING and job.id not in self._queue:
                    job.phase = JobPhase.CANCELED
                elif job.id in self._queue:
                    job.phase = JobPhase.PENDING
                return False
            if any(c in self._conditions for c in _WAITING):
                job.reasons = ["media-needed"] if "media-empty" in self._conditions else list(self._conditions)
                self._cond.wait(0.5)
                waited = True
                continue
            job.reasons = []
            now = self.clock()
            if end is None:
                if waited or not self.page_times:
                    start = now
                else:  # back to back with the last page, unless the job came (or the printer woke) later
                    start = min(now, max(self.page_times[-1], job.queued_at, self._resumed_at))
                end = start + self.page_seconds
            if now >= end:
                self.page_times.append(end)
                return True
            self._cond.wait(end - now)


def open_sim_printer(settings: PrinterSettings, base_dir: Path) -> SimPrinter:
    """`driver = "sim"`: the zero-install printer, filled into the printer registry by the lab's entry point.

    The simulator stands in for the hardware behind the same interface; `sim_output` (its paper
    tray, relative to `base_dir`) outlives the daemon.
    """
    output = Path(settings.sim_output) if settings.sim_output else None
    if output is not None and not output.is_absolute():
        output = base_dir / output
    return SimPrinter("sim", pages_per_minute=settings.pages_per_minute, output_log=output)
