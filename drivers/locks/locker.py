"""The station's lockers: every lock bus of the configuration, addressed by slot name (`1-05`)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from spool.errors import SlotError
from spool.slots import parse_slot_id
from station.config import BusSection, Config
from station.errors import ConfigError

from .bus import EventSink, LockBus, UnlockFuture
from .errors import UnknownSlot
from .model import BusState, Outcome, SlotStatus


class Locker:
    """All lock buses of a station; start it, then unlock slots and read their state."""

    def __init__(self, buses: Sequence[BusSection], *, on_event: EventSink | None = None, poll: bool = True,
                 open_alarm_seconds: float | None = None) -> None:
        self.buses = [LockBus(section, on_event=on_event, poll=poll, open_alarm_seconds=open_alarm_seconds)
                      for section in buses]
        owners: dict[int, str] = {}
        for bus in self.buses:
            for address in bus.boards:
                if address in owners:
                    raise ConfigError(f"board address {address} is on bus {owners[address]} and bus {bus.name}:"
                                      " slot names would clash")
                owners[address] = bus.name

    @classmethod
    def from_config(cls, cfg: Config, *, on_event: EventSink | None = None, poll: bool = True) -> Locker:
        """The lockers a station's configuration describes."""
        # A relative port (the simulated station's "run/lockbus-A") is relative to the configuration.
        buses = [bus if bus.port.startswith("/") else
                 bus.model_copy(update={"port": str(cfg.base_dir / bus.port)}) for bus in cfg.bus]
        return cls(buses, on_event=on_event, poll=poll, open_alarm_seconds=cfg.release.door_open_alarm_seconds)

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
            board, lock = parse_slot_id(slot)
        except SlotError as err:
            raise UnknownSlot(str(err)) from None
        for bus in self.buses:
            if bus.has_slot(board, lock):
                return bus, board, lock
        raise UnknownSlot(f"no lock bus drives slot {slot}")

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
