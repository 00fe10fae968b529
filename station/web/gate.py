"""A web app's door: who is asking, and how much they may send, before any body is read.

A pure ASGI middleware in front of every route:

1. The app's `guard` looks at the path and the headers alone and names
   the caller (handed on as `scope["user"]`), or refuses with a
   StationError's status (401 without a credential) before a byte of the
   body is read. The station's app guards everything under `/api/` with
   a staff bearer token or the kiosk key (the route's `Requirement` then
   checks the role); the command center guards its Alertmanager webhook.
2. A declared `Content-Length` over the path's cap is 413 at once; paths
   with a cap of 0 (probes, pages, static files) take no body at all.
3. A body within the cap is read here, counting bytes as they arrive (a
   chunked body is cut the moment it passes the cap: 413), within a time
   limit (408), and handed to the app whole. Memory per request is bounded
   by the cap, whatever the client sends or how slowly.

Refusals are RFC 9457 problem details, as everywhere else in the app.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from station.config import Config
from station.errors import StationError

from .respond import problem_response

# Who is asking, from the path and headers: the caller, or None for a path anyone may use; raises a
# StationError (its http_status: 401, 415...) to refuse.
Guard = Callable[[str, Headers], Any]

API_PREFIX = "/api/"
KIOSK_PREFIX = "/api/v1/kiosk"


@dataclass(frozen=True)
class BodyLimits:
    """How many bytes a request body may have, by path; and how long it may take to arrive."""

    api: int
    kiosk: int
    timeout_s: float

    @classmethod
    def from_config(cls, cfg: Config) -> BodyLimits:
        """The limits of `[api]`."""
        return cls(api=cfg.api.max_body_bytes, kiosk=cfg.api.kiosk_max_body_bytes,
                   timeout_s=cfg.api.body_timeout_seconds)

    def cap(self, path: str) -> int:
        """The most a body to `path` may hold: the kiosk's routes less, pages and probes nothing."""
        if path == KIOSK_PREFIX or path.startswith(KIOSK_PREFIX + "/"):
            return self.kiosk
        return self.api if path.startswith(API_PREFIX) else 0


class _BodyRejected(Exception):
    """A request body the gate will not read (too large, too slow, a bad length): answered with `status`."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


class _Gone(Exception):
    """The client went away while sending its body."""


class Gate:
    """Authenticate from the headers, then read a bounded body; see the module's story."""

    def __init__(self, app: ASGIApp, *, guard: Guard, cap: Callable[[str], int], timeout_s: float) -> None:
        self.app = app
        self.guard = guard
        self.cap = cap
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        headers = Headers(scope=scope)
        try:
            caller = self.guard(path, headers)
            if caller is not None:
                scope["user"] = caller
            cap = self.cap(path)
            _check_declared(headers, cap)
            # Always through the counted read, whatever the headers say a body is (none, a length,
            # chunked): what reaches the app is what was counted here.
            body = await self._read(receive, cap)
        except StationError as err:
            await _answer(scope, receive, send, err.http_status, str(err))
            return
        except _BodyRejected as err:
            await _answer(scope, receive, send, err.status, str(err))
            return
        except _Gone:
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, receive: Receive, cap: int) -> bytes:
        """The whole body, counted as it arrives: 413 past `cap`, 408 past the time limit."""
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.timeout_s):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        raise _Gone
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > cap:
                        raise _BodyRejected(413, _too_large(cap))
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        return b"".join(chunks)
        except TimeoutError:
            raise _BodyRejected(408, f"the request body did not arrive within {self.timeout_s:g} s") from None


def _check_declared(headers: Headers, cap: int) -> None:
    """413 at once when the declared Content-Length is over `cap` (a chunked body is counted as it comes)."""
    length = headers.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise _BodyRejected(400, "Content-Length is not a number")
        if int(length) > cap:
            raise _BodyRejected(413, _too_large(cap))


def _too_large(cap: int) -> str:
    return f"the request body is over {cap} bytes" if cap else "this path takes no request body"


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body read here, as one message; then the client's own messages (a disconnect)."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed


async def _answer(scope: Scope, receive: Receive, send: Send, status: int, detail: str) -> None:
    response: Any = problem_response(status, detail)
    if status == 408:  # a client too slow to send its body gets no second request on this connection
        response.headers["Connection"] = "close"
    await response(scope, receive, send)
