"""What the release needs of the world around it, as typed ports (the drivers and the counter fill them)."""

from __future__ import annotations

import sqlite3
from typing import Any, Protocol

from drivers.locks.model import LockEvent, Outcome, SlotStatus

from ..config import Config
from station.release.kiosk import KioskView
from .session import Session


class PendingUnlock(Protocol):
    """An unlock on its way: its outcome, and when its frame left (for the latency figures)."""

    wire_end: float | None

    def result(self, timeout: float | None = None) -> Outcome:
        """The outcome word, once the door was read after the unlock."""


class LockPort(Protocol):
    """The lock buses as the release sees them (`drivers.locks.Locker` is one)."""

    def submit_unlock(self, slot: str, *, send_within: float | None = 2.0) -> PendingUnlock:
        """Queue one unlock ahead of any poll; `UnlockNotSent` if no byte can leave."""

    def status(self, slot: str) -> SlotStatus:
        """What is known of one slot now."""

    def refresh(self, timeout: float | None = None) -> list[SlotStatus]:
        """Read every board now."""


class Desk(Protocol):
    """The counter, as the release flows use it: the spool, the screen, alarms and events."""

    cfg: Config
    locker: LockPort

    @property
    def conn(self) -> sqlite3.Connection:
        """The counter thread's spool connection."""

    def show(self, view: KioskView, *, hold: float | None = None) -> KioskView:
        """Put a view on the kiosk (for `hold` seconds, then back to what the station is doing)."""

    def alarm(self, kind: str, message: str, *, severity: str = "warning", job: str | None = None,
              slot: str | None = None, device: str | None = None) -> None:
        """Raise an alarm for staff (once while it is open)."""

    def publish(self, kind: str, data: dict[str, Any]) -> Any:
        """Tell the pages and the metrics (never blocks)."""

    def note_clock(self) -> None:
        """A release was recorded now: the clock may never go back behind it."""

    def job_view(self, job_id: str) -> dict[str, Any]:
        """What the kiosk may show of a job (a masked name, its kind)."""


class ReleaseFlow(Protocol):
    """How a station releases a verified document: `LockerRelease` or `DispenserRelease`."""

    def check_ready(self) -> None:
        """Refuse (raise `ReleaseRefused`) when nobody can be served now; nothing is spent."""

    def release(self, session: Session) -> KioskView:
        """Record the release durably, then act on the device."""

    def on_lock(self, event: LockEvent) -> None:
        """A lock bus reported a change."""

    def tick(self) -> None:
        """Time passed: follow what is in progress."""

    def recover(self) -> None:
        """After a restart: take up what the ledger holds open, asking the devices first."""

    def resume(self) -> None:
        """Once the buses have read: settle what changed while the station was down."""

    def idle(self) -> bool:
        """Nothing in progress: the kiosk may go back to its idle screen."""

    def current_view(self) -> KioskView | None:
        """The screen of what is in progress, to go back to after a passing message."""
