"""The render stage: `received` documents become signed, sealed PDFs (`rendered`).

Rendering runs in a worker process, so that a batch of documents never
competes with the counter for the daemon's interpreter. The worker keeps the
verified templates and the station key loaded, renders one job at a time
and writes its PDF atomically (temp file, fsync, rename); the daemon then
records `rendered` with the file's SHA-256 and page count. A document whose
template is refused or whose data does not fit is held with the reason.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import spool
from spool import jobs, machine
from spool.states import JobState

from .config import Config
from .errors import StationError
from .files import write_atomic
from .processes import die_with_parent

if TYPE_CHECKING:
    from .daemon import Daemon

log = logging.getLogger("station.rendering")

BATCH = 20
IDLE_S = 0.5


@dataclass(frozen=True)
class Rendered:
    """What the worker made of one job: a PDF on disk, or the reason it could not."""

    job_id: str
    path: str | None = None
    sha256: str | None = None
    pages: int | None = None
    refused: str | None = None


# -- the worker process ---------------------------------------------------------

_worker: dict[str, Any] = {}


def _start_worker(config_path: str) -> None:
    """Worker initialiser: load the configuration, trust store, station key and template cache once."""
    from . import config as config_module
    from .templates.cache import TemplateCache
    from .templates.versions import SpoolLedger
    from .trust import TrustStore, load_private_key

    die_with_parent()
    cfg = config_module.load(config_path)
    conn = spool.connect(cfg.spool_path)
    _worker.update(cfg=cfg, key=load_private_key(cfg.path(cfg.paths.station_key)),
                   cache=TemplateCache(TrustStore.load(cfg.path(cfg.paths.trust_store)), ledger=SpoolLedger(conn)))


def render_one(job_id: str, payload: str | None) -> Rendered:
    """Render one job in the worker; never raises for a bad document or template."""
    from .templates.render import render_document

    cfg: Config = _worker["cfg"]
    try:
        document = json.loads(payload or "")
        if not isinstance(document, dict) or not isinstance(document.get("data"), dict):
            return Rendered(job_id, refused="document_malformed")
        template = _worker["cache"].find(cfg.path(cfg.paths.templates), document["template"],
                                         int(document["template_version"]))
        result = render_document(template, document["data"], document_id=job_id, station_id=cfg.station.id,
                                 station_key=_worker["key"], now=datetime.now(UTC))
    except StationError as err:
        field = getattr(err, "field", None)
        reason = getattr(err, "reason", None) or "render_refused"
        return Rendered(job_id, refused=f"{reason}:{field}" if field else str(reason))
    except (KeyError, TypeError, ValueError) as err:
        return Rendered(job_id, refused=f"document_malformed:{type(err).__name__}")
    folder = cfg.path(cfg.paths.documents)
    assert folder is not None
    path = folder / f"{_safe_name(job_id)}.pdf"
    write_atomic(path, result.pdf, mode=0o600)
    return Rendered(job_id, str(path), result.sha256, result.pages)


def _safe_name(job_id: str) -> str:
    """A file name for a job id (ids come from the back office: keep only safe characters)."""
    kept = "".join(c if c.isalnum() or c in "-_." else "_" for c in job_id)
    return kept.lstrip(".") or "job"


# -- the daemon side ---------------------------------------------------------------


class RenderStage:
    """Feeds `received` jobs to the render worker and records what comes back."""

    name = "render"

    def __init__(self, config_path: Path) -> None:
        self.config_path = config_path
        self.pool: ProcessPoolExecutor | None = None

    async def start(self, daemon: Daemon) -> None:
        self.daemon = daemon
        self.conn = spool.connect(daemon.cfg.spool_path)
        self._new_pool()
        daemon.loop("render", self.step)

    def _new_pool(self) -> None:
        # spawn: a clean worker, never a fork of a daemon that holds serial ports and threads;
        # its parent is the daemon itself, so it can die with it (see _start_worker).
        context = multiprocessing.get_context("spawn")
        self.pool = ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_start_worker,
                                        initargs=(str(self.config_path),))

    async def stop(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        self.conn.close()

    async def step(self) -> float:
        """Render up to a batch of received jobs; returns how long to wait before looking again."""
        disk = getattr(self.daemon, "disk", None)
        if disk is not None and disk.render_paused:
            return IDLE_S  # disk space low: rendering ahead waits (station.disk)
        waiting = await asyncio.to_thread(jobs.jobs_in, self.conn, JobState.RECEIVED, BATCH)
        if not waiting:
            return IDLE_S
        loop = asyncio.get_running_loop()
        for job in waiting:
            if self.daemon.stopping.is_set():
                break
            assert self.pool is not None
            try:
                done = await loop.run_in_executor(self.pool, render_one, job.id, job.payload)
            except BrokenProcessPool:
                log.error("render worker died; starting a new one")
                self._new_pool()
                return 1.0
            await asyncio.to_thread(self._record, done, job.payload)
        return 0.0

    def _record(self, done: Rendered, payload: str | None) -> None:
        now = jobs.get_job(self.conn, done.job_id)
        if now.state is not JobState.RECEIVED or now.payload != payload:
            # Corrected or withdrawn while it rendered (PROTOCOLS §7.1): this PDF is of no use.
            if done.path:
                Path(done.path).unlink(missing_ok=True)
            return
        if done.refused:
            machine.transition(self.conn, done.job_id, JobState.HELD, actor="system", reason=done.refused)
            return
        machine.transition(self.conn, done.job_id, JobState.RENDERED, actor="system",
                           pdf_path=done.path, pdf_sha256=done.sha256, pages=done.pages,
                           details={"sha256": done.sha256, "pages": done.pages})

