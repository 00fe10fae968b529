"""The printer watch: reads the printer's status each step, tells the station, and keeps its alarm.

A change of state or of blocking reasons is an event (`device`); a printer
that stops raises `printer.blocked`, and the alarm clears itself when the
printer reports ready again, also after a restart (issue 15).
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any, Protocol

from drivers.printer import Printer, PrinterError, PrinterStatus
from drivers.printer.status import DeviceState
from spool import alarms

log = logging.getLogger("station.printing")


class EventSink(Protocol):
    """Where the stage tells the rest of the station what happened (`station.events.EventBus`)."""

    def publish(self, kind: str, data: dict[str, Any]) -> Any:
        """Send one event; never blocks."""


class PrinterWatch:
    """The printer's last status, its events and its `printer.blocked` alarm."""

    def __init__(self, conn: sqlite3.Connection, printer: Printer, events: EventSink | None = None,
                 actor: str = "system") -> None:
        self.conn = conn
        self.printer = printer
        self.events = events
        self.actor = actor
        self.last_status: PrinterStatus | None = None

    def read(self) -> PrinterStatus:
        """The printer's status now; a change is published, a stop raises the alarm, ready clears it."""
        try:
            status = self.printer.status()
        except PrinterError as err:  # a misconfigured queue: nothing can print
            status = PrinterStatus(DeviceState.OFFLINE, ("offline",), str(err), "station")
        previous, self.last_status = self.last_status, status
        if previous is None or previous.blocking != status.blocking or previous.state != status.state:
            self._changed(previous, status)
        if not status.blocked:
            # (issue 15) the condition ended (also after a restart): the alarm clears itself.
            alarms.clear(self.conn, "printer.blocked", device="printer", actor=self.actor, why="printer ready again")
        return status

    def _changed(self, previous: PrinterStatus | None, status: PrinterStatus) -> None:
        name = self.printer.name
        self.publish("device", {"device": "printer", "name": name, **status.as_dict()})
        if status.blocked and (previous is None or not previous.blocked or previous.blocking != status.blocking):
            log.warning("printer %s stopped: %s", name, ", ".join(status.blocking))
            alarms.raise_alarm(self.conn, "printer.blocked", f"printer {name}: {', '.join(status.blocking)}",
                               device="printer", severity="warning", actor=self.actor)
        elif previous is not None and previous.blocked and not status.blocked:
            log.info("printer %s ready again", name)

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        """Best effort: an event that cannot be sent never stops printing."""
        if self.events is not None:
            try:
                self.events.publish(kind, data)
            except Exception:  # noqa: BLE001 - events are best effort, never block printing
                log.exception("publishing a %s event failed", kind)
