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
from collections.abc import AsyncIterator
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

    async def subscribe(self) -> AsyncIterator[Event]:
        """Events from now on, until the caller stops iterating."""
        queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_LIMIT)
        entry = (asyncio.get_running_loop(), queue)
        with self._lock:
            self._subscribers.add(entry)
        try:
            while True:
                yield await queue.get()
        finally:
            with self._lock:
                self._subscribers.discard(entry)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)


def _offer(queue: asyncio.Queue[Event], event: Event) -> None:
    if queue.full():
        queue.get_nowait()  # drop the oldest: the subscriber is too slow
    queue.put_nowait(event)
