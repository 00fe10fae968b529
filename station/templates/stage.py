"""The render stage: `received` documents become signed, sealed PDFs (`rendered`).

Rendering runs in a worker process, so that a batch of documents never
competes with the counter for the daemon's interpreter. The worker keeps the
verified templates and the station key loaded, renders one job at a time
and writes its PDF atomically (temp file, fsync, rename); the daemon then
records `rendered` with the file's SHA-256 and page count. A document whose
template is refused or whose data does not fit is held with a reason word
from `station.templates.reasons` (never text from the document); one job's
failure never holds up the others (per-job back-off).

The stage wakes on the event of a document received (`job` events of this
process: the back-office feed, a correction), not at a poll; a slow safety
poll finds what another process stored (`station spool import`) or a crash
left (ADR 0350).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import multiprocessing
import os
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import spool
from spool import jobs, machine
from spool.errors import SpoolError
from spool.states import JobState

from station.config import Config
from station.errors import StationError
from station.events import Bell, Event
from station.files import write_atomic
from station.runtime.processes import die_with_parent
from station.templates.reasons import pdf_name, reason_word

if TYPE_CHECKING:
    from station.runtime.daemon import Daemon
    from station.runtime.disk import DiskWatch

log = logging.getLogger("station.rendering")

BATCH = 20
WORKER_NICENESS = 10
# Nothing received: the next look is woken by an event; this poll only finds what no event of this
# process announced (another process imported documents, a crash left some).
SAFETY_POLL_S = 5.0
DISK_PAUSE_S = 0.5  # (issue 15) rendering ahead paused for disk space: look again soon
# Per-job back-off after a failure (seconds: first, longest); held after this many failures.
BACKOFF_S = (2.0, 300.0)
MAX_FAILURES = 5


@dataclass(frozen=True)
class Rendered:
    """What the worker made of one job: a PDF on disk, or the reason it could not."""

    job_id: str
    path: str | None = None
    sha256: str | None = None
    pages: int | None = None
    refused: str | None = None
    retry: bool = False  # failed for a reason of the station's (its disk): try again later


# -- the worker process ---------------------------------------------------------

_worker: dict[str, Any] = {}


def _start_worker(config_path: str, daemon_pid: int) -> None:
    """Worker initialiser: the configuration, the live trust store, the station key, the template cache."""
    from station import config as config_module
    from station.templates.cache import TemplateCache
    from station.templates.versions import SpoolLedger
    from station.trust.store import TrustFile, load_private_key

    die_with_parent(daemon_pid)
    # (issue 27) Below the daemon's priority, as the web process is: a backlog of documents rendering
    # never takes a core from the counter when the machine is short of them.
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)
    cfg = config_module.load(config_path)
    conn = spool.connect(cfg.spool_path)
    # The store is read live (one stat per document): a revoked template key renders nothing new.
    trust = TrustFile(cfg.path(cfg.paths.trust_store))  # type: ignore[arg-type]
    _worker.update(cfg=cfg, key=load_private_key(cfg.path(cfg.paths.station_key)),
                   cache=TemplateCache(trust, ledger=SpoolLedger(conn)))


def render_one(job_id: str, payload: str | None) -> Rendered:
    """Render one job in the worker; never raises for a bad document or template.

    A refusal names a word of `RENDER_REASONS`, nothing from the document.
    """
    from station.templates.render import render_document

    cfg: Config = _worker["cfg"]
    try:
        document = json.loads(payload or "")
        if isinstance(document, dict) and document.get("kind") == "pdf":
            # An agency-signed PDF (PROTOCOLS §7.2) is verified and written as sent, never rendered.
            from station.signedpdf.stage import accept

            return Rendered(job_id, **accept(document, cfg, _pdf_path(cfg, job_id)))
        if not isinstance(document, dict) or not isinstance(document.get("data"), dict):
            return Rendered(job_id, refused="document_malformed")
        template = _worker["cache"].find(cfg.path(cfg.paths.templates), document["template"],
                                         int(document["template_version"]))
        result = render_document(template, document["data"], document_id=job_id, station_id=cfg.station.id,
                                 station_key=_worker["key"], now=datetime.now(UTC))
    except StationError as err:
        if getattr(err, "reason", None) == "trust_store_unreadable":
            return Rendered(job_id, retry=True)  # the station's trust store, not the document (an alarm is up)
        return Rendered(job_id, refused=reason_word(getattr(err, "reason", None)))
    except (KeyError, TypeError, ValueError):
        return Rendered(job_id, refused="document_malformed")
    except MemoryError:
        raise
    except OSError:
        return Rendered(job_id, retry=True)  # the station's disk, not the document: try again later
    except Exception:  # noqa: BLE001 - a renderer bug on one document holds that document, no other
        return Rendered(job_id, refused="render_failed")
    path = _pdf_path(cfg, job_id)
    try:
        write_atomic(path, result.pdf, mode=0o600)
    except OSError:
        return Rendered(job_id, retry=True)
    return Rendered(job_id, str(path), result.sha256, result.pages)


def _pdf_path(cfg: Config, job_id: str) -> Path:
    folder = cfg.path(cfg.paths.documents)
    assert folder is not None
    return folder / pdf_name(job_id)


# -- the daemon side ---------------------------------------------------------------


class Backoff:
    """Per-job pauses: a job that failed waits, growing, while the jobs behind it go on."""

    def __init__(self, first_s: float = BACKOFF_S[0], most_s: float = BACKOFF_S[1],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.first_s, self.most_s, self.clock = first_s, most_s, clock
        self._failures: dict[str, int] = {}
        self._until: dict[str, float] = {}

    def failed(self, job_id: str) -> int:
        """Count a failure of `job_id` and pause it; returns how many in a row."""
        count = self._failures.get(job_id, 0) + 1
        self._failures[job_id] = count
        self._until[job_id] = self.clock() + min(self.first_s * 2 ** (count - 1), self.most_s)
        return count

    def succeeded(self, job_id: str) -> None:
        """Forget a job's failures."""
        self._failures.pop(job_id, None)
        self._until.pop(job_id, None)

    def waiting(self, job_id: str) -> bool:
        """Whether `job_id` is still paused."""
        return self._until.get(job_id, 0.0) > self.clock()

    def next_due(self) -> float | None:
        """Seconds until the next paused job may go again (None: none is paused now)."""
        now = self.clock()
        later = [until - now for until in self._until.values() if until > now]
        return min(later) if later else None

    def __len__(self) -> int:
        return len(self._until)


class RenderStage:
    """Feeds `received` jobs to the render worker and records what comes back.

    One job's failure never holds up the others: a document the worker
    refuses is held with a reason word; a job whose result cannot be
    recorded, or whose rendering crashed the worker, is paused with a growing
    back-off while the jobs behind it go on, and held as `render_failed`
    after `MAX_FAILURES` tries.
    """

    name = "render"

    def __init__(self, config_path: Path, disk: DiskWatch | None = None) -> None:
        self.config_path = config_path
        self.disk = disk  # (issue 15) low space pauses rendering ahead
        self.pool: ProcessPoolExecutor | None = None
        self.backoff = Backoff()
        self.bell = Bell()
        self._unlisten: Callable[[], None] = lambda: None

    async def start(self, daemon: Daemon) -> None:
        self.daemon = daemon
        self.conn = spool.connect(daemon.cfg.spool_path)
        self._new_pool()
        self._unlisten = daemon.events.listen("job", self.wake_on_job)
        daemon.loop("render", self.step, bell=self.bell)

    def wake_on_job(self, event: Event) -> None:
        """A document was received (or corrected back to `received`): render it now."""
        if event.data.get("state") == JobState.RECEIVED.value:
            self.bell.ring()

    def _new_pool(self) -> None:
        # spawn: a clean worker, never a fork of a daemon that holds serial ports and threads;
        # its parent is the daemon itself, so it can die with it (see _start_worker).
        context = multiprocessing.get_context("spawn")
        self.pool = ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_start_worker,
                                        initargs=(str(self.config_path), os.getpid()))

    async def stop(self) -> None:
        self._unlisten()
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        self.conn.close()

    async def step(self) -> float:
        """Render up to a batch of received jobs; returns how long to wait before looking again."""
        disk = self.disk
        if disk is not None and disk.render_paused:
            return DISK_PAUSE_S  # (issue 15) disk space low: rendering ahead waits (station.runtime.disk)
        # Paused jobs stay `received`: ask for enough to fill a batch past them.
        waiting = await asyncio.to_thread(jobs.jobs_in, self.conn, JobState.RECEIVED, BATCH + len(self.backoff))
        ready = [job for job in waiting if not self.backoff.waiting(job.id)][:BATCH]
        if not ready:
            due = self.backoff.next_due()
            return SAFETY_POLL_S if due is None else min(SAFETY_POLL_S, due)
        loop = asyncio.get_running_loop()
        for job in ready:
            if self.daemon.stopping.is_set():
                break
            assert self.pool is not None
            try:
                done = await loop.run_in_executor(self.pool, render_one, job.id, job.payload)
            except BrokenProcessPool:
                log.error("render worker died on job %s; starting a new one", job.id)
                self._new_pool()
                await asyncio.to_thread(self._failed, job.id, "worker_died")
                return 1.0
            await asyncio.to_thread(self._take, done, job.payload)
        return 0.0

    def _take(self, done: Rendered, payload: str | None) -> None:
        if not self.replaced(done, payload):
            self._record(done)

    def replaced(self, done: Rendered, payload: str | None) -> bool:
        """True (and its PDF removed) when the job was corrected or withdrawn while it rendered (PROTOCOLS §7.1)."""
        now = jobs.get_job(self.conn, done.job_id)
        if now.state is JobState.RECEIVED and now.payload == payload:
            return False
        if done.path:
            Path(done.path).unlink(missing_ok=True)
        self.backoff.succeeded(done.job_id)  # the failures of the old form do not count
        return True

    def _record(self, done: Rendered) -> None:
        if done.retry:
            self._failed(done.job_id, "io_error")
            return
        try:
            if done.refused:
                self._hold(done.job_id, reason_word(done.refused))
                return
            machine.transition(self.conn, done.job_id, JobState.RENDERED, actor="system",
                               pdf_path=done.path, pdf_sha256=done.sha256, pages=done.pages,
                               details={"sha256": done.sha256, "pages": done.pages})
        except (sqlite3.Error, SpoolError, StationError) as err:
            self._failed(done.job_id, type(err).__name__)
            return
        self.backoff.succeeded(done.job_id)

    def _hold(self, job_id: str, reason: str) -> None:
        machine.transition(self.conn, job_id, JobState.HELD, actor="system", reason=reason)
        self.backoff.succeeded(job_id)
        log.warning("job %s held: %s", job_id, reason)

    def _failed(self, job_id: str, what: str) -> None:
        """Pause a job that failed (its class of failure is logged, never its message)."""
        count = self.backoff.failed(job_id)
        log.error("render: job %s failed (%s), attempt %d; the others go on", job_id, what, count)
        if count >= MAX_FAILURES:
            try:
                self._hold(job_id, "render_failed")
            except (sqlite3.Error, SpoolError, StationError) as err:
                log.error("render: job %s cannot be held (%s); paused", job_id, type(err).__name__)
