"""`station run`: the station daemon."""

from __future__ import annotations

import argparse
import asyncio

from .. import config as config_module
from .. import logs
from station.runtime.station_lock import StationLock, lock_path
from .common import add_command, load_config

DESCRIPTION = """\
Run the station: fetch approved documents from the back office, render,
print, load them into slots, and release them to citizens whose QR verifies.
Serves the spool API and the kiosk and operations pages, and a control
socket for tools.

Under systemd (deploy/mpp-station.service) it reports readiness and pings
the watchdog. SIGTERM finishes the device transaction in progress and stops;
everything left resumes from the spool on the next start."""


def register(commands: argparse._SubParsersAction) -> None:
    add_command(commands, "run", help="run the station daemon", description=DESCRIPTION, run=run)


def run(args: argparse.Namespace) -> int:
    from station.parts.assembly import build_parts
    from station.runtime.daemon import Daemon

    cfg = load_config(args)
    # One daemon per station: the lock comes before the spool, the control socket and the log.
    lock = StationLock(lock_path(cfg.spool_path)).acquire()
    try:
        logs.setup(cfg.log.level, cfg.path(cfg.paths.log), keep_days=cfg.log.keep_days)
        config_path = config_module.resolve_path(getattr(args, "config", None)).resolve()

        async def main() -> int:
            return await Daemon(cfg, build_parts(cfg, config_path)).run()

        return asyncio.run(main())
    finally:
        lock.release()
