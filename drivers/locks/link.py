"""Talking to the boards of one bus: reads, and an unlock with its confirmation.

`bus.LockBus` decides what is asked when (its thread, its queue, the port's
life); this module asks it, one transaction at a time over the transport,
in the bus's dialect, and keeps the board models up to date. A port that
vanishes mid-way is `BusLost`, for the bus to reopen.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

from drivers.serialport import PortError, PortVanished

from .dialect import Dialect
from .errors import FrameError, NoReply, UnlockNotSent, WriteFailed
from .frames import Judge
from .model import BoardModel, Door, LockEvent, Outcome
from .transport import BusTransport

log = logging.getLogger("station.locks.bus")

# Between two confirmation reads after an unlock.
CONFIRM_INTERVAL = 0.01
# An opening this long after its unlock is no longer the unlock's doing.
AUTHORIZE_GRACE = 60.0


class BusLost(Exception):
    """The port vanished in the middle of something."""


class Sent(Protocol):
    """An unlock's future as far as the link marks it (`bus.UnlockFuture`)."""

    def mark_sent(self, wire_end: float) -> None:
        """The frame left (all or some of it): it will never be sent again."""


class BoardLink:
    """One bus's transactions with its boards; the bus's thread is the only caller."""

    def __init__(self, name: str, transport: BusTransport, dialect: Dialect, lock: threading.Condition,
                 emit: Callable[[list[LockEvent]], None], *, reply_timeout: float, confirm_seconds: float) -> None:
        self.name = name
        self.transport = transport
        self.dialect = dialect
        self._lock = lock  # the bus's: board models are read by callers' threads
        self._emit = emit
        self.reply_timeout = reply_timeout
        self.confirm_seconds = confirm_seconds
        self.last_unlock = float("-inf")  # when the last unlock left (inrush spacing)

    def unlock(self, model: BoardModel, lock: int, future: Sent) -> Outcome:
        with self._lock:
            before = model.door(lock)
            model.authorize(lock, time.monotonic() + self.confirm_seconds + AUTHORIZE_GRACE)
        frame, judge = self.dialect.unlock(model.address, lock)
        acked: bool | None = None  # None: the family never acknowledges
        previous_unlock, self.last_unlock = self.last_unlock, time.monotonic()
        try:
            if judge is None:
                self.transport.send(frame, on_sent=future.mark_sent)
            else:
                reply = self._transact_unlock(model, frame, judge, future)
                acked = reply is not None
                if reply is not None:
                    door = self._apply_lock(model, lock, self.dialect.decode_unlock(reply))
                    if door is Door.OPEN:
                        return Outcome.ALREADY_OPEN if before is Door.OPEN else Outcome.OPENED
        except WriteFailed as err:
            if err.sent == 0:
                self.last_unlock = previous_unlock
                with self._lock:
                    model.revoke(lock)
                raise UnlockNotSent(f"unlock {model.slot(lock)} not sent: {err}") from None
            future.mark_sent(time.monotonic())
            if err.vanished:
                raise BusLost(str(err)) from None
            return Outcome.UNKNOWN  # some bytes left: what the board made of them is unknown
        except PortError as err:  # after the write (the echo of an unlock): it left
            raise BusLost(str(err)) from None
        return self._confirm(model, lock, before, acked)

    def _transact_unlock(self, model: BoardModel, frame: bytes, judge: Judge,
                         future: Sent) -> bytes | None:
        """Send an acknowledged unlock; None when its reply did not come (or was garbled)."""
        try:
            return self.transport.transact(frame, judge, self.reply_timeout, on_sent=future.mark_sent)
        except (NoReply, FrameError) as err:
            log.warning("bus %s: %s", self.name, err)
            self.failed(model, str(err))
            return None
        except PortVanished as err:
            raise BusLost(str(err)) from None

    def _confirm(self, model: BoardModel, lock: int, before: Door, acked: bool | None) -> Outcome:
        """Read the lock until it shows open or `confirm_seconds` pass; never send the unlock again."""
        deadline = time.monotonic() + self.confirm_seconds
        last = Door.UNKNOWN
        # A board that stopped answering meanwhile may have lost power and with it the unlock:
        # a shut door after that is not a jammed latch (no alarm), only an unseen effect.
        went_silent = False
        while True:
            # Each read gets the board's full reply time: a read cut short by the deadline would call a
            # slow answer (a loaded host) silence, and a jammed latch "unknown".
            last = self._read_lock(model, lock, timeout=self.reply_timeout)
            if last is Door.OPEN:
                return Outcome.ALREADY_OPEN if before is Door.OPEN else Outcome.OPENED
            went_silent = went_silent or last is Door.UNKNOWN
            if time.monotonic() + CONFIRM_INTERVAL >= deadline:
                break
            time.sleep(CONFIRM_INTERVAL)
        if last is Door.CLOSED and acked is not False and not went_silent:
            return Outcome.JAMMED
        return Outcome.UNKNOWN

    def read_board(self, model: BoardModel, timeout: float | None = None) -> bool:
        frame, judge = self.dialect.read_board(model.address, model.reply_length)
        reply = self._transact(model, frame, judge, timeout or self.reply_timeout)
        if reply is None:
            return False
        try:
            reading = self.dialect.decode_board(model.address, reply, model.locks)
        except FrameError as err:
            self.failed(model, str(err))
            return False
        with self._lock:
            model.reply_length = len(reply)
            events = model.apply(reading, time.monotonic())
        self._emit(events)
        return True

    def _read_lock(self, model: BoardModel, lock: int, timeout: float) -> Door:
        request = self.dialect.read_lock(model.address, lock)
        if request is None:
            if not self.read_board(model, timeout):
                return Door.UNKNOWN
            with self._lock:
                return model.door(lock)
        reply = self._transact(model, *request, timeout)
        if reply is None:
            return Door.UNKNOWN
        try:
            bit = self.dialect.decode_lock(reply)
        except FrameError as err:
            self.failed(model, str(err))
            return Door.UNKNOWN
        return self._apply_lock(model, lock, bit)

    def _apply_lock(self, model: BoardModel, lock: int, bit: bool) -> Door:
        with self._lock:
            events = model.apply_lock(lock, bit, time.monotonic())
            door = model.door(lock)
        self._emit(events)
        return door

    def _transact(self, model: BoardModel, frame: bytes, judge: Judge, timeout: float) -> bytes | None:
        """One read transaction; None (and the board marked silent) if it failed."""
        try:
            return self.transport.transact(frame, judge, timeout)
        except WriteFailed as err:
            if err.vanished:
                raise BusLost(str(err)) from None
            self.failed(model, str(err))
        except PortVanished as err:
            raise BusLost(str(err)) from None
        except (NoReply, FrameError) as err:
            self.failed(model, str(err))
        return None

    def failed(self, model: BoardModel, detail: str) -> None:
        log.debug("bus %s board %d: %s", self.name, model.address, detail)
        with self._lock:
            events = model.fail(detail)
        self._emit(events)
