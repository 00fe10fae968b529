"""The event relay stops when asked, even when a cancel is lost inside a call that was just completing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from station.events import EventBus
from station.web.relay import EventRelay


class _SwallowingControl:
    """A daemon client whose ping eats the cancel, as `asyncio.wait_for` can on Python 3.11."""

    def __init__(self) -> None:
        self.pings = 0

    async def acall(self, op: str, args: dict[str, Any] | None = None, actor: str = "system") -> Any:
        self.pings += 1
        try:
            await asyncio.sleep(0.05)
        except asyncio.CancelledError:
            pass  # the lost cancel
        return {"ready": True}

    async def events(self) -> AsyncIterator[dict[str, Any]]:
        if False:  # an empty stream: the daemon closed it at once
            yield {}


def test_stop_ends_the_relay_although_a_cancel_was_lost() -> None:
    async def scenario() -> tuple[bool, int]:
        control = _SwallowingControl()
        relay = EventRelay(control, EventBus())  # type: ignore[arg-type]
        relay.start()
        while control.pings == 0:
            await asyncio.sleep(0.01)
        stopper = asyncio.ensure_future(relay.stop())
        done, _ = await asyncio.wait({stopper}, timeout=5)
        return stopper in done, control.pings

    stopped, pings = asyncio.run(scenario())
    assert stopped, "relay.stop() did not return: the web process would never finish its shutdown"
    assert pings >= 1
