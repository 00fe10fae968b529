"""One lock bus at work: a dedicated thread, the only one that talks on the port.

Unlocks go ahead of everything else: they wait in a priority queue that the
thread checks before each transaction, and polls are only made when nothing
is queued. The thread sleeps on a condition, so a new unlock wakes it at once;
the only waits in an unlock's way are the transaction already on the wire,
the protocol's idle gap and the inrush spacing between two unlocks.

This module decides what is asked when; the transactions themselves (reads,
the unlock and its confirmation) are `link.BoardLink`'s. An unlock is sent
once. If the board's reply or the following reads do not show the door open, the outcome is `jammed` (the board took it and kept
answering, the latch stayed shut) or `unknown` (the effect was not seen, or
the board fell silent meanwhile: a power cut loses the unlock); neither is
retried.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Literal

import serial

from drivers.serialport import Backoff, PortDenied, PortError, PortVanished, open_port, tighten_timer_slack

from .dialect import check_bus, closed_bit, dialect
from .errors import LockError, UnknownSlot, UnlockNotSent
from .model import BoardModel, BusState, EventKind, LockEvent, Outcome, SlotStatus
from .link import BoardLink, BusLost
from .settings import BusSettings
from .transport import BusTransport

log = logging.getLogger("station.locks.bus")

EventSink = Callable[[LockEvent], None]
# A board that failed a read is asked again after this long (a late reply has time to die out).
RETRY_SECONDS = 2.0


class UnlockFuture(Future[Outcome]):
    """The pending outcome of one unlock; `sent` is set once its last byte is on its way."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = threading.Event()
        self.wire_end: float | None = None  # monotonic time the frame's last byte is due on the wire

    def mark_sent(self, wire_end: float) -> None:
        """The frame left (all of it, or some of it): it will never be sent again."""
        if self.wire_end is None:
            self.wire_end = wire_end
        self.sent.set()


@dataclass(order=True)
class _Job:
    priority: int
    seq: int
    kind: Literal["unlock", "read"] = field(compare=False)
    board: BoardModel = field(compare=False)
    lock: int = field(compare=False, default=0)
    future: Future[Any] = field(compare=False, default_factory=Future)
    send_by: float | None = field(compare=False, default=None)


class LockBus:
    """One serial lock bus with its boards; thread-safe, usable from threads or asyncio."""

    def __init__(self, section: BusSettings, *, on_event: EventSink | None = None, poll: bool = True,
                 open_alarm_seconds: float | None = None,
                 opener: Callable[[str, int], serial.Serial] = open_port) -> None:
        self.section = section
        self.name = section.name
        self.dialect = dialect(section.family)
        check_bus(section, self.dialect)
        self.baud = section.baud or self.dialect.baud
        self.poll_seconds = section.poll_seconds
        self.unlock_spacing = section.unlock_spacing_ms / 1000
        self.open_alarm_seconds = open_alarm_seconds
        gap = self.dialect.gap if section.gap_ms is None else section.gap_ms / 1000
        self.transport = BusTransport(section.port, self.baud, quiet=section.quiet_ms / 1000, gap=gap,
                                      echo=section.echo, opener=opener)
        self.boards = {b.address: BoardModel(self.name, b.address, b.locks,
                                             closed_bit=closed_bit(section.family, b.locked_bit, b.feedback),
                                             has_items=self.dialect.has_items)
                       for b in section.boards}
        self.state = BusState.STARTING
        self.on_event = on_event
        self._polling = poll
        self._cond = threading.Condition()
        self.link = BoardLink(self.name, self.transport, self.dialect, self._cond, self._emit,
                              reply_timeout=section.reply_timeout_seconds or self.dialect.reply_timeout,
                              confirm_seconds=section.confirm_seconds)
        self._jobs: list[_Job] = []
        self._seq = itertools.count()
        self._next_poll = {address: 0.0 for address in self.boards}
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._backoff = Backoff()

    @property
    def confirm_seconds(self) -> float:
        """How long an unlock's effect is looked for (settable: a slow latch in a test)."""
        return self.link.confirm_seconds

    @confirm_seconds.setter
    def confirm_seconds(self, seconds: float) -> None:
        self.link.confirm_seconds = seconds

    # -- life --------------------------------------------------------------

    def start(self, *, require_port: bool = False) -> None:
        """Open the port and start the bus thread.

        A denied port is a configuration error and is raised. A missing port
        is raised only with `require_port`; otherwise the bus starts
        `unreachable` and keeps trying in bounded cycles.
        """
        if self._thread is not None:
            return
        try:
            self._open()
        except PortDenied:
            raise
        except PortError as err:
            if require_port:
                raise
            self._unreachable(str(err))
        self._thread = threading.Thread(target=self._run, name=f"lockbus-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread (after its current transaction) and close the port."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._thread = None
        self.transport.close()
        self.state = BusState.STOPPED
        self._fail_jobs("the lock bus was stopped")

    # -- what callers use ----------------------------------------------------

    def has_slot(self, board: int, lock: int) -> bool:
        """Whether this bus drives that board and lock."""
        model = self.boards.get(board)
        return model is not None and 1 <= lock <= model.locks

    def submit_unlock(self, board: int, lock: int, *, send_within: float | None = 2.0) -> UnlockFuture:
        """Queue an unlock ahead of any poll; its future gives the `Outcome`.

        Raises `UnlockNotSent` at once if the bus is unreachable; the future
        fails with it if the frame cannot leave within `send_within` seconds.
        Either way nothing moved.
        """
        model = self._board(board, lock)
        future = UnlockFuture()
        with self._cond:
            if self.state is not BusState.ONLINE:
                raise UnlockNotSent(f"unlock {model.slot(lock)} not sent: bus {self.name} is {self.state.value}")
            send_by = None if send_within is None else time.monotonic() + send_within
            heapq.heappush(self._jobs, _Job(0, next(self._seq), "unlock", model, lock, future, send_by))
            self._cond.notify_all()
        return future

    def unlock(self, board: int, lock: int, *, send_within: float | None = 2.0) -> Outcome:
        """Unlock one lock and return what happened (`UnlockNotSent` if its bytes never left)."""
        return self.submit_unlock(board, lock, send_within=send_within).result()

    def read_boards(self, addresses: list[int] | None = None, timeout: float | None = None) -> None:
        """Read these boards (all by default) now, after any queued unlock, and wait for the reads."""
        futures = []
        with self._cond:
            if self.state is not BusState.ONLINE:
                return
            for address in addresses if addresses is not None else sorted(self.boards):
                future: Future[Any] = Future()
                heapq.heappush(self._jobs, _Job(1, next(self._seq), "read", self.boards[address], 0, future))
                futures.append(future)
            self._cond.notify_all()
        for future in futures:
            try:
                future.result(timeout)
            except (UnlockNotSent, PortError, TimeoutError):
                pass  # the statuses say unknown; that is the answer

    def status(self, board: int, lock: int) -> SlotStatus:
        """What is known of one slot now."""
        model = self._board(board, lock)
        with self._cond:
            return model.status(lock)

    def statuses(self) -> list[SlotStatus]:
        """What is known of every slot of this bus, in board then lock order."""
        with self._cond:
            return [model.status(lock) for _, model in sorted(self.boards.items())
                    for lock in range(1, model.locks + 1)]

    def _board(self, board: int, lock: int) -> BoardModel:
        if not self.has_slot(board, lock):
            raise UnknownSlot(f"bus {self.name} has no board {board} lock {lock}")
        return self.boards[board]

    # -- the thread --------------------------------------------------------

    def _run(self) -> None:
        tighten_timer_slack()
        while not self._stopping:
            try:
                if not self.transport.is_open:
                    self._reconnect()
                    continue
                job = self._take()
                if job is None:
                    continue
                if isinstance(job, BoardModel):
                    self._poll(job)
                else:
                    self._run_job(job)
            except BusLost as lost:
                self._lose(str(lost))
            except Exception:  # noqa: BLE001 - the bus thread must outlive any bug in one step
                log.exception("bus %s: unexpected error; reopening the port", self.name)
                self._lose("unexpected error in the bus thread")

    def _run_job(self, job: _Job) -> None:
        """Run a caller's job; whatever happens, its future gets an answer."""
        try:
            if job.kind == "unlock":
                self._run_unlock(job)
            else:
                self._run_read(job)
        finally:
            future = job.future
            if not future.done():
                if job.kind != "unlock":
                    future.set_exception(LockError(f"bus {self.name}: the read failed"))
                elif isinstance(future, UnlockFuture) and future.sent.is_set():
                    future.set_result(Outcome.UNKNOWN)  # it left: never "not sent", never again
                else:
                    future.set_exception(UnlockNotSent(f"unlock {job.board.slot(job.lock)} not sent:"
                                                       " internal error on the bus"))

    def _take(self) -> _Job | BoardModel | None:
        with self._cond:
            while not self._stopping and self.transport.is_open:
                if self._jobs:
                    return heapq.heappop(self._jobs)
                if not self._polling:
                    self._cond.wait()
                    continue
                address, due = min(self._next_poll.items(), key=lambda item: item[1])
                wait = due - time.monotonic()
                if wait <= 0:
                    return self.boards[address]
                self._cond.wait(wait)
        return None

    def _poll(self, model: BoardModel) -> None:
        answered = self.link.read_board(model)
        now = time.monotonic()
        self._next_poll[model.address] = now + (self.poll_seconds if answered else RETRY_SECONDS)
        with self._cond:
            events = model.overdue(now, self.open_alarm_seconds)
        self._emit(events)

    def _run_read(self, job: _Job) -> None:
        if not job.future.set_running_or_notify_cancel():
            return
        answered = self.link.read_board(job.board)
        self._next_poll[job.board.address] = time.monotonic() + (
            self.poll_seconds if answered else RETRY_SECONDS)
        job.future.set_result(answered)

    def _run_unlock(self, job: _Job) -> None:
        future = job.future
        assert isinstance(future, UnlockFuture)
        if not future.set_running_or_notify_cancel():
            return  # the caller gave up before the frame left: nothing was sent
        slot = job.board.slot(job.lock)
        wait = self.link.last_unlock + self.unlock_spacing - time.monotonic()
        if job.send_by is not None and time.monotonic() + max(0.0, wait) > job.send_by:
            future.set_exception(UnlockNotSent(f"unlock {slot} not sent: the bus was busy too long"))
            return
        if wait > 0:
            time.sleep(wait)  # inrush: never two latches energised at once
        lost: str | None = None
        try:
            outcome = self.link.unlock(job.board, job.lock, future)
        except UnlockNotSent as err:
            future.set_exception(err)
            if not self.transport.is_open:
                self._lose(str(err))
            return
        except BusLost as err:
            outcome, lost = Outcome.UNKNOWN, str(err)
        log.info("bus %s: unlock %s: %s", self.name, slot, outcome.value)
        future.set_result(outcome)
        if lost is not None:
            self._lose(lost)

    # -- losing and finding the port ----------------------------------------

    def _open(self) -> None:
        first = min(self.boards)
        self.transport.open(probe=self.dialect.echo_probe(first))
        with self._cond:
            previous, self.state = self.state, BusState.ONLINE
        self._backoff.reset()
        self._next_poll = {address: 0.0 for address in self.boards}
        if previous is BusState.UNREACHABLE:
            self._emit([LockEvent(EventKind.BUS_BACK, self.name, detail=self.section.port)])

    def _reconnect(self) -> None:
        try:
            self._open()
        except PortError as err:
            self._unreachable(str(err))
            with self._cond:
                if not self._stopping:
                    self._cond.wait(self._backoff.delay())

    def _unreachable(self, detail: str) -> None:
        with self._cond:
            previous, self.state = self.state, BusState.UNREACHABLE
            for model in self.boards.values():
                model.forget()
        self._fail_jobs(f"bus {self.name} is unreachable: {detail}")
        if previous is not BusState.UNREACHABLE:
            log.warning("bus %s unreachable: %s", self.name, detail)
            self._emit([LockEvent(EventKind.BUS_UNREACHABLE, self.name, detail=detail)])

    def _lose(self, detail: str) -> None:
        self.transport.close()
        self._unreachable(detail)

    def _fail_jobs(self, reason: str) -> None:
        with self._cond:
            jobs, self._jobs = self._jobs, []
        for job in jobs:
            if job.future.set_running_or_notify_cancel():
                if job.kind == "unlock":
                    job.future.set_exception(UnlockNotSent(f"unlock {job.board.slot(job.lock)} not sent: {reason}"))
                else:
                    job.future.set_exception(PortVanished(reason))

    def _emit(self, events: list[LockEvent]) -> None:
        if self.on_event is None:
            return
        for event in events:
            try:
                self.on_event(event)
            except Exception:  # noqa: BLE001 - a listener's bug must not stop the bus
                log.exception("bus %s: event listener failed on %s", self.name, event.kind.value)
