"""The control socket: commands, refusals and the live event stream."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest

from station.runtime.control import ControlClient, ControlError, ControlServer
from station.errors import StationError
from station.events import EventBus


async def _with_server(tmp_path: Path, body) -> None:
    events = EventBus()
    server = ControlServer(tmp_path / "run" / "station.sock", events)

    async def echo(args: dict, actor: str) -> dict:
        return {"args": args, "actor": actor}

    async def refuse(args: dict, actor: str) -> dict:
        raise StationError("slot 1-03 is out of service", http_status=409)

    async def crash(args: dict, actor: str) -> dict:
        raise RuntimeError("boom")

    server.register("test.echo", echo)
    server.register("test.refuse", refuse)
    server.register("test.crash", crash)
    await server.start()
    try:
        await body(server, events, ControlClient(server.path, timeout=5))
    finally:
        await server.stop()


def test_commands_and_errors(tmp_path: Path) -> None:
    async def body(server: ControlServer, events: EventBus, client: ControlClient) -> None:
        assert stat.S_IMODE(server.path.stat().st_mode) == 0o600
        result = await client.acall("test.echo", {"slot": "1-03"}, actor="technician:budi")
        assert result == {"args": {"slot": "1-03"}, "actor": "technician:budi"}
        blocking = await asyncio.to_thread(client.call, "test.echo", {"n": 1})
        assert blocking["args"] == {"n": 1}
        with pytest.raises(ControlError) as refused:
            await client.acall("test.refuse")
        assert refused.value.http_status == 409 and "out of service" in str(refused.value)
        with pytest.raises(ControlError) as crashed:
            await client.acall("test.crash")
        assert crashed.value.http_status == 500
        with pytest.raises(ControlError) as unknown:
            await client.acall("test.nope")
        assert unknown.value.http_status == 404
        # garbage on the socket does not take the server down
        reader, writer = await asyncio.open_unix_connection(str(server.path))
        writer.write(b"{not json\n")
        await writer.drain()
        assert b'"ok": false' in await reader.readline()
        writer.close()
        assert (await client.acall("test.echo"))["actor"] == "system"

    asyncio.run(_with_server(tmp_path, body))


def test_event_stream(tmp_path: Path) -> None:
    async def body(server: ControlServer, events: EventBus, client: ControlClient) -> None:
        received: list[dict] = []

        async def listen() -> None:
            async for event in client.events():
                received.append(event)
                if len(received) == 2:
                    return

        task = asyncio.create_task(listen())
        while events.subscriber_count == 0:
            await asyncio.sleep(0.01)
        events.publish("slot", {"slot": "1-03", "door": "open"})
        await asyncio.to_thread(events.publish, "job", {"job": "AKTA-1", "state": "released"})
        await asyncio.wait_for(task, 5)
        assert [e["kind"] for e in received] == ["slot", "job"]
        assert received[0]["data"]["door"] == "open"

    asyncio.run(_with_server(tmp_path, body))


def test_daemon_not_running_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ControlError, match="not reachable") as err:
        ControlClient(tmp_path / "missing.sock").call("test.echo")
    assert err.value.http_status == 503
