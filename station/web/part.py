"""The daemon's `web` part: runs `station serve` as a child process and keeps it running.

The web app lives in its own process so that a dashboard hammering the API
never slows the counter; it runs at a lower CPU priority (nice) for the same
reason. If it dies it is started again after a pause; on stop it gets
SIGTERM, then SIGKILL after a timeout. It also stops by itself if the daemon
dies (it watches its parent pid).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from spool import alarms
from station.config import ENV_CONFIG

if TYPE_CHECKING:
    from station.runtime.daemon import Daemon

log = logging.getLogger("station.web.part")

STOP_TIMEOUT_S = 5.0
RESTART_DELAY_S = (1.0, 30.0)
# Below the daemon's priority: under CPU contention the counter wins.
NICENESS = 10


class WebPart:
    """Starts, supervises and stops the web process."""

    name = "web"

    def __init__(self, config_path: Path | None = None, *, port: int | None = None,
                 niceness: int = NICENESS) -> None:
        self.config_path = config_path
        self.port = port
        self.niceness = niceness
        self.process: asyncio.subprocess.Process | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._stopping = False

    def command(self, daemon: Daemon) -> list[str]:
        """The command line of the web process."""
        config_path = self.config_path or Path(os.environ.get(ENV_CONFIG) or daemon.cfg.base_dir / "station.toml")
        cmd = [sys.executable, "-c", "from station.cli import entry; entry()", "--config", str(config_path),
               "serve", "--parent-pid", str(os.getpid())]
        if self.port is not None:
            cmd += ["--port", str(self.port)]
        return cmd

    async def start(self, daemon: Daemon) -> None:
        """Spawn the web process and supervise it."""
        self._stopping = False
        await self._spawn(daemon)
        self._supervisor = asyncio.create_task(self._supervise(daemon), name="web-supervisor")

    async def _spawn(self, daemon: Daemon) -> None:
        self.process = await asyncio.create_subprocess_exec(*self.command(daemon), stdin=asyncio.subprocess.DEVNULL)
        # Set from here rather than in a preexec_fn, which is unsafe in a threaded daemon.
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, self.process.pid, self.niceness)
        log.info("web process started", extra={"fields": {"pid": self.process.pid}})

    async def _supervise(self, daemon: Daemon) -> None:
        delay = RESTART_DELAY_S[0]
        while not self._stopping:
            assert self.process is not None
            started = asyncio.get_running_loop().time()
            code = await self.process.wait()
            if self._stopping:
                return
            # A process that ran a while earns a quick restart; one that dies at once backs off.
            ran = asyncio.get_running_loop().time() - started
            if ran > 60:
                delay = RESTART_DELAY_S[0]
                alarms.clear(daemon.conn, "web.not_serving", device="web", why="the web process ran again")
            elif code == 2:  # a configuration it cannot serve with (a taken port, a bad certificate): tell staff
                alarms.raise_alarm(daemon.conn, "web.not_serving", "the kiosk and operations pages cannot be"
                                   " served (see the daemon's log: a taken port or a TLS setting)",
                                   device="web", severity="critical")
            log.error("web process exited with %s; restarting in %.0f s", code, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RESTART_DELAY_S[1])
            if not self._stopping:
                await self._spawn(daemon)

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not exited within the timeout."""
        self._stopping = True
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
        process = self.process
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(STOP_TIMEOUT_S):
                await process.wait()
        except TimeoutError:
            log.warning("web process did not stop within %.0f s: killing it", STOP_TIMEOUT_S)
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
