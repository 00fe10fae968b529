"""Running the real daemon in a test, with some of its parts, and talking to it over its control socket."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from station.config import Config
from station.runtime.control import ControlClient, ControlError
from station.runtime.daemon import Daemon
from station.runtime import ops


async def with_daemon(cfg: Config, parts: list[Any], body: Callable[[ControlClient], Awaitable[None]]) -> None:
    """Start the daemon with `parts`, wait until it is ready, run `body`, then stop it cleanly."""
    daemon = Daemon(cfg, parts)
    running = asyncio.create_task(daemon.run())
    client = ControlClient(cfg.path(cfg.paths.control_socket), timeout=20)  # type: ignore[arg-type]
    try:
        for _ in range(200):
            try:
                if (await client.acall(ops.STATION_PING))["ready"]:
                    break
            except ControlError:
                pass
            await asyncio.sleep(0.05)
        await body(client)
    finally:
        daemon.request_stop()
        await asyncio.wait_for(running, 20)
