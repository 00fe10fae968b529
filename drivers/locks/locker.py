"""The station's lockers: every lock bus of the configuration, addressed by slot name (`A-1-05`)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from .bus import EventSink, LockBus, UnlockFuture
from .errors import UnknownSlot
from .model import BusState, Outcome, SlotStatus
from .naming import BadSlotName, parse_short_name, parse_slot_name, slot_name
from .settings import BusSettings


class Locker:
    """All lock buses of a station; start it, then unlock slots and read their state."""

    def __init__(self, buses: Sequence[BusSettings], *, on_event: EventSink | None = None, poll: bool = True,
                 open_alarm_seconds: float | None = None) -> None:
        self.buses = [LockBus(section, on_event=on_event, poll=poll, open_alarm_seconds=open_alarm_seconds)
                      for section in buses]
        self._by_name = {bus.name: bus for bus in self.buses}

    @classmethod
    def from_settings(cls, buses: Sequence[BusSettings], *, base_dir: Path = Path("."),
                      on_event: EventSink | None = None, poll: bool = True,
                      open_alarm_seconds: float | None = None) -> Locker:
        """The lockers these bus settings describe; a relative port is relative to `base_dir`."""
        # (The simulated station links its bus at "run/lockbus-A", next to its configuration.)
        resolved = [bus if bus.port.startswith("/") else bus.model_copy(update={"port": str(base_dir / bus.port)})
                    for bus in buses]
        return cls(resolved, on_event=on_event, poll=poll, open_alarm_seconds=open_alarm_seconds)

    def start(self, *, require_ports: bool = False) -> None:
        """Open every bus (see `LockBus.start`)."""
        started = []
        try:
            for bus in self.buses:
                bus.start(require_port=require_ports)
                started.append(bus)
        except BaseException:
            for bus in started:
                bus.stop()
            raise

    def stop(self) -> None:
        """Stop every bus."""
        for bus in self.buses:
            bus.stop()

    def __enter__(self) -> Locker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def locate(self, slot: str) -> tuple[LockBus, int, int]:
        """The bus, board address and lock of a slot name; `UnknownSlot` if none drives it."""
        try:
            bus_name, board, lock = parse_slot_name(slot)
        except BadSlotName as err:
            raise UnknownSlot(str(err)) from None
        bus = self._by_name.get(bus_name)
        if bus is None or not bus.has_slot(board, lock):
            raise UnknownSlot(f"no lock bus drives slot {slot}")
        return bus, board, lock

    def resolve(self, text: str) -> str:
        """The full name of a slot a person typed: `A-1-05`, or `1-05` where one bus alone has board 1."""
        short = parse_short_name(text)
        if short is None:
            self.locate(text)
            return text
        board, lock = short
        names = [slot_name(bus.name, board, lock) for bus in self.buses if bus.has_slot(board, lock)]
        if len(names) != 1:
            where = "no lock bus drives" if not names else f"several buses have ({', '.join(names)}): name one of"
            raise UnknownSlot(f"{where} slot {text}")
        return names[0]

    def submit_unlock(self, slot: str, *, send_within: float | None = 2.0) -> UnlockFuture:
        """Queue an unlock ahead of any poll; the future gives the `Outcome` (see `LockBus.submit_unlock`)."""
        bus, board, lock = self.locate(slot)
        return bus.submit_unlock(board, lock, send_within=send_within)

    def unlock(self, slot: str, *, send_within: float | None = 2.0) -> Outcome:
        """Unlock a slot once; `UnlockNotSent` if no byte left, else the outcome word."""
        return self.submit_unlock(slot, send_within=send_within).result()

    async def unlock_async(self, slot: str, *, send_within: float | None = 2.0) -> Outcome:
        """`unlock` for an asyncio daemon: the event loop never blocks on the bus."""
        # Cancelling the awaiting task before the frame left cancels the unlock (nothing sent);
        # once it left, it completes on the bus thread (use `submit_unlock` to keep its outcome).
        return await asyncio.wrap_future(self.submit_unlock(slot, send_within=send_within))

    def status(self, slot: str) -> SlotStatus:
        """What is known of one slot now (door, item, board health)."""
        bus, board, lock = self.locate(slot)
        return bus.status(board, lock)

    def statuses(self) -> list[SlotStatus]:
        """What is known of every slot of every bus."""
        return [status for bus in self.buses for status in bus.statuses()]

    def refresh(self, timeout: float | None = None) -> list[SlotStatus]:
        """Read every board of every bus now, then return every slot's status."""
        for bus in self.buses:
            bus.read_boards(timeout=timeout)
        return self.statuses()

    def bus_states(self) -> dict[str, BusState]:
        """Each bus's state by name."""
        return {bus.name: bus.state for bus in self.buses}
