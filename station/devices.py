"""The station's devices as its configuration describes them (the drivers know nothing of the station)."""

from __future__ import annotations

from drivers.locks.bus import EventSink
from drivers.locks.locker import Locker
from drivers.printer import Printer, open_printer

from .config import Config


def locker_for(cfg: Config, *, on_event: EventSink | None = None, poll: bool = True) -> Locker:
    """Every lock bus of the configuration (ports relative to the configuration file)."""
    return Locker.from_settings(cfg.bus, base_dir=cfg.base_dir, on_event=on_event, poll=poll,
                                open_alarm_seconds=cfg.release.door_open_alarm_seconds)


def printer_for(cfg: Config) -> Printer:
    """The configured printer."""
    return open_printer(cfg.printer, base_dir=cfg.base_dir)
