"""Live events for the kiosk and operations pages (Server-Sent Events).

Publishing never blocks and never fails: a subscriber that cannot keep up
loses its oldest events (it re-reads the state it needs), so a slow
dashboard can never hold up the counter. Events may be published from any
thread; subscribers live on the event loop.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

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
        self.last: dict[str, Event] = {}

    def publish(self, kind: str, data: dict[str, Any]) -> Event:
        """Send an event to every subscriber; safe from any thread."""
        with self._lock:
            event = Event(next(self._counter), kind, data)
            self.last[kind] = event
            subscribers = list(self._subscribers)
        for loop, queue in subscribers:
            try:
                loop.call_soon_threadsafe(_offer, queue, event)
            except RuntimeError:  # that subscriber's loop has closed
                with self._lock:
                    self._subscribers.discard((loop, queue))
        return event

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


def _offer(queue: asyncio.Queue[Event], event: Event) -> None:
    if queue.full():
        queue.get_nowait()  # drop the oldest: the subscriber is too slow
    queue.put_nowait(event)
