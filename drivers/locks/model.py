"""The device model of lock boards: slots, door and item states, outcomes, change-only events.

Pure bookkeeping, no I/O: the bus thread feeds it readings and failures and
passes on the events it returns. It applies each board's polarity, keeps the
last known state across an unknown gap (so a door seen closed, then unknown,
then open, still counts as having opened), and flags a door that opened
without an unlock as a security event.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .dialect import Reading
from .naming import slot_name


class Door(StrEnum):
    """What a slot's door is doing, as last read."""

    OPEN = "open"
    CLOSED = "closed"
    UNKNOWN = "unknown"


class Item(StrEnum):
    """Whether the slot's item sensor sees something (CU16 infrared); `unknown` without a sensor."""

    PRESENT = "present"
    ABSENT = "absent"
    UNKNOWN = "unknown"


class Outcome(StrEnum):
    """What an unlock achieved, as seen by reading the board afterwards."""

    OPENED = "opened"              # seen open after the unlock
    ALREADY_OPEN = "already_open"  # it was open before, and still is
    JAMMED = "jammed"              # the board took the unlock, the latch never reported open
    UNKNOWN = "unknown"            # the bytes left, the effect was not seen: never re-sent by itself


class BusState(StrEnum):
    """Whether the bus's port is usable."""

    STARTING = "starting"
    ONLINE = "online"
    UNREACHABLE = "unreachable"
    STOPPED = "stopped"


class BoardState(StrEnum):
    """Whether a board answers."""

    UNKNOWN = "unknown"      # not read yet (or the bus is unreachable)
    ANSWERING = "answering"
    SILENT = "silent"        # its last read failed: its slots are unknown, never closed


class EventKind(StrEnum):
    """What changed."""

    DOOR_OPENED = "door_opened"
    DOOR_CLOSED = "door_closed"
    DOOR_FORCED = "door_forced"          # opened with no unlock sent: a security event
    DOOR_LEFT_OPEN = "door_left_open"    # open longer than the alarm time
    ITEM_CHANGED = "item_changed"
    BOARD_SILENT = "board_silent"
    BOARD_BACK = "board_back"
    BUS_UNREACHABLE = "bus_unreachable"
    BUS_BACK = "bus_back"


@dataclass(frozen=True)
class LockEvent:
    """One change on a bus, delivered through the `on_event` callback."""

    kind: EventKind
    bus: str
    slot: str | None = None
    board: int | None = None
    door: Door | None = None
    item: Item | None = None
    detail: str = ""
    at: float = field(default_factory=time.time)

    @property
    def security(self) -> bool:
        """Whether this event needs a person at once (door opened without an unlock)."""
        return self.kind is EventKind.DOOR_FORCED

    def as_dict(self) -> dict[str, Any]:
        """The event as JSON-ready data (no personal data in it)."""
        return {"kind": self.kind.value, "bus": self.bus, "slot": self.slot, "board": self.board,
                "door": self.door and self.door.value, "item": self.item and self.item.value,
                "detail": self.detail, "at": self.at}


@dataclass(frozen=True)
class SlotStatus:
    """What is known of one slot now."""

    slot: str
    bus: str
    board: int
    lock: int
    door: Door
    item: Item
    board_state: BoardState
    door_since: float | None  # wall-clock time the door was seen changing to its known state
    read_at: float | None     # wall-clock time of the last good read of its board

    def as_dict(self) -> dict[str, Any]:
        """The status as JSON-ready data."""
        return {"slot": self.slot, "bus": self.bus, "board": self.board, "lock": self.lock,
                "door": self.door.value, "item": self.item.value, "board_state": self.board_state.value,
                "door_since": self.door_since, "read_at": self.read_at}


@dataclass
class _Lock:
    door: Door = Door.UNKNOWN
    item: Item = Item.UNKNOWN
    known_door: Door | None = None  # last known state, kept across unknown gaps
    known_item: Item | None = None
    door_since: float | None = None
    open_since: float | None = None  # monotonic, while known open
    alarmed: bool = False
    authorized_until: float = 0.0    # monotonic: an opening before this was asked for


class BoardModel:
    """What the station knows of one board: its locks' states, its health, its polarity."""

    def __init__(self, bus: str, address: int, locks: int, *, closed_bit: int, has_items: bool) -> None:
        self.bus = bus
        self.address = address
        self.locks = locks
        self.closed_bit = bool(closed_bit)  # the raw feedback bit that means "closed"
        self.has_items = has_items
        self.state = BoardState.UNKNOWN
        self.reply_length: int | None = None  # learned: how long this board's status replies are
        self.covered: int | None = None       # how many locks its last reply covered
        self.read_at: float | None = None
        self._locks = [_Lock() for _ in range(locks)]

    def slot(self, lock: int) -> str:
        """The slot name of one of this board's locks."""
        return slot_name(self.bus, self.address, lock)

    def door(self, lock: int) -> Door:
        """The door state of one lock, as last read."""
        return self._locks[lock - 1].door

    def status(self, lock: int) -> SlotStatus:
        """The status of one lock's slot."""
        entry = self._locks[lock - 1]
        return SlotStatus(self.slot(lock), self.bus, self.address, lock, entry.door, entry.item,
                          self.state, entry.door_since, self.read_at)

    def authorize(self, lock: int, until: float) -> None:
        """An unlock is being sent: an opening of this door before `until` (monotonic) is expected."""
        self._locks[lock - 1].authorized_until = until

    def revoke(self, lock: int) -> None:
        """The unlock did not leave after all: an opening now would be unexpected."""
        self._locks[lock - 1].authorized_until = 0.0

    # -- readings ----------------------------------------------------------

    def apply(self, reading: Reading, now: float) -> list[LockEvent]:
        """A good read of the whole board; returns the events it causes."""
        events = self._answered(now)
        self.covered = reading.covered
        for index in range(self.locks):
            bit = reading.bits[index] if index < len(reading.bits) else None
            sensed = reading.items[index] if reading.items is not None and index < len(reading.items) else None
            events += self._set(index + 1, bit, sensed, now)
        return events

    def apply_lock(self, lock: int, bit: bool, now: float) -> list[LockEvent]:
        """A good read of one lock's feedback (8A/80 unlock reply or one-channel read)."""
        entry = self._locks[lock - 1]
        item = None if entry.item is Item.UNKNOWN else entry.item is Item.PRESENT
        return self._answered(now) + self._set(lock, bit, item, now)

    def fail(self, detail: str) -> list[LockEvent]:
        """A read failed: the board's slots are unknown (never closed)."""
        events = []
        if self.state is not BoardState.SILENT:
            events.append(LockEvent(EventKind.BOARD_SILENT, self.bus, board=self.address, detail=detail))
        self.state = BoardState.SILENT
        self._forget_states()
        return events

    def forget(self) -> None:
        """The bus is unreachable: every state unknown, quietly (the bus reports it once)."""
        self.state = BoardState.UNKNOWN
        self._forget_states()

    def overdue(self, now: float, alarm: float | None) -> list[LockEvent]:
        """`door_left_open` for each door open longer than `alarm` seconds (once per opening)."""
        if alarm is None:
            return []
        events = []
        for lock, entry in enumerate(self._locks, start=1):
            if entry.open_since is not None and not entry.alarmed and now - entry.open_since >= alarm:
                entry.alarmed = True
                events.append(LockEvent(EventKind.DOOR_LEFT_OPEN, self.bus, self.slot(lock), self.address,
                                        door=Door.OPEN, detail=f"open for {now - entry.open_since:.0f} s"))
        return events

    def _answered(self, now: float) -> list[LockEvent]:
        events = []
        if self.state is BoardState.SILENT:
            events.append(LockEvent(EventKind.BOARD_BACK, self.bus, board=self.address))
        self.state = BoardState.ANSWERING
        self.read_at = time.time()
        return events

    def _forget_states(self) -> None:
        for entry in self._locks:
            entry.door, entry.item = Door.UNKNOWN, Item.UNKNOWN
            entry.open_since = None

    def _set(self, lock: int, bit: bool | None, sensed: bool | None, now: float) -> list[LockEvent]:
        entry = self._locks[lock - 1]
        slot = self.slot(lock)
        events: list[LockEvent] = []
        door = Door.UNKNOWN if bit is None else (Door.CLOSED if bit == self.closed_bit else Door.OPEN)
        item = Item.UNKNOWN if sensed is None or not self.has_items else \
            (Item.PRESENT if sensed else Item.ABSENT)
        entry.door, entry.item = door, item
        if door is not Door.UNKNOWN:
            if entry.known_door is not None and door is not entry.known_door:
                entry.door_since = time.time()
                if door is Door.OPEN:
                    events.append(LockEvent(EventKind.DOOR_OPENED, self.bus, slot, self.address, door=door))
                    if entry.authorized_until >= now:
                        entry.authorized_until = 0.0  # one unlock, one opening
                    else:
                        events.append(LockEvent(EventKind.DOOR_FORCED, self.bus, slot, self.address,
                                                door=door, detail="door opened without an unlock"))
                else:
                    events.append(LockEvent(EventKind.DOOR_CLOSED, self.bus, slot, self.address, door=door))
            elif entry.known_door is None:
                entry.door_since = time.time()
            if door is Door.OPEN and entry.authorized_until >= now and entry.known_door is Door.OPEN:
                entry.authorized_until = 0.0  # unlocked while already open: nothing left to expect
            entry.known_door = door
            if door is Door.OPEN:
                if entry.open_since is None:
                    entry.open_since = now
            else:
                entry.open_since, entry.alarmed = None, False
        if item is not Item.UNKNOWN:
            if entry.known_item is not None and item is not entry.known_item:
                events.append(LockEvent(EventKind.ITEM_CHANGED, self.bus, slot, self.address, item=item))
            entry.known_item = item
        return events
