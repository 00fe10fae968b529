"""The daemon's control socket: commands and live events for the web app and tools.

The spool API and pages run in a process of their own, so that a dashboard
hammering them can never slow the counter. What only the daemon can do
(drive a lock, take a scan, check a PIN) and its live events reach that
process over this Unix socket, as JSON lines:

    request   {"id": 1, "op": "slot.open", "actor": "technician:budi", "args": {...}}
    reply     {"id": 1, "ok": true, "result": {...}}
              {"id": 1, "ok": false, "error": "slot 1-03 is out of service", "status": 409}
    subscribe {"id": 2, "op": "events.subscribe"}  -> {"event": {"id", "kind", "data", "at"}} lines until closed

Command names follow one scheme, `noun.verb`, listed in `ops.py`; an unknown one answers 404.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

from station.errors import REPORTED, StationError
from station.events import EventBus
from station.runtime import ops

log = logging.getLogger("station.control")

# An AF_UNIX address holds 107 bytes at most, and a station folder deep in a tree (a temporary
# one, a test's) makes a longer socket path: then the address goes through the folder's descriptor.
UNIX_PATH_MAX = 107


@contextlib.contextmanager
def unix_address(path: Path) -> Iterator[str]:
    """An address for bind() or connect() of the socket at `path`, short enough whatever its length."""
    if len(os.fsencode(path)) <= UNIX_PATH_MAX:
        yield str(path)
        return
    folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        yield f"/proc/self/fd/{folder}/{path.name}"
    finally:
        os.close(folder)


Handler = Callable[[dict[str, Any], str], Awaitable[Any]]
MAX_LINE = 64 * 1024


class ControlError(StationError):
    """The daemon refused a command or could not be reached."""


class ControlServer:
    """Serves registered commands and the event stream on a Unix socket."""

    def __init__(self, path: Path, events: EventBus) -> None:
        self.path = path
        self.events = events
        self.handlers: dict[str, Handler] = {}
        self._server: asyncio.AbstractServer | None = None
        self._bound: tuple[int, int] | None = None  # (st_dev, st_ino) of the socket this server made

    def register(self, op: str, handler: Handler) -> None:
        """Make `op` callable; the handler gets `(args, actor)` and returns JSON-able data."""
        self.handlers[ops.check(op)] = handler

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        # Socket mode 0600: whoever connects may claim any actor, so only the station's own user may.
        old_umask = os.umask(0o177)
        try:
            with unix_address(self.path) as address:
                self._server = await asyncio.start_unix_server(self._serve, path=address, limit=MAX_LINE)
        finally:
            os.umask(old_umask)
        self._bound = _identity(self.path)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2):
                    await self._server.wait_closed()
        # Only the socket this server made: one bound here since by someone else is theirs to keep.
        if self._bound is not None and _identity(self.path) == self._bound:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
        self._bound = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                try:
                    request = json.loads(line)
                    if not isinstance(request, dict):
                        raise ValueError("request must be an object")
                except ValueError as err:
                    await _send(writer, {"id": None, "ok": False, "error": f"bad request: {err}", "status": 400})
                    continue
                if request.get("op") == ops.EVENTS_SUBSCRIBE:
                    await self._stream(writer)
                    return
                await _send(writer, await self._call(request))
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        except asyncio.CancelledError:
            # The server is closing: end this connection quietly (this task is ours alone).
            pass
        finally:
            writer.close()

    async def _call(self, request: dict[str, Any]) -> dict[str, Any]:
        ident, op = request.get("id"), request.get("op")
        handler = self.handlers.get(op) if isinstance(op, str) else None
        if handler is None:
            return {"id": ident, "ok": False, "error": f"unknown command {op!r}", "status": 404}
        args = request.get("args") or {}
        actor = request.get("actor") or "system"
        if not isinstance(args, dict) or not isinstance(actor, str):
            return {"id": ident, "ok": False, "error": "args must be an object, actor a string", "status": 400}
        try:
            return {"id": ident, "ok": True, "result": await handler(args, actor)}
        except asyncio.CancelledError:
            raise
        except REPORTED as err:
            return {"id": ident, "ok": False, "error": str(err),
                    "status": getattr(err, "http_status", 409)}
        except Exception as err:  # noqa: BLE001 - a command must never take the daemon down
            log.exception("control command %s failed", op)
            return {"id": ident, "ok": False, "error": f"internal error: {type(err).__name__}", "status": 500}

    async def _stream(self, writer: asyncio.StreamWriter) -> None:
        async with self.events.subscribe() as events:
            async for event in events:
                await _send(writer, {"event": {"id": event.id, "kind": event.kind, "data": event.data,
                                               "at": event.at}})


def _identity(path: Path) -> tuple[int, int] | None:
    """(st_dev, st_ino) of what is at `path` now, None when nothing is."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


async def _send(writer: asyncio.StreamWriter, message: dict[str, Any]) -> None:
    writer.write(json.dumps(message, default=str).encode() + b"\n")
    await writer.drain()


class ControlClient:
    """Calls the daemon over its control socket (from the web app or a tool)."""

    def __init__(self, path: Path, timeout: float = 10.0) -> None:
        self.path = path
        self.timeout = timeout

    def call(self, op: str, args: dict[str, Any] | None = None, actor: str = "system") -> Any:
        """One command, blocking; `ControlError` with the daemon's message when refused."""
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(self.timeout)
                with unix_address(self.path) as address:
                    sock.connect(address)
                sock.sendall(json.dumps({"id": 1, "op": op, "args": args or {}, "actor": actor}).encode() + b"\n")
                reply = _read_line(sock)
        except (OSError, TimeoutError) as err:
            raise ControlError(f"the station daemon is not reachable ({self.path}): {err}",
                               http_status=503) from None
        return _result(reply)

    async def acall(self, op: str, args: dict[str, Any] | None = None, actor: str = "system") -> Any:
        """One command, from asyncio code."""
        try:
            with unix_address(self.path) as address:
                async with asyncio.timeout(self.timeout):
                    reader, writer = await asyncio.open_unix_connection(address, limit=MAX_LINE)
            try:
                writer.write(json.dumps({"id": 1, "op": op, "args": args or {}, "actor": actor}).encode() + b"\n")
                await writer.drain()
                async with asyncio.timeout(self.timeout):
                    line = await reader.readline()
            finally:
                writer.close()
        except (OSError, TimeoutError) as err:
            raise ControlError(f"the station daemon is not reachable ({self.path}): {err}",
                               http_status=503) from None
        return _result(line)

    async def events(self) -> AsyncIterator[dict[str, Any]]:
        """Live events until the daemon goes away."""
        try:
            with unix_address(self.path) as address:
                reader, writer = await asyncio.open_unix_connection(address, limit=MAX_LINE)
        except OSError as err:
            raise ControlError(f"the station daemon is not reachable: {err}", http_status=503) from None
        try:
            writer.write(json.dumps({"id": 1, "op": ops.EVENTS_SUBSCRIBE}).encode() + b"\n")
            await writer.drain()
            while line := await reader.readline():
                message = json.loads(line)
                if "event" in message:
                    yield message["event"]
        finally:
            writer.close()


def _read_line(sock: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
        if len(data) > MAX_LINE:
            raise OSError("reply too long")
    return data


def _result(line: bytes) -> Any:
    if not line:
        raise ControlError("the station daemon closed the connection", http_status=503)
    reply = json.loads(line)
    if not reply.get("ok"):
        raise ControlError(reply.get("error", "refused"), http_status=int(reply.get("status", 409)))
    return reply.get("result")
