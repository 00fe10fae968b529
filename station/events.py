"""The station's events: for the kiosk and operations pages (Server-Sent Events), and to wake its stages.

Publishing never blocks and never fails: a subscriber that cannot keep up
loses its oldest events (it re-reads the state it needs), so a slow
dashboard can never hold up the counter. Events may be published from any
thread; subscribers live on the event loop.

A stage that waits on the spool listens (`EventBus.listen`) for the events
that concern it and rings its `Bell`: it looks at once, not at its next
poll. The event only wakes; the spool stays the truth (ADR 0350): a stage
reads what to do from the spool, and keeps a slow safety poll for what no
event of this process announces (another process, a crash).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("station.events")

QUEUE_LIMIT = 256


@dataclass(frozen=True)
class Event:
    """One thing that happened: `kind` names it (`job`, `slot`, `device`, `alarm`, `kiosk`)."""

    id: int
    kind: str
    data: dict[str, Any]
    at: float = field(default_factory=time.time)


class EventBus:
    """Fan-out of events to any number of subscribers."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self._subscribers: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Event]]] = set()
        self._listeners: dict[str, list[Callable[[Event], None]]] = {}
        self.last: dict[str, Event] = {}

    def publish(self, kind: str, data: dict[str, Any]) -> Event:
        """Send an event to every subscriber; safe from any thread."""
        with self._lock:
            event = Event(next(self._counter), kind, data)
            self.last[kind] = event
            subscribers = list(self._subscribers)
            listeners = list(self._listeners.get(kind, ()))
        for listener in listeners:
            try:
                listener(event)
            except Exception:  # noqa: BLE001 - a listener's fault never stops the publisher
                log.exception("a %s event listener failed", kind)
        for loop, queue in subscribers:
            try:
                loop.call_soon_threadsafe(_offer, queue, event)
            except RuntimeError:  # that subscriber's loop has closed
                with self._lock:
                    self._subscribers.discard((loop, queue))
        return event

    def listen(self, kind: str, listener: Callable[[Event], None]) -> Callable[[], None]:
        """Call `listener` with every `kind` event, in the publisher's thread, as it is published.

        For waking a stage (ring its `Bell`): the listener must neither block
        nor take long, since the publisher may be the counter. Returns the
        way to stop listening.
        """
        with self._lock:
            self._listeners.setdefault(kind, []).append(listener)

        def stop() -> None:
            with self._lock, contextlib.suppress(ValueError):
                self._listeners.get(kind, []).remove(listener)
        return stop

    def subscribe(self) -> Subscription:
        """Events from now on, until the caller stops iterating (or closes the subscription).

        The subscription counts from this call, not from the first read, so a
        reader can say "I am listening" before it waits and lose nothing between.
        """
        return Subscription(self)

    def _add(self, entry: tuple[asyncio.AbstractEventLoop, asyncio.Queue[Event]]) -> None:
        with self._lock:
            self._subscribers.add(entry)

    def _discard(self, entry: tuple[asyncio.AbstractEventLoop, asyncio.Queue[Event]]) -> None:
        with self._lock:
            self._subscribers.discard(entry)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)


class Subscription:
    """One reader's queue on an `EventBus`: registered when made, removed by `aclose()`."""

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus
        self._queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_LIMIT)
        self._entry = (asyncio.get_running_loop(), self._queue)
        bus._add(self._entry)

    def __aiter__(self) -> Subscription:
        return self

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def __anext__(self) -> Event:
        try:
            return await self._queue.get()
        except asyncio.CancelledError:
            # A reader cancelled while waiting has stopped reading: nothing more is queued for it.
            await self.aclose()
            raise

    async def aclose(self) -> None:
        """Stop receiving events."""
        self._bus._discard(self._entry)


class Bell:
    """A waiting stage's doorbell: rung from any thread, waited on with a timeout (the stage's safety poll).

    A ring while the stage is at work is kept for its next wait, so none is
    lost: the stage consumes the ring when it wakes, then reads the spool,
    which already holds every change rung for before that.
    """

    def __init__(self) -> None:
        self._rung = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._async: asyncio.Event | None = None

    def ring(self, *_: object) -> None:
        """Wake the stage (any arguments are ignored: it fits `EventBus.listen` as it is)."""
        self._rung.set()
        loop, flag = self._loop, self._async
        if loop is not None and flag is not None:
            with contextlib.suppress(RuntimeError):  # that loop has closed
                loop.call_soon_threadsafe(flag.set)

    def wait(self, timeout: float) -> bool:
        """(a thread) Until rung, or `timeout` seconds; True when rung."""
        rung = self._rung.wait(timeout)
        self._rung.clear()
        return rung

    async def wait_async(self, timeout: float) -> bool:
        """(the event loop) Until rung, or `timeout` seconds; True when rung."""
        if self._async is None:
            self._loop, self._async = asyncio.get_running_loop(), asyncio.Event()
        try:
            if self._rung.is_set():
                return True
            try:
                async with asyncio.timeout(timeout):
                    await self._async.wait()
            except TimeoutError:
                return False
            return True
        finally:
            self._async.clear()
            self._rung.clear()


def _offer(queue: asyncio.Queue[Event], event: Event) -> None:
    if queue.full():
        queue.get_nowait()  # drop the oldest: the subscriber is too slow
    queue.put_nowait(event)
