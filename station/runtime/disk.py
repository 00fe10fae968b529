"""Disk space, watched: the station folder (spool, documents) and the CUPS spool.

Each volume is read every `[disk] check_seconds` (`os.statvfs`: space the
station's user may use). Its level is `ok`, `warning` or `critical` by the
configured thresholds, with a 10 % margin before a level is left (no
flapping). What follows from the levels:

- alarms `disk.low` (warning or worse) and `disk.full` (critical), which
  clear themselves when space returns;
- while the station volume is critical: `/readyz` is false with the reason,
  the kiosk shows "out of service" and takes no scans, the feed takes no
  documents;
- rendering ahead pauses below `render_stop_free_mb` and resumes above
  `render_resume_free_mb` (an info alarm says so meanwhile).

(issue 22) A station folder that cannot be written at all (read-only file
system, I/O errors) is the same outage: `disk_writes.py` hears every spool
write the disk refuses and probes with a write of its own each round; a
critical `disk.unwritable` alarm, `/readyz` false with the reason, the
kiosk out of service, until writes succeed again.

An alarm cannot be written to a spool whose disk is full. The watcher keeps
the condition in memory (health, metrics and the kiosk read it from here,
never from the disk) and queues the alarm writes in order; they are written
as soon as the spool takes them again (space freed), so the audit records
the episode with the time it was detected. The daemon's health answers do
not touch the disk.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import spool
from spool import alarms
from spool.audit import now_text
from spool.db import on_storage_error
from spool.errors import SpoolError

from station.config import Config, DiskSection
from station.runtime import ops
from station.runtime.disk_writes import WriteWatch
from station.runtime.parts import DiskState

if TYPE_CHECKING:
    from station.runtime.daemon import Daemon

log = logging.getLogger("station.disk")

MB = 1024 * 1024
# A level is left only once free space is this much above its threshold.
MARGIN = 0.10
# Alarm writes waiting for space: a flapping disk cannot grow this without bound.
MAX_PENDING = 64
# A probe write that takes longer than this is a disk that does not write (a dying disk can block for minutes).
PROBE_TIMEOUT_S = 5.0
UNWRITABLE = "disk.unwritable"


class Level(IntEnum):
    """How short of space a volume is."""

    OK = 0
    WARNING = 1
    CRITICAL = 2

    @property
    def word(self) -> str:
        return self.name.lower()


def next_level(free_mb: float, previous: Level, section: DiskSection) -> Level:
    """The level for `free_mb`, entered below a threshold and left only `MARGIN` above it."""
    if free_mb < section.critical_free_mb:
        return Level.CRITICAL
    if previous is Level.CRITICAL and free_mb < section.critical_free_mb * (1 + MARGIN):
        return Level.CRITICAL
    if free_mb < section.warning_free_mb:
        return Level.WARNING
    if previous >= Level.WARNING and free_mb < section.warning_free_mb * (1 + MARGIN):
        return Level.WARNING
    return Level.OK


def render_paused(free_mb: float, paused: bool, section: DiskSection) -> bool:
    """Whether rendering ahead waits: stops below `render_stop_free_mb`, resumes above `render_resume_free_mb`."""
    if free_mb < section.render_stop_free_mb:
        return True
    return paused and free_mb < section.render_resume_free_mb


@dataclass
class Volume:
    """One watched folder and what was last read there."""

    name: str  # "station", "documents", "cups"
    path: Path
    level: Level = Level.OK
    free_bytes: int | None = None
    total_bytes: int | None = None
    error: str | None = None
    since: str | None = None  # when the current level was entered

    def as_dict(self) -> dict[str, Any]:
        """What the control socket, `/readyz` and `/metrics` show."""
        return {"volume": self.name, "path": str(self.path), "level": self.level.word,
                "free_bytes": self.free_bytes, "total_bytes": self.total_bytes, "error": self.error,
                "since": self.since}


@dataclass
class _Write:
    """One alarm write waiting for the spool: raise or clear, as detected."""

    clear: bool
    kind: str
    volume: str
    severity: str = "warning"
    message: str = ""
    detected_at: str = field(default_factory=now_text)
    why: str = "disk space is back"


def watched(cfg: Config) -> list[Volume]:
    """The volumes to watch: the station folder, the documents folder if elsewhere, the CUPS spool with CUPS."""
    station = cfg.spool_path.parent
    volumes = [Volume("station", station)]
    documents = cfg.path(cfg.paths.documents)
    if documents is not None and _device(documents) not in (None, _device(station)):
        volumes.append(Volume("documents", documents))
    cups = cfg.path(cfg.disk.cups_spool)
    if cfg.printer.driver == "cups" and cups is not None:
        volumes.append(Volume("cups", cups))
    return volumes


def _device(path: Path) -> int | None:
    try:
        return path.stat().st_dev
    except OSError:
        return None


class DiskWatch(DiskState):
    """The daemon part that reads free space and acts on it (see the module's docstring)."""

    name = "disk"

    def __init__(self, cfg: Config, *, statvfs: Callable[[str], os.statvfs_result] = os.statvfs) -> None:
        self.cfg = cfg
        self.section = cfg.disk
        self.volumes = watched(cfg)
        self.render_paused = False
        self._statvfs = statvfs
        self._pending: deque[_Write] = deque(maxlen=MAX_PENDING)
        self._refused = False  # the spool refused the last write
        self._listeners: list[Callable[[str | None], Any]] = []
        self._conn: sqlite3.Connection | None = None
        self.daemon: Daemon | None = None
        self.writes = WriteWatch(self.volumes[0].path)
        self._write_alarmed = False  # the `disk.unwritable` raise is queued or written
        self._probing: asyncio.Future[bool] | None = None
        self._unsubscribe: Callable[[], None] | None = None

    # -- the part -------------------------------------------------------------

    async def start(self, daemon: Daemon) -> None:
        """Read once before the station is ready; then every `check_seconds`."""
        self.daemon = daemon
        daemon.control.register(ops.DISK_STATUS, self._report)
        self._unsubscribe = on_storage_error(self._write_failed)
        self._conn = spool.connect(self.cfg.spool_path)
        await self.step(first=True)
        daemon.loop("disk", self.step, first_delay=self.section.check_seconds)

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def on_service(self, listener: Callable[[str | None], Any]) -> None:
        """Call `listener(reason)` now and whenever the station goes out of service (`disk_full`) or back (None)."""
        self._listeners.append(listener)
        listener(self.out_of_service)

    # -- what others read (memory only: no disk needed) -----------------------

    @property
    def started(self) -> bool:
        """True once the daemon started this part (before that, its levels mean nothing yet)."""
        return self.daemon is not None

    @property
    def critical(self) -> bool:
        """True while the station's own volume is critical or cannot be written (the spool may not take writes)."""
        return self.volumes[0].level is Level.CRITICAL or self.writes.failure is not None

    @property
    def out_of_service(self) -> str | None:
        """`disk_unwritable` or `disk_full` while the counter must not start a release, else None."""
        if self.writes.failure is not None and not self._full:
            return "disk_unwritable"
        return "disk_full" if self.critical else None

    @property
    def _full(self) -> bool:
        """No space: the free-space level or a write that says so (`disk_full` covers it, not `disk_unwritable`)."""
        return self.volumes[0].level is Level.CRITICAL or self.writes.failure == "disk_full"

    def summary(self) -> dict[str, Any]:
        """The state of every volume, for `/readyz`, `/metrics` and the operations page."""
        worst = max(v.level for v in self.volumes)
        return {"level": worst.word, "critical": self.critical, "render_paused": self.render_paused,
                "alarms_unwritten": len(self._pending), "volumes": [v.as_dict() for v in self.volumes],
                "unwritable": self.writes.failure, "reason": self._reason()}

    def _reason(self) -> str | None:
        if self.writes.failure is not None and self.volumes[0].level is not Level.CRITICAL:
            return self.writes.describe(self.volumes[0].path)
        worst = max(self.volumes, key=lambda v: v.level)
        return None if worst.level is Level.OK else self._describe(worst)

    def _describe(self, volume: Volume) -> str:
        free = "?" if volume.free_bytes is None else f"{volume.free_bytes / MB:.0f} MB"
        limit = self.section.critical_free_mb if volume.level is Level.CRITICAL else self.section.warning_free_mb
        return f"disk {volume.level.word} on the {volume.name} volume ({volume.path}): {free} free, below {limit:g} MB"

    async def _report(self, args: dict, actor: str) -> dict:
        return self.summary()

    # -- one round ---------------------------------------------------------------

    async def step(self, first: bool = False) -> float:
        """Read every volume, act on level changes, write the alarms the spool can take."""
        was_out = self.out_of_service
        for volume in self.volumes:
            self._read(volume, first)
        await self._probe()  # after the levels: a full volume's refused writes are `disk.full`, not another alarm
        self._render_gate(first)
        if self.out_of_service != was_out or first:
            for listener in self._listeners:
                listener(self.out_of_service)
        if self._pending:
            await asyncio.to_thread(self._write_pending)
        if self.daemon is not None and (first or was_out != self.out_of_service):
            self.daemon.events.publish("disk", self.summary())
        return self.section.check_seconds

    def _write_failed(self, word: str, detail: str) -> None:
        """A spool write failed for the disk's sake (any thread): out of service now, the alarm at the next round."""
        was_out = self.out_of_service
        if self.writes.failed(word, detail):
            log.critical("%s", self.writes.describe(self.volumes[0].path))
        if self.out_of_service != was_out:
            for listener in self._listeners:
                listener(self.out_of_service)

    async def _probe(self) -> None:
        """The probe write of this round (none while the last one still hangs), and the alarm it calls for."""
        if self._probing is None or self._probing.done():
            self._probing = asyncio.ensure_future(asyncio.to_thread(self.writes.probe))
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_S):
                await asyncio.shield(self._probing)
        except TimeoutError:
            self.writes.failed("io_error", f"a probe write did not finish in {PROBE_TIMEOUT_S:g} s")
        except OSError as err:
            log.warning("disk: the probe write failed: %s", err)
        # A full station volume has its own alarm (`disk.full`); any other refused write is `disk.unwritable`.
        failure = None if self.volumes[0].level is Level.CRITICAL else self.writes.failure
        if failure is not None and not self._write_alarmed:
            log.critical("disk: alarm %s: %s", UNWRITABLE, self.writes.describe(self.volumes[0].path))
            self._pending.append(_Write(False, UNWRITABLE, "station", "critical",
                                        self.writes.describe(self.volumes[0].path)))
        elif failure is None and self._write_alarmed:
            log.info("disk: the station folder takes writes again")
            self._pending.append(_Write(True, UNWRITABLE, "station", why="writes succeed again"))
        self._write_alarmed = failure is not None

    def _read(self, volume: Volume, first: bool) -> None:
        try:
            stats = self._statvfs(str(volume.path))
        except OSError as err:
            if volume.error is None:
                log.warning("disk: cannot read free space of %s: %s", volume.path, err.strerror or err)
            volume.error = err.strerror or str(err)
            return
        volume.error = None
        volume.free_bytes = stats.f_bavail * stats.f_frsize
        volume.total_bytes = stats.f_blocks * stats.f_frsize
        level = next_level(volume.free_bytes / MB, volume.level, self.section)
        if level is volume.level and not first:
            return
        previous, volume.level, volume.since = volume.level, level, now_text()
        self._queue_alarms(volume, level)
        if level > previous:
            log.log(logging.CRITICAL if level is Level.CRITICAL else logging.WARNING, "%s", self._describe(volume))
        elif level < previous:
            log.info("disk: %s volume back to %s (%.0f MB free)", volume.name, level.word, volume.free_bytes / MB)

    def _queue_alarms(self, volume: Volume, level: Level) -> None:
        """Bring the spool's disk alarms of this volume to `level` (raises dedupe, clears of nothing do nothing)."""
        message = self._describe(volume)
        if level >= Level.WARNING:
            self._pending.append(_Write(False, "disk.low", volume.name, "warning", message))
        else:
            self._pending.append(_Write(True, "disk.low", volume.name))
        if level is Level.CRITICAL:
            self._pending.append(_Write(False, "disk.full", volume.name, "critical", message))
        else:
            self._pending.append(_Write(True, "disk.full", volume.name))

    def _render_gate(self, first: bool) -> None:
        station = self.volumes[0]
        if station.free_bytes is None:
            return
        paused = render_paused(station.free_bytes / MB, self.render_paused, self.section)
        if paused == self.render_paused and not first:
            return
        self.render_paused = paused
        if paused:
            log.warning("disk: rendering ahead paused (%.0f MB free, below %g MB)", station.free_bytes / MB,
                        self.section.render_stop_free_mb)
            self._pending.append(_Write(False, "disk.rendering_paused", "station", "info",
                                        f"rendering ahead paused: {station.free_bytes / MB:.0f} MB free on the"
                                        f" station volume, resumes above {self.section.render_resume_free_mb:g} MB"))
        else:
            if not first:
                log.info("disk: rendering ahead resumed (%.0f MB free)", station.free_bytes / MB)
            self._pending.append(_Write(True, "disk.rendering_paused", "station"))

    def _write_pending(self) -> None:
        """Write queued alarm changes in order; stop at the first the spool refuses (disk full) and retry later."""
        assert self._conn is not None
        while self._pending:
            item = self._pending[0]
            device = f"disk:{item.volume}"
            try:
                if item.clear:
                    alarms.clear(self._conn, item.kind, device=device, why=item.why)
                else:
                    raised = alarms.raise_alarm(self._conn, item.kind, item.message, severity=item.severity,
                                                device=device, details={"detected_at": item.detected_at})
                    if self.daemon is not None:
                        self.daemon.events.publish("alarm", raised.as_dict())
            except (sqlite3.Error, SpoolError) as err:
                if not self._refused:  # once per episode, not every round
                    log.warning("disk: alarm %s kept in memory until the spool takes it: %s", item.kind, err)
                self._refused = True
                return
            self._pending.popleft()
        if self._refused:
            log.info("disk: the alarms kept in memory are in the spool now")
        self._refused = False


def exposition(summary: dict[str, Any] | None) -> str:
    """`station_disk_*` gauges from a summary (as the `disk` control command returns it); empty without one."""
    if not isinstance(summary, dict) or not isinstance(summary.get("volumes"), list):
        return ""
    out = ["# HELP station_disk_free_bytes Free space on the volumes the station watches.",
           "# TYPE station_disk_free_bytes gauge"]
    volumes = [v for v in summary["volumes"] if isinstance(v, dict)]
    for volume in volumes:
        if isinstance(volume.get("free_bytes"), int):
            out.append(f'station_disk_free_bytes{{volume="{_label(volume.get("volume"))}"}} {volume["free_bytes"]}')
    out += ["# HELP station_disk_level Disk space level of each watched volume: 0 ok, 1 warning, 2 critical.",
            "# TYPE station_disk_level gauge"]
    for volume in volumes:
        level = Level.__members__.get(str(volume.get("level", "ok")).upper(), Level.OK)
        out.append(f'station_disk_level{{volume="{_label(volume.get("volume"))}"}} {int(level)}')
    out += ["# HELP station_rendering_paused 1 while rendering ahead waits for disk space.",
            "# TYPE station_rendering_paused gauge",
            f"station_rendering_paused {int(bool(summary.get('render_paused')))}",
            "# HELP station_disk_alarms_unwritten Disk alarms held in memory until the spool can take them.",
            "# TYPE station_disk_alarms_unwritten gauge",
            f"station_disk_alarms_unwritten {int(summary.get('alarms_unwritten') or 0)}",
            "# HELP station_disk_writable 0 while the station folder cannot be written (read-only, I/O errors).",
            "# TYPE station_disk_writable gauge",
            f"station_disk_writable {int(not summary.get('unwritable'))}"]
    return "\n".join(out) + "\n"


def _label(value: Any) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

