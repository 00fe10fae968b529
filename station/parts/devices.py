"""The station's devices as its configuration describes them, and the daemon part that runs them.

The drivers know nothing of the station: here they get their settings, and
their events reach the counter, the loader and the pages. Driving a lock by
hand (a technician's open, an operator's move) is `slot_ops.py`'s job.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from drivers.locks.bus import EventSink
from drivers.locks.locker import Locker
from drivers.locks.model import EventKind, LockEvent
from drivers.printer import Printer, open_printer
from drivers.scanner import ScannerReader, make_scanner

from station.config import Config
from station.runtime import ops

if TYPE_CHECKING:
    from station.runtime.daemon import Daemon

log = logging.getLogger("station.devices")


def locker_for(cfg: Config, *, on_event: EventSink | None = None, poll: bool = True) -> Locker:
    """Every lock bus of the configuration (ports relative to the configuration file)."""
    return Locker.from_settings(cfg.bus, base_dir=cfg.base_dir, on_event=on_event, poll=poll,
                                open_alarm_seconds=cfg.release.door_open_alarm_seconds)


def printer_for(cfg: Config) -> Printer:
    """The configured printer."""
    return open_printer(cfg.printer, base_dir=cfg.base_dir)


class DevicesPart:
    """The lock buses, the printer and the scanner: started, stopped, and reported on."""

    name = "devices"

    def __init__(self) -> None:
        self.listeners: list[Any] = []
        self.scanner: ScannerReader | None = None

    async def start(self, daemon: Daemon) -> None:
        self.daemon = daemon
        cfg = daemon.cfg
        self.locker = locker_for(cfg, on_event=self._on_lock_event)
        await asyncio.to_thread(self.locker.start)
        self.printer = printer_for(cfg)
        daemon.control.register(ops.DEVICES_STATUS, self._devices)

    def start_scanner(self, on_scan: Any) -> None:
        """Read scans on a thread of their own and hand each to `on_scan` (the counter).

        The scanner need not be there yet: its driver looks for it until it is (drivers/scanner).
        """
        scanner = make_scanner(self.daemon.cfg.scanner, self.daemon.cfg.base_dir)
        if scanner is not None:
            self.scanner = ScannerReader(scanner, on_scan).start()

    async def stop(self) -> None:
        if self.scanner is not None:
            await asyncio.to_thread(self.scanner.stop)
        await asyncio.to_thread(self.locker.stop)
        await asyncio.to_thread(self.printer.close)

    def _on_lock_event(self, event: LockEvent) -> None:
        for listener in self.listeners:
            listener(event)
        kind = "alarm" if event.kind is EventKind.DOOR_FORCED else "slot"
        self.daemon.events.publish(kind, event.as_dict())

    async def _devices(self, args: dict, actor: str) -> dict:
        return await self.report()

    async def report(self) -> dict[str, Any]:
        """Every device's state now: the printer, the lock buses, the scanner, each slot's door and item."""
        status = await asyncio.to_thread(self.printer.status)
        return {
            "printer": status.as_dict() if hasattr(status, "as_dict") else str(status),
            "buses": [{"name": name, "state": state.value} for name, state in self.locker.bus_states().items()],
            "scanner": {"driver": self.daemon.cfg.scanner.driver,
                        **(self.scanner.status() if self.scanner else {"state": "none"})},
            "slots": {s.slot: {"door": s.door.value, "item": s.item.value, "board": s.board_state.value}
                      for s in self.locker.statuses()},
        }
