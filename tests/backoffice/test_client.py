"""The HTTP client: bounded in time and size, trouble as an answer, and the backoff's shape."""

from __future__ import annotations

import asyncio
import random
import socket
from pathlib import Path

import pytest
from backoffice_support import run
from hypothesis import given
from hypothesis import strategies as st

from station.backoffice.client import Backoff, BackofficeClient, Reply, read_token
from station.errors import ConfigError


@given(base=st.floats(0.001, 10), cap_factor=st.floats(1, 1000), factor=st.floats(1, 4),
       failures=st.integers(0, 200), seed=st.integers(0, 2**32))
def test_backoff_grows_jittered_up_to_the_cap(base: float, cap_factor: float, factor: float, failures: int,
                                              seed: int) -> None:
    backoff = Backoff(base=base, cap=base * cap_factor, factor=factor, rng=random.Random(seed))
    ceilings = []
    for _ in range(failures):
        ceiling = backoff.ceiling()
        delay = backoff.next_delay()
        assert ceiling / 2 <= delay <= ceiling <= backoff.cap
        ceilings.append(ceiling)
    assert ceilings == sorted(ceilings)
    backoff.reset()
    assert backoff.ceiling() == base


def test_backoff_refuses_nonsense() -> None:
    for args in ((0, 1), (2, 1), (1, 2, 0.5)):
        with pytest.raises(ValueError):
            Backoff(*args)


@pytest.mark.parametrize("reply,ok,retryable", [
    (Reply(204), True, False), (Reply(200), True, False), (Reply(None, error="refused"), False, True),
    (Reply(500), False, True), (Reply(503), False, True), (Reply(429), False, True), (Reply(401), False, True),
    (Reply(400), False, False), (Reply(404), False, False), (Reply(422), False, False)])
def test_reply_classes(reply: Reply, ok: bool, retryable: bool) -> None:
    assert (reply.ok, reply.retryable) == (ok, retryable)
    assert reply.describe()


async def serve(handler) -> tuple[asyncio.base_events.Server, str]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}"


def test_a_reply_dripping_in_is_cut_at_the_deadline() -> None:
    async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(1000):  # one byte every 50 ms: no single read ever times out
            writer.write(b" ")
            await writer.drain()
            await asyncio.sleep(0.05)

    async def scenario() -> Reply:
        server, url = await serve(drip)
        async with BackofficeClient(url, "t", timeout=0.5) as http:
            reply = await http.get_documents("S1", None, 5)
        server.close()
        return reply

    reply = run(scenario())
    assert reply.status is None and reply.retryable and "within 0.5 s" in (reply.error or "")


def test_an_oversized_reply_is_refused() -> None:
    async def flood(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100000)
        await writer.drain()
        writer.close()

    async def scenario() -> Reply:
        server, url = await serve(flood)
        async with BackofficeClient(url, "t", timeout=5, max_reply_bytes=10_000) as http:
            reply = await http.get_documents("S1", None, 5)
        server.close()
        return reply

    reply = run(scenario())
    assert reply.status is None and "larger than 10000" in (reply.error or "")


def test_what_the_client_sends() -> None:
    seen: list[bytes] = []

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length")), 0)
        seen.append(head + await reader.readexactly(length))
        writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
        await writer.drain()
        writer.close()

    async def scenario() -> list[Reply]:
        server, url = await serve(record)
        async with BackofficeClient(url + "/", "secret-token", timeout=5) as http:
            replies = [await http.get_documents("MPP-01", "c:1", 7),
                       await http.get_documents("MPP-01", None, 7),
                       await http.post_event("AK-1:2", {"event": "held", "at": "x", "station": "MPP-01",
                                                        "detail": {}})]
        server.close()
        return replies

    replies = run(scenario())
    assert [r.status for r in replies] == [204, 204, 204]
    assert seen[0].startswith(b"GET /api/v1/stations/MPP-01/documents?after=c%3A1&limit=7 HTTP/1.1\r\n")
    assert seen[1].startswith(b"GET /api/v1/stations/MPP-01/documents?after=&limit=7 HTTP/1.1\r\n")
    assert seen[2].startswith(b"POST /api/v1/documents/AK-1%3A2/events HTTP/1.1\r\n")
    assert b"\r\nauthorization: bearer secret-token\r\n" in seen[0].lower()
    assert seen[2].endswith(b'{"event":"held","at":"x","station":"MPP-01","detail":{}}')


def test_no_server_and_bad_addresses_are_answers_not_exceptions() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def scenario() -> list[Reply]:
        replies = []
        for url in (f"http://127.0.0.1:{port}", "http://no-such-host.invalid", "ftp://127.0.0.1"):
            async with BackofficeClient(url, "t", timeout=2) as http:
                replies.append(await http.get_documents("S1", None, 5))
                replies.append(await http.post_event("D1", {"event": "held"}))
        return replies

    for reply in run(scenario()):
        assert reply.status is None and reply.retryable and reply.error


def test_read_token(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("  abc.def-123\n")
    assert read_token(path) == "abc.def-123"
    for text in ("", "two words", "\n"):
        path.write_text(text)
        with pytest.raises(ConfigError):
            read_token(path)
    with pytest.raises(ConfigError, match="token_file"):
        read_token(tmp_path / "missing")
