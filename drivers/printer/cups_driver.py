"""The CUPS driver: a CUPS queue through pycups, the printer behind it watched over IPP.

- Submits with the station's job id as the title and the template's
  options as strings; `raw` (the default) makes CUPS pass the PDF on
  untouched, so the printer receives exactly the rendered bytes.
- Status: CUPS learns a network printer's state only while a job runs, so
  the printer's own URI (configured, or the queue's `ipp://` device URI)
  is asked directly; the queue adds what only CUPS knows (stopped,
  rejecting jobs).
- One `cups.Connection` per thread, made with an explicit host: libcups
  keeps `cupsSetServer` per thread, so `cups.setServer` in one thread
  would not reach the others.
- Memory: pycups 2.0.4 leaks every `getPrinterAttributes` answer (pycups
  issue 44, measured here at about 0.55 KiB a call). The queue is read
  with `getPrinters()` and the printer with the station's own IPP client
  (`ipp.py`), neither of which grows (see bench/print.py --memory).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from . import status as st
from .device import IPP_JOB_PHASES, JobPhase, PrinterJob
from .errors import BadDocument, PrinterError, PrinterUnreachable, PrintRefused
from .ipp_client import IppClient
from .options import check_options

log = logging.getLogger("station.printer")

try:
    import cups
except ImportError:  # pragma: no cover - pycups is a dependency; a broken install says so
    cups = None

T = TypeVar("T")

JOB_ATTRIBUTES = ["job-id", "job-name", "job-state", "job-state-reasons", "job-state-message",
                  "job-printer-state-reasons", "job-printer-state-message", "job-impressions-completed",
                  "time-at-processing"]
PRINTER_JOB_ATTRIBUTES = ["job-id", "job-name", "job-state", "job-state-reasons", "job-impressions-completed"]


def parse_server(server: str) -> tuple[str | None, int | None]:
    """`""` (libcups default), `/path/to/cups.sock`, `host` or `host:port`."""
    server = server.strip()
    if not server:
        return None, None
    if server.startswith("/"):
        return server, None
    host, sep, port = server.partition(":")
    if not sep:
        return host, 631
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise PrintRefused(f"CUPS server {server!r}: expected HOST, HOST:PORT or /path/to/socket")
    return host, int(port)


class CupsPrinter:
    """A printer reached through a CUPS queue (blocking calls; one connection per thread)."""

    def __init__(self, queue: str, *, server: str = "", printer_uri: str = "", raw: bool = True,
                 timeout: float = 5.0) -> None:
        if cups is None:  # pragma: no cover
            raise PrinterError("pycups is not installed (pip install pycups; needs libcups2-dev)")
        if not queue:
            raise PrintRefused("no CUPS queue configured ([printer] queue)")
        self.name = queue
        self.server = server
        self._host, self._port = parse_server(server)
        self.printer_uri = printer_uri
        self.raw = raw
        self.timeout = timeout
        self._local = threading.local()

    # -- connections ---------------------------------------------------------

    def _cups(self) -> Any:
        conn = getattr(self._local, "cups", None)
        if conn is None:
            try:
                if self._host is None:
                    conn = cups.Connection()
                elif self._port is None:
                    conn = cups.Connection(host=self._host)
                else:
                    conn = cups.Connection(host=self._host, port=self._port)
            except RuntimeError:
                raise PrinterUnreachable(f"CUPS scheduler {self._where()} does not answer") from None
            self._local.cups = conn
        return conn

    def _where(self) -> str:
        return self.server or "(default)"

    def _call(self, what: str, action: Callable[[Any], T]) -> T:
        """Run one pycups call; spooler trouble becomes a typed error and a fresh connection."""
        conn = self._cups()
        try:
            return action(conn)
        except cups.IPPError as err:
            code, message = (err.args + (None, ""))[:2]
            if code in (cups.IPP_SERVICE_UNAVAILABLE, cups.IPP_INTERNAL_ERROR, None):
                self._local.cups = None
                raise PrinterUnreachable(f"CUPS scheduler {self._where()} does not answer ({what}: {message})") from None
            raise _Refused(code, f"CUPS refused {what}: {message}") from None
        except (cups.HTTPError, RuntimeError) as err:
            self._local.cups = None
            raise PrinterUnreachable(f"CUPS scheduler {self._where()} does not answer ({what}: {err})") from None

    def _ipp(self, uri: str) -> IppClient:
        clients: dict[str, IppClient] = self._local.__dict__.setdefault("ipp", {})
        if uri not in clients:
            clients[uri] = IppClient(uri, timeout=self.timeout)
        return clients[uri]

    # -- status --------------------------------------------------------------

    def status(self) -> st.PrinterStatus:
        """The queue's and the printer's status, merged; `offline` when either is away."""
        try:
            queue = self._call("reading the queues", lambda c: c.getPrinters()).get(self.name)
        except PrinterError as err:
            return st.unreachable(st.SCHEDULER_UNREACHABLE, str(err), source="scheduler")
        if queue is None:
            raise PrintRefused(f"CUPS has no queue {self.name!r} (lpstat -p lists the queues)")
        queue_state = queue.get("printer-state")
        queue_accepting = bool(queue.get("printer-is-accepting-jobs", True))
        queue_paused = ["paused"] if queue_state == st.STOPPED else []
        uri = self.printer_uri or _ipp_device_uri(queue.get("device-uri", ""))
        if not uri:
            return st.status_from_ipp(queue_state, list(queue.get("printer-state-reasons", [])) + queue_paused,
                                      queue.get("printer-state-message", ""), accepting=queue_accepting,
                                      source="scheduler")
        try:
            answer = self._ipp(uri).printer_attributes()
        except PrinterError as err:
            return st.PrinterStatus(st.DeviceState.OFFLINE, ("offline", *st.parse_reasons(queue_paused)),
                                    str(err), "printer")
        printer_state = answer.first("printer-state")
        if queue_state == st.STOPPED:
            printer_state = st.STOPPED
        elif queue_state == st.PROCESSING:
            printer_state = st.PROCESSING
        return st.status_from_ipp(printer_state, answer.values("printer-state-reasons") + queue_paused,
                                  answer.first("printer-state-message", "") or "",
                                  accepting=queue_accepting and answer.first("printer-is-accepting-jobs", True)
                                  is not False, source="printer")

    # -- jobs ----------------------------------------------------------------

    def submit(self, pdf: Path, title: str, options: Mapping[str, str]) -> int:
        """Queue the PDF (raw: byte for byte) titled `title`; returns the CUPS job id."""
        pdf = Path(pdf)
        if not pdf.is_file():
            raise BadDocument(f"document {pdf} is missing")
        job_options = check_options(options)
        if self.raw:
            job_options["raw"] = "true"
        st.check_can_feed(self.status(), self.name)
        try:
            return int(self._call("the job", lambda c: c.printFile(self.name, str(pdf), title, job_options)))
        except _Refused as err:
            raise PrintRefused(str(err)) from None

    def job(self, job_id: int) -> PrinterJob:
        """What CUPS says about one of its jobs (`gone` when it has no record)."""
        try:
            attrs = self._call("job attributes",
                               lambda c: c.getJobAttributes(job_id, requested_attributes=JOB_ATTRIBUTES))
        except _Refused as err:
            if err.code == cups.IPP_NOT_FOUND:
                return PrinterJob(job_id, JobPhase.GONE, message="CUPS has no record of this job")
            raise PrintRefused(str(err)) from None
        found = job_from_attributes(job_id, attrs)
        if found.phase is JobPhase.COMPLETED and found.title:
            return self._checked_at_printer(found, attrs)
        return found

    def _checked_at_printer(self, found: PrinterJob, attrs: Mapping[str, Any]) -> PrinterJob:
        """CUPS says `completed` once it sent the data; the printer's own record says what came out.

        No record (purged, printer restarted, no job history): CUPS's view stands.
        """
        record = self.record_at_printer(found.title or "")
        if record is None:
            return found
        # Still going at the printer (a queue that does not wait for the job): not done yet.
        return replace(found, phase=record.phase if record.phase.done else JobPhase.PROCESSING,
                       pages=record.pages if record.pages is not None else found.pages,
                       reasons=st.parse_reasons(list(found.reasons) + list(record.reasons)),
                       checked_at_printer=True)

    def record_at_printer(self, title: str) -> PrinterJob | None:
        """The printer's own newest record of a job with this title (None: it has none, or cannot say).

        The newest is the attempt being followed: the station never has two
        attempts of one document at the printer at once.
        """
        uri = self.printer_uri or _ipp_device_uri(self._device_uri())
        if not uri or not title:
            return None
        client = self._ipp(uri)
        try:
            records = [g for which in ("not-completed", "completed")
                       for g in client.jobs(PRINTER_JOB_ATTRIBUTES, which=which)
                       if g.first("job-name") == title and isinstance(g.first("job-id"), int)]
        except PrinterError:
            return None
        if not records:
            return None
        record = max(records, key=lambda g: g.first("job-id"))
        pages = record.first("job-impressions-completed")
        return PrinterJob(id=record.first("job-id"), title=title,
                          phase=IPP_JOB_PHASES.get(record.first("job-state"), JobPhase.UNKNOWN),
                          pages=pages if isinstance(pages, int) and not isinstance(pages, bool) else None,
                          reasons=st.parse_reasons(record.values("job-state-reasons")), checked_at_printer=True)

    def _device_uri(self) -> str:
        try:
            queue = self._call("reading the queues", lambda c: c.getPrinters()).get(self.name) or {}
        except PrinterError:
            return ""
        return str(queue.get("device-uri", ""))

    def jobs_titled(self, title: str) -> list[PrinterJob]:
        """Every job CUPS still holds (any state) with this title, oldest first."""
        try:
            found = self._call("the job list", lambda c: c.getJobs(
                which_jobs="all", my_jobs=False, requested_attributes=JOB_ATTRIBUTES))
        except _Refused as err:
            raise PrintRefused(str(err)) from None
        jobs = [job_from_attributes(job_id, attrs) for job_id, attrs in found.items()
                if attrs.get("job-name") == title]
        return sorted(jobs, key=lambda j: j.id)

    def cancel(self, job_id: int) -> None:
        """Cancel a job; one that already finished or is unknown is left alone."""
        try:
            self._call("cancelling a job", lambda c: c.cancelJob(job_id))
        except _Refused as err:
            if err.code not in (cups.IPP_NOT_FOUND, cups.IPP_NOT_POSSIBLE):
                raise PrintRefused(str(err)) from None

    def purge(self, job_id: int) -> None:
        """Remove a finished job's file and history from CUPS (best effort: a failure is logged)."""
        try:
            self._call("purging a job", lambda c: c.cancelJob(job_id, purge_job=True))
        except PrinterError as err:
            log.warning("could not purge CUPS job %s: %s", job_id, err)

    def close(self) -> None:
        """Drop this thread's connections."""
        self._local.cups = None
        for client in self._local.__dict__.pop("ipp", {}).values():
            client.close()


class _Refused(PrinterError):
    """CUPS answered with an IPP error status (kept internal: callers see `PrintRefused`)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def _ipp_device_uri(device_uri: str) -> str:
    """The queue's device URI when it is one the IPP client can ask (ipp/ipps, no options)."""
    if device_uri.startswith(("ipp://", "ipps://")):
        return device_uri.split("?", 1)[0]
    return ""


def job_from_attributes(job_id: int, attrs: Mapping[str, Any]) -> PrinterJob:
    """A `PrinterJob` from the job attributes CUPS returns."""
    state = attrs.get("job-state")
    phase = IPP_JOB_PHASES.get(state, JobPhase.PENDING) if isinstance(state, int) else JobPhase.PENDING
    reasons = st.parse_reasons(_as_list(attrs.get("job-state-reasons"))
                               + _as_list(attrs.get("job-printer-state-reasons")))
    pages = attrs.get("job-impressions-completed")
    started = attrs.get("time-at-processing")
    message = attrs.get("job-printer-state-message") or attrs.get("job-state-message") or ""
    return PrinterJob(id=int(job_id), phase=phase, title=attrs.get("job-name"),
                      pages=pages if isinstance(pages, int) and not isinstance(pages, bool) else None,
                      reasons=reasons,
                      started_at=float(started) if isinstance(started, int) and started > 0 else None,
                      message=str(message))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]
