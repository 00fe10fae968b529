"""Live events: the daemon's event stream relayed to the pages as Server-Sent Events.

One task in the web process follows the daemon's control socket and
re-publishes every event on a local `EventBus`; each SSE response subscribes
to that bus. The daemon therefore serves one subscriber however many pages
are open. When the daemon goes away the relay says so (`station` event,
`online: false`) and reconnects with a growing delay.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from spool.rfc3339 import format_time
from typing import Any

from station.runtime.control import ControlClient, ControlError
from station.events import Event, EventBus
from station.runtime import ops

log = logging.getLogger("station.web.relay")

RECONNECT_S = (0.5, 5.0)
KEEPALIVE_S = 15.0
STOP_RETRY_S = 0.5


class EventRelay:
    """Follows the daemon's events and fans them out inside the web process."""

    def __init__(self, control: ControlClient, bus: EventBus,
                 observe: Callable[[str, dict[str, Any], float | None], None] | None = None) -> None:
        self.control = control
        self.bus = bus
        self.observe = observe
        self.online = False
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> None:
        """Start following the daemon (on the running loop)."""
        self._task = asyncio.create_task(self._follow(), name="event-relay")

    async def stop(self) -> None:
        """Stop following, for sure: a cancel that lands just as a call completes can be lost, so ask again."""
        self._stopping = True
        task = self._task
        while task is not None and not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=STOP_RETRY_S)
        if task is not None and not task.cancelled():
            with contextlib.suppress(Exception):
                task.result()

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        """Publish an event that happened in the web process (an action taken here)."""
        self.bus.publish(kind, data)

    def _set_online(self, online: bool) -> None:
        if online != self.online:
            self.online = online
            self.bus.publish("station", {"online": online})

    async def _follow(self) -> None:
        delay = RECONNECT_S[0]
        while not self._stopping:
            try:
                # A ping first: the event stream says nothing until something happens.
                await self.control.acall(ops.STATION_PING)
                self._set_online(True)
                async for event in self.control.events():
                    delay = RECONNECT_S[0]
                    kind, data = str(event.get("kind", "")), event.get("data")
                    if not kind or not isinstance(data, dict):
                        continue
                    if self.observe is not None:
                        at = event.get("at")
                        self.observe(kind, data, at if isinstance(at, int | float) else None)
                    self.bus.publish(kind, data)
                # The stream ended: the daemon closed it (stopping).
            except asyncio.CancelledError:
                raise
            except (ControlError, OSError, ValueError) as err:
                log.debug("daemon events unavailable: %s", err)
            except Exception:  # noqa: BLE001 - the relay must outlive any bad event
                log.exception("event relay failed")
            self._set_online(False)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_S[1])


def rfc3339(moment: float) -> str:
    """Seconds since the epoch as an RFC 3339 UTC time with milliseconds (`2026-11-28T07:05:09.120Z`)."""
    return format_time(datetime.fromtimestamp(moment, UTC))


def sse_frame(event: Event, data: dict[str, Any]) -> bytes:
    """One Server-Sent Event: `id`, `event` (the kind), `data` (JSON with `at`, RFC 3339)."""
    body = json.dumps({"kind": event.kind, "data": data, "at": rfc3339(event.at)}, ensure_ascii=False,
                      separators=(",", ":"), default=str)
    return f"id: {event.id}\nevent: {event.kind}\ndata: {body}\n\n".encode()


async def sse_stream(bus: EventBus, relay: EventRelay, *, kinds: frozenset[str] | None,
                     shape: Callable[[str, dict[str, Any]], dict[str, Any]],
                     stopping: asyncio.Event) -> AsyncIterator[bytes]:
    """Events for one page: first whether the station is online, then each event, shaped for its reader.

    The page listens before it is told hello, so whatever it reads after the
    hello (its fresh view) and every event from then on fit together.
    """
    events = bus.subscribe()
    pending: asyncio.Future[Event] | None = None
    stop_wait = asyncio.ensure_future(stopping.wait())
    try:
        yield b"retry: 2000\n\n"
        hello = Event(0, "station", {"online": relay.online})
        yield sse_frame(hello, hello.data)
        while not stopping.is_set():
            if pending is None:
                pending = asyncio.ensure_future(anext(events))
            # Wait without cancelling the pending read, so no event is lost to a keepalive.
            done, _ = await asyncio.wait({pending, stop_wait}, timeout=KEEPALIVE_S,
                                         return_when=asyncio.FIRST_COMPLETED)
            if pending not in done:
                if not stopping.is_set():
                    yield b": keepalive\n\n"
                continue
            event, pending = pending.result(), None
            if kinds is None or event.kind in kinds:
                yield sse_frame(event, shape(event.kind, event.data))
    finally:
        stop_wait.cancel()
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pending
        await events.aclose()
