"""The lock-bus simulator: boards of one family on a pseudo-terminal, true to the wire's timing.

One thread runs a small event loop over the pty's controller end. A request
counts as received when its last byte would have crossed the line at the
baud rate; a board answers after any work it is busy with (a latch pulse),
and its reply is handed over when its last byte would have crossed the line
(in bursts, piece by piece). Faults (`faults.py`) bend this; a technician or
a test changes them, and the physical world (doors, items), while it runs.
Every change is done on the simulator's own thread, so nothing races the wire.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import select
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from drivers.locks.naming import BadSlotName, parse_short_name, parse_slot_name
from drivers.locks.naming import short_name as slot_id
from drivers.locks.settings import BusSettings
from drivers.serialport import tighten_timer_slack

from ..errors import SimulatorError
from ..ptylink import PtyLink
from .boards import BoardSpec, SimBoard
from .faults import Fault, FaultError, parse_fault
from .firmware import FIRMWARE, Firmware

log = logging.getLogger("station.sim.lockbus")

# Host bytes separated by more idle line than this start a new frame (a partial one is dropped).
FRAME_IDLE = 0.003


@dataclass
class SimStats:
    """What the simulator saw and did; tests assert on these."""

    frames: int = 0
    garbage_bytes: int = 0
    unlock_frames: Counter[str] = field(default_factory=Counter)  # per slot, every unlock frame received
    replies: int = 0
    dropped_replies: int = 0
    echoed_bytes: int = 0
    collisions: int = 0          # host bytes that arrived while a board was transmitting
    energised: int = 0           # latch coils on right now
    max_energised: int = 0       # most coils ever on at once (inrush)
    requests: deque[str] = field(default_factory=lambda: deque(maxlen=200))  # latest first-to-last

    def as_dict(self) -> dict[str, Any]:
        """The counters as JSON-ready data."""
        return {"frames": self.frames, "garbage_bytes": self.garbage_bytes,
                "unlock_frames": dict(self.unlock_frames), "replies": self.replies,
                "dropped_replies": self.dropped_replies, "echoed_bytes": self.echoed_bytes,
                "collisions": self.collisions, "max_energised": self.max_energised,
                "requests": list(self.requests)[-20:]}


class LockBusSim:
    """Simulated lock boards of one family on a pty whose device end is at `link`."""

    def __init__(self, family: str, link: str | os.PathLike[str], boards: Sequence[BoardSpec], *,
                 baud: int | None = None, latch_ms: float | None = None, turnaround_ms: float = 0.0,
                 auto_close: float | None = None, items: bool = False,
                 faults: Iterable[str | Fault] = (), bus: str | None = None) -> None:
        if family not in FIRMWARE:
            raise SimulatorError(f"unknown board family {family!r}: use one of {', '.join(FIRMWARE)}")
        self.firmware: Firmware = FIRMWARE[family]
        self.family = family
        self.baud = baud or self.firmware.baud
        self.byte_time = 10.0 / self.baud
        self.latch = (self.firmware.latch_ms if latch_ms is None else latch_ms) / 1000
        self.turnaround = turnaround_ms / 1000
        self.auto_close = auto_close
        self.bus = bus  # slots are named `1-05` here; `A-1-05` too when this is bus A
        self.boards = {spec.address: SimBoard(spec) for spec in boards}
        if not self.boards:
            raise SimulatorError("a simulated bus needs at least one board")
        for board in self.boards.values():
            board.items = [items] * board.locks
        self.link = PtyLink(link)
        self.stats = SimStats()
        self._faults: list[Fault] = []
        self._counts: dict[Fault, int] = {}
        self._lock = threading.RLock()
        self._events: list[tuple[float, int, Callable[[float], None]]] = []
        self._seq = itertools.count()
        self._rx = bytearray()
        self._rx_free = 0.0   # when the host-to-board line is free again
        self._rx_last = 0.0   # when the last host byte finished
        self._tx_free = 0.0   # when the board-to-host line is free again
        self._tx_start = 0.0
        self._wake_r, self._wake_w = os.pipe()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        for fault in faults:
            self.add_fault(fault)

    @classmethod
    def uniform(cls, family: str, link: str | os.PathLike[str], *, boards: int = 1, locks: int | None = None,
                locked_bit: int = 1, feedback: str = "door_closing", groups: int | None = None,
                **options: Any) -> LockBusSim:
        """`boards` alike boards at addresses 1..N with `locks` locks each (the family's count by default)."""
        locks = locks or (16 if family == "cu16" else 8)
        closed = locked_bit if family == "cu16" else int(feedback == "door_closing")
        specs = [BoardSpec(address, locks, closed, groups) for address in range(1, boards + 1)]
        return cls(family, link, specs, **options)

    @classmethod
    def from_bus_config(cls, bus: BusSettings, link: str | os.PathLike[str] | None = None,
                        **options: Any) -> LockBusSim:
        """The boards a station's `[[bus]]` section describes, polarity included."""
        specs = [BoardSpec(b.address, b.locks, b.locked_bit if bus.family == "cu16"
                           else int(b.feedback == "door_closing")) for b in bus.boards]
        options.setdefault("baud", bus.baud)
        options.setdefault("bus", bus.name)
        return cls(bus.family, link or bus.port, specs, **options)

    # -- life ----------------------------------------------------------------

    def start(self) -> LockBusSim:
        """Create the pty and its link, and run on a background thread."""
        if self._thread is None:
            self.link.open()
            self._thread = threading.Thread(target=self._loop, name="lockbus-sim", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread, close the pty and remove the link."""
        self._stop.set()
        self._wake()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)
        self._thread = None
        self.link.close()
        for fd in (self._wake_r, self._wake_w):
            try:
                os.close(fd)
            except OSError:
                pass
        self._wake_r = self._wake_w = -1

    def __enter__(self) -> LockBusSim:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what a technician or a test does --------------------------------------

    def add_fault(self, spec: str | Fault) -> Fault:
        """Add a fault (or do a one-shot one); `FaultError` for a bad text."""
        fault = parse_fault(spec) if isinstance(spec, str) else spec
        self._check_target(fault)
        self._call(lambda now: self._add_fault(fault, now))
        return fault

    def clear_fault(self, spec: str | Fault | None = None) -> int:
        """Remove the faults matching `spec` (a name, or the exact text); all of them when None."""
        result: list[int] = []

        def clear(now: float) -> None:
            keep = []
            for fault in self._faults:
                if spec is None or self._matches(fault, spec):
                    log.info("fault cleared: %s", fault)
                    self._counts.pop(fault, None)
                    if fault.name == "vanish" and not self.link.is_open:
                        self._reappear(now)
                else:
                    keep.append(fault)
            result.append(len(self._faults) - len(keep))
            self._faults = keep

        self._call(clear)
        return result[0] if result else 0

    def faults(self) -> list[str]:
        """The lasting faults in force, as text."""
        with self._lock:
            return [str(f) for f in self._faults]

    def open_door(self, slot: str) -> None:
        """A person opens the door by hand (no unlock): the driver should call it forced."""
        board, lock = self._slot(slot)
        self._call(lambda now: self._set_door(board, lock, True, now, how="by hand"))

    def close_door(self, slot: str) -> None:
        """A person closes the door (the latch catches)."""
        board, lock = self._slot(slot)
        self._call(lambda now: self._set_door(board, lock, False, now, how="by hand"))

    def put_item(self, slot: str) -> None:
        """Something is placed in the slot (the infrared sensor sees it)."""
        board, lock = self._slot(slot)
        self._call(lambda now: self._set_item(board, lock, True))

    def take_item(self, slot: str) -> None:
        """The slot is emptied."""
        board, lock = self._slot(slot)
        self._call(lambda now: self._set_item(board, lock, False))

    def door_open(self, slot: str) -> bool:
        """Whether the simulated door is open."""
        board, lock = self._slot(slot)
        with self._lock:
            return board.doors[lock - 1]

    def item_present(self, slot: str) -> bool:
        """Whether the simulated slot holds an item."""
        board, lock = self._slot(slot)
        with self._lock:
            return board.items[lock - 1]

    def unlock_count(self, slot: str) -> int:
        """How many unlock frames for this slot reached the bus."""
        board, lock = self._slot(slot)
        with self._lock:
            return self.stats.unlock_frames[slot_id(board.address, lock)]

    def snapshot(self) -> dict[str, Any]:
        """Doors, items, coils, faults and counters as JSON-ready data."""
        with self._lock:
            slots = {slot_id(b.address, lock): {"door": "open" if b.doors[lock - 1] else "closed",
                                                "item": b.items[lock - 1], "energised": b.coils[lock - 1]}
                     for b in self.boards.values() for lock in range(1, b.locks + 1)}
            return {"family": self.family, "baud": self.baud, "link": str(self.link.link),
                    "device": self.link.device, "faults": [str(f) for f in self._faults],
                    "slots": slots, "stats": self.stats.as_dict()}

    def _slot(self, slot: str) -> tuple[SimBoard, int]:
        short = parse_short_name(slot)
        if short is None:
            try:
                bus, *short = parse_slot_name(slot)  # type: ignore[assignment]
            except BadSlotName:
                raise SimulatorError(f"bad slot name {slot!r}: expected BOARD-LOCK such as 1-05") from None
            if self.bus is not None and bus != self.bus:
                raise SimulatorError(f"slot {slot} is not on this simulated bus ({self.bus})")
        address, lock = short
        board = self.boards.get(address)
        if board is None or not board.has(lock):
            raise SimulatorError(f"the simulated bus has no slot {slot}")
        return board, lock

    def _check_target(self, fault: Fault) -> None:
        if fault.board is not None:
            board = self.boards.get(fault.board)
            if board is None or (fault.lock is not None and not board.has(fault.lock)):
                raise FaultError(f"fault {fault}: the simulated bus has no such board or slot")

    @staticmethod
    def _matches(fault: Fault, spec: str | Fault) -> bool:
        if isinstance(spec, Fault):
            return fault == spec
        return spec == fault.name or spec == str(fault) or str(fault).startswith(spec + "=")

    # -- faults --------------------------------------------------------------

    def has_fault(self, name: str, board: int, lock: int | None = None) -> bool:
        """Whether a lasting fault of that name touches this board (and lock)."""
        return self._fault(name, board, lock) is not None

    def _fault(self, name: str, board: int, lock: int | None = None) -> Fault | None:
        for fault in self._faults:
            if fault.name == name and fault.applies(board, lock):
                return fault
        return None

    def _consume(self, name: str, board: int) -> Fault | None:
        """The fault if it applies now; a counted one (`=N`) is used up by one."""
        fault = self._fault(name, board)
        if fault is not None and fault in self._counts:
            self._counts[fault] -= 1
            if self._counts[fault] <= 0:
                self._faults.remove(fault)
                del self._counts[fault]
        return fault

    def _add_fault(self, fault: Fault, now: float) -> None:
        log.info("fault: %s", fault)
        if fault.name == "forced":
            board = self.boards[fault.board or 0]
            self._set_door(board, fault.lock or 0, True, now, how="without a command (fault)")
        elif fault.name == "powercycle":
            for board in self.boards.values():
                if fault.applies(board.address):
                    self._power_cycle(board, now, fault.value or 0)
        elif fault.name == "vanish":
            self._vanish(now, fault)
        else:
            if fault not in self._faults:
                self._faults.append(fault)
            if fault.kind.value == "count" and fault.value:
                self._counts[fault] = int(fault.value)

    def _vanish(self, now: float, fault: Fault) -> None:
        self.link.close()
        self._rx.clear()
        if fault.value:
            self.later(now + fault.value, self._reappear)
        else:
            self._faults.append(fault)  # gone until cleared

    def _reappear(self, now: float) -> None:
        if not self.link.is_open and not self._stop.is_set():
            self.link.open()
            log.info("port is back at %s (%s)", self.link.link, self.link.device)

    def _power_cycle(self, board: SimBoard, now: float, seconds: float) -> None:
        board.generation += 1
        board.off_until = now + seconds
        board.busy_until = 0.0
        for index, on in enumerate(board.coils):
            if on:
                board.coils[index] = False
                self.stats.energised -= 1
        log.info("board %d powered off for %g s", board.address, seconds)

    # -- the physical world ----------------------------------------------------

    def energise(self, board: SimBoard, locks: list[int], now: float) -> float:
        """Pulse the latch coils of `locks` from `now`; doors open when the pulse ends. Returns that time."""
        for lock in locks:
            if not board.coils[lock - 1]:
                board.coils[lock - 1] = True
                self.stats.energised += 1
        self.stats.max_energised = max(self.stats.max_energised, self.stats.energised)
        if self.stats.energised > 1:
            log.warning("inrush: %d latches energised at once", self.stats.energised)
        end = now + self.latch

        def release(at: float) -> None:
            for lock in locks:
                if board.coils[lock - 1]:
                    board.coils[lock - 1] = False
                    self.stats.energised -= 1
                if self.has_fault("jam", board.address, lock):
                    log.info("%s: latch jammed, door stays shut", slot_id(board.address, lock))
                else:
                    self._set_door(board, lock, True, at, how="unlocked")

        self.later(end, release, board)
        return end

    def _set_door(self, board: SimBoard, lock: int, opened: bool, now: float, *, how: str) -> None:
        slot = slot_id(board.address, lock)
        if board.doors[lock - 1] == opened:
            return
        board.doors[lock - 1] = opened
        log.info("%s door %s %s", slot, "opened" if opened else "closed", how)
        if opened and self.auto_close is not None:
            self.later(now + self.auto_close, lambda at: self._citizen_done(board, lock, at))

    def _citizen_done(self, board: SimBoard, lock: int, now: float) -> None:
        """Auto mode: the person takes the item and shuts the door (unless a fault says otherwise)."""
        if not board.doors[lock - 1]:
            return
        if not self.has_fault("keepitem", board.address, lock):
            self._set_item(board, lock, False)
        if not self.has_fault("leftopen", board.address, lock):
            self._set_door(board, lock, False, now, how="(auto)")

    def _set_item(self, board: SimBoard, lock: int, present: bool) -> None:
        if board.items[lock - 1] != present:
            board.items[lock - 1] = present
            log.info("%s item %s", slot_id(board.address, lock), "placed" if present else "taken")

    # -- the wire --------------------------------------------------------------

    def transmit(self, board: SimBoard, data: bytes, now: float) -> None:
        """A board sends `data` from `now` (or when the line is free), faults applied."""
        if board.off_until > now:
            return
        if self._consume("noreply", board.address) is not None:
            self.stats.dropped_replies += 1
            return
        if self._consume("badsum", board.address) is not None:
            data = data[:-1] + bytes((data[-1] ^ 0xFF,))
        late = self._fault("late", board.address)
        burst = self._fault("burst", board.address)
        start = max(now + (late.value or 0) / 1000 if late else now, self._tx_free)
        chunks = [data[i:i + 3] for i in range(0, len(data), 3)] if burst else [data]
        at = start
        for index, chunk in enumerate(chunks):
            if index and burst:
                at += (burst.value or 0) / 1000
            # A chunk is handed over when its last byte has crossed the line (as a UART's
            # receive buffer would): one write, so the pty adds its latency once, not per byte.
            at += len(chunk) * self.byte_time
            self._write_at(at, chunk)
        self._tx_start, self._tx_free = start, at
        self.stats.replies += 1

    def later(self, at: float, action: Callable[[float], None], board: SimBoard | None = None) -> None:
        """Run `action(at)` on the simulator's thread at `at` (void if `board` power-cycles first)."""
        step = action
        if board is not None:
            generation = board.generation

            def step(now: float) -> None:
                if board.generation == generation:  # a power cycle voids work started before it
                    action(now)

        heapq.heappush(self._events, (at, next(self._seq), step))

    def _write_at(self, at: float, data: bytes) -> None:
        self.later(at, lambda now: self._write(data))

    def _write(self, data: bytes) -> None:
        if self.link.master is None:
            return
        try:
            os.write(self.link.master, data)
        except OSError as err:
            log.debug("write to the pty failed: %s", err)

    def _receive(self, data: bytes, now: float) -> None:
        """Host bytes read at `now`: each finishes crossing the line one byte time after the previous."""
        echo = any(f.name == "echo" for f in self._faults)
        if echo:  # the adapter hears its own line: each byte comes back as it crosses
            self.stats.echoed_bytes += len(data)
            self._write_at(max(now, self._rx_free) + len(data) * self.byte_time, data)
        for byte in data:
            start = max(now, self._rx_free)
            if start - self._rx_last > FRAME_IDLE and self._rx:
                self.stats.garbage_bytes += len(self._rx)
                self._rx.clear()
            end = start + self.byte_time
            self._rx_free = self._rx_last = end
            if start < self._tx_free and end > self._tx_start:
                self.stats.collisions += 1
            self._rx.append(byte)
            self._parse(end)

    def _parse(self, end: float) -> None:
        firmware = self.firmware
        while self._rx:
            if self._rx[0] not in firmware.heads:
                del self._rx[0]
                self.stats.garbage_bytes += 1
                continue
            if len(self._rx) < firmware.frame_len:
                return
            frame = bytes(self._rx[:firmware.frame_len])
            request = firmware.parse(frame)
            if request is None:
                del self._rx[0]
                self.stats.garbage_bytes += 1
                continue
            del self._rx[:firmware.frame_len]
            self._dispatch(request, end)

    def _dispatch(self, request: Any, end: float) -> None:
        self.stats.frames += 1
        address = self.firmware.address(request)
        lock = getattr(request, "lock", None) or getattr(request, "channel", None)
        self.stats.requests.append(f"{request.command} {address}" + (f"-{lock:02d}" if lock else ""))
        board = self.boards.get(address)
        for lock in self.firmware.unlocks(request, board):
            if 1 <= lock <= 99:
                self.stats.unlock_frames[slot_id(address, lock)] += 1
        if board is None or board.off_until > end or self.has_fault("silent", address):
            return
        start = max(end, board.busy_until) + self.turnaround
        if self.firmware.unlocks(request, board):
            board.busy_until = start + self.latch  # the firmware blocks while the coil is on
        self.later(start, lambda now: self.firmware.execute(self, board, request, now), board)

    # -- the loop --------------------------------------------------------------

    def _call(self, action: Callable[[float], None]) -> None:
        """Run `action` on the simulator's thread (now, and wait for it when the thread runs)."""
        if self._thread is None or threading.current_thread() is self._thread:
            with self._lock:
                action(time.monotonic())
            return
        done = threading.Event()

        def run(now: float) -> None:
            try:
                action(now)
            finally:
                done.set()

        with self._lock:
            self.later(time.monotonic(), run)
        self._wake()
        done.wait(5)

    def _wake(self) -> None:
        try:
            os.write(self._wake_w, b"x")
        except OSError:
            pass

    def _loop(self) -> None:
        tighten_timer_slack()
        while not self._stop.is_set():
            with self._lock:
                due = self._events[0][0] if self._events else time.monotonic() + 0.5
            master = self.link.master
            fds = [self._wake_r] + ([master] if master is not None else [])
            try:
                ready, _, _ = select.select(fds, [], [], min(0.5, max(0.0, due - time.monotonic())))
            except (OSError, ValueError):
                ready = []  # the pty was closed under us (vanish): go round again
            if self._wake_r in ready:
                os.read(self._wake_r, 4096)
            if master is not None and master in ready:
                try:
                    data = os.read(master, 4096)
                except OSError:
                    data = b""
                if data:
                    with self._lock:
                        self._receive(data, time.monotonic())
            with self._lock:
                while self._events and self._events[0][0] <= time.monotonic():
                    at, _, action = heapq.heappop(self._events)
                    try:
                        action(at)
                    except Exception:  # noqa: BLE001 - one bad step must not kill the simulated bus
                        log.exception("simulator step failed")
