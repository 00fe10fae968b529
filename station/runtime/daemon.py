"""The station daemon: starts the parts, keeps them running, stops them cleanly.

One asyncio loop supervises everything. Each part of the station (intake
from the back office, rendering, printing, loading, the counter, timers,
the web app) is a `Part` with `start()` and `stop()`; long-running loops
are started through `Daemon.loop()`, which logs and restarts a loop that
fails instead of letting it take the daemon down. Blocking work (pycups,
serial, rendering) lives in the parts' own threads or processes, never on
this loop.

SIGTERM (or SIGINT) stops intake first, lets the device transaction in
progress finish, then stops the rest in reverse order: everything left is
resumable from the spool.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sqlite3
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Protocol

import spool
from spool import audit, machine

from station.config import Config
from station.events import Bell, EventBus
from station.runtime import ops, sdnotify
from station.runtime.control import ControlServer
from station.runtime.parts import DiskState, Parts

log = logging.getLogger("station.daemon")

RESTART_DELAY_S = (0.5, 30.0)


class Part(Protocol):
    """One part of the running station."""

    name: str

    async def start(self, daemon: Daemon) -> None:
        """Start: register control commands, start loops and threads."""

    async def stop(self) -> None:
        """Stop: finish the transaction in progress, leave everything resumable."""


class Daemon:
    """The running station."""

    def __init__(self, cfg: Config, parts: list[Part]) -> None:
        self.cfg = cfg
        self.parts = Parts(parts)  # a part needing another gets it wired in, or by type: `parts.find(DiskState)`
        self.events = EventBus()
        self.stopping = asyncio.Event()
        self.conn: sqlite3.Connection = spool.connect(cfg.spool_path)
        self.control = ControlServer(cfg.path(cfg.paths.control_socket), self.events)  # type: ignore[arg-type]
        self._loops: list[asyncio.Task[None]] = []
        self._started: list[Part] = []
        self.started_at = time.monotonic()
        self.ready_at: float | None = None

    def loop(self, name: str, step: Callable[[], Awaitable[float | None]], *, first_delay: float = 0.0,
             bell: Bell | None = None) -> None:
        """Run `step` again and again until the daemon stops; it returns how long to sleep next.

        A step that raises is logged and retried after a growing delay: no part's
        failure takes the daemon down. A `bell` rung during the sleep (an event
        that concerns the step) cuts it short: the sleep is then only a safety poll.
        """
        async def supervised() -> None:
            delay = RESTART_DELAY_S[0]
            await self._sleep(first_delay)
            while not self.stopping.is_set():
                try:
                    pause = await step()
                    delay = RESTART_DELAY_S[0]
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001 - supervision: log, wait, go on
                    log.exception("%s failed; retrying in %.1f s", name, delay)
                    pause, delay = delay, min(delay * 2, RESTART_DELAY_S[1])
                await self._sleep(pause or 0.0, bell)

        self._loops.append(asyncio.create_task(supervised(), name=name))

    async def _sleep(self, seconds: float, bell: Bell | None = None) -> None:
        if seconds <= 0:
            return
        if bell is None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(seconds):
                    await self.stopping.wait()
            return
        waits = {asyncio.ensure_future(self.stopping.wait()), asyncio.ensure_future(bell.wait_async(seconds))}
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waits:
                waiter.cancel()

    def request_stop(self) -> None:
        """Begin a clean stop (SIGTERM, SIGINT, or a test)."""
        self.stopping.set()

    async def run(self) -> int:
        """Start every part, serve until asked to stop, then stop cleanly."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.request_stop)
        await self.control.start()
        self.control.register(ops.STATION_PING, self._ping)
        # Every job change made in this process, once committed, reaches the pages and the metrics.
        unsubscribe = machine.subscribe(lambda event: self.events.publish("job", event.as_dict()))
        try:
            for part in self.parts:
                await part.start(self)
                self._started.append(part)
            self.ready_at = time.monotonic()
            self._announce_ready()
            await self.stopping.wait()
        finally:
            sdnotify.notify("STOPPING=1")
            log.info("stopping", extra={"fields": {"parts": [p.name for p in self._started]}})
            for part in reversed(self._started):
                try:
                    async with asyncio.timeout(15):
                        await part.stop()
                except Exception:  # noqa: BLE001 - stop the others regardless
                    log.exception("stopping %s failed", part.name)
            for task in self._loops:
                task.cancel()
            await asyncio.gather(*self._loops, return_exceptions=True)
            await self.control.stop()
            unsubscribe()
            self.conn.close()
        return 0

    def _announce_ready(self) -> None:
        # Everything loaded at start-up stays for the daemon's life: keep it out of the
        # collector's full passes, which otherwise pause every thread (the counter too).
        gc.freeze()
        seconds = self.ready_at - self.started_at if self.ready_at else 0.0
        log.info("station ready", extra={"fields": {"station": self.cfg.station.id, "startup_s": round(seconds, 3)}})
        self.events.publish("station", {"ready": True})
        sdnotify.notify(f"READY=1\nSTATUS=serving {self.cfg.station.id}")
        interval = sdnotify.watchdog_interval()
        if interval:
            async def ping() -> float:
                sdnotify.notify("WATCHDOG=1")
                return interval
            self.loop("watchdog", ping)

    async def _ping(self, args: dict, actor: str) -> dict:
        disk = self.parts.find(DiskState)  # its state is in memory: the answer needs no disk
        return {"station": self.cfg.station.id, "ready": self.ready_at is not None,
                "audit_head": audit.head(self.conn)[0], "now": datetime.now(UTC).isoformat(),
                "disk": disk.summary() if disk is not None and disk.started else None}
