"""A station folder deep in a tree: the control socket's path is longer than an AF_UNIX address can hold."""

from __future__ import annotations

import asyncio
from pathlib import Path

from station.runtime.control import UNIX_PATH_MAX, ControlClient, ControlServer
from station.events import EventBus
from station.runtime import ops


def test_the_daemon_answers_on_a_socket_path_longer_than_an_address(tmp_path: Path) -> None:
    folder = tmp_path / ("deep-" * 12) / "station" / "run"
    path = folder / "control.sock"
    assert len(str(path).encode()) > UNIX_PATH_MAX

    async def body() -> None:
        server = ControlServer(path, EventBus())
        server.register(ops.STATION_PING, lambda args, actor: _pong())
        await server.start()
        try:
            client = ControlClient(path)
            assert await client.acall(ops.STATION_PING) == {"pong": True}
            assert await asyncio.to_thread(client.call, ops.STATION_PING) == {"pong": True}
        finally:
            await server.stop()
        assert not path.exists()

    asyncio.run(body())


async def _pong() -> dict:
    return {"pong": True}
