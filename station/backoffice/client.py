"""The HTTP side of the back-office connector (PROTOCOLS.md §7): httpx, async, bounded.

Every call ends within its timeout (a reply that trickles in counts against
the same deadline) and returns a `Reply`; network trouble is an answer
(`status=None`, `retryable`), never an exception that could reach the
daemon. `Backoff` spaces retries: exponential, capped, jittered so that a
mall full of stations does not knock on the back office in step.
"""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from ..errors import ConfigError

log = logging.getLogger("station.backoffice.client")

USER_AGENT = "mpp-station/0.1"
MAX_REPLY_BYTES = 16 * 1024 * 1024
# Statuses worth asking again later: the request was fine, the moment was not
# (401/403 included: a credential can be renewed while events wait).
_RETRY_STATUSES = frozenset({401, 403, 408, 425, 429})


@dataclass(frozen=True)
class Reply:
    """What one request came back with: a status and body, or why there was none."""

    status: int | None
    body: bytes = b""
    error: str | None = None

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return self.status is not None and 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        """No answer, a server error, or a status that says "later"."""
        return self.status is None or self.status >= 500 or self.status in _RETRY_STATUSES

    def describe(self) -> str:
        """One line for logs and alarms."""
        if self.status is None:
            return f"no answer ({self.error})"
        return f"HTTP {self.status}" + (f" ({self.error})" if self.error else "")


class Backoff:
    """Exponential pauses with a cap and jitter: each is drawn from [d/2, d], d doubling up to `cap`."""

    def __init__(self, base: float = 0.5, cap: float = 60.0, factor: float = 2.0,
                 rng: random.Random | None = None) -> None:
        if not 0 < base <= cap or factor < 1:
            raise ValueError("backoff needs 0 < base <= cap and factor >= 1")
        self.base = base
        self.cap = cap
        self.factor = factor
        self.failures = 0
        self._rng = rng or random.Random()

    def ceiling(self) -> float:
        """The largest pause the next failure may draw."""
        # min() before the power can overflow: factor**failures grows without bound.
        return min(self.cap, self.base * self.factor ** min(self.failures, 64))

    def next_delay(self) -> float:
        """The pause before the next attempt (and count this failure)."""
        ceiling = self.ceiling()
        self.failures += 1
        return self._rng.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        """Back to short pauses after a success."""
        self.failures = 0


def read_token(path: Path) -> str:
    """The station's bearer token from its file; `ConfigError` when missing or empty."""
    try:
        token = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ConfigError(f"no back-office token at {path} ([backoffice] token_file)") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read back-office token {path}: {err}") from None
    if not token or not token.isprintable() or " " in token:
        raise ConfigError(f"back-office token {path} is empty or not one printable word")
    return token


def check_url(url: str) -> None:
    """The back office is reached over HTTPS (plain HTTP only on this machine): the token never travels in clear."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1", "::1"):
        return
    raise ConfigError(f"[backoffice] url {url!r}: use https:// (http:// only for a back office on this machine);"
                      " the station's token must never travel in clear")


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """Certificates always verified: against the system's CAs, or only against `ca_file` (a pinned CA)."""
    if ca_file is None:
        return ssl.create_default_context()
    try:
        return ssl.create_default_context(cafile=str(ca_file))
    except (OSError, ssl.SSLError) as err:
        raise ConfigError(f"[backoffice] ca_file {ca_file}: not a readable PEM CA file ({err})") from None


class BackofficeClient:
    """The station's two calls to the back office, with its bearer token."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 10.0,
                 max_reply_bytes: int = MAX_REPLY_BYTES, transport: httpx.AsyncBaseTransport | None = None,
                 ca_file: Path | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_reply_bytes = max_reply_bytes
        self._http = httpx.AsyncClient(
            base_url=self.base_url, timeout=httpx.Timeout(timeout), transport=transport, verify=tls_context(ca_file),
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json",
                     "User-Agent": USER_AGENT},
            follow_redirects=False)

    @classmethod
    def from_config(cls, cfg: Any) -> BackofficeClient:
        """A client for the `[backoffice]` section of a station configuration."""
        section = cfg.backoffice
        check_url(section.url)
        return cls(section.url, read_token(cfg.path(section.token_file)), timeout=section.timeout_seconds,
                   ca_file=cfg.path(section.ca_file))

    async def __aenter__(self) -> BackofficeClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def get_documents(self, station: str, cursor: str | None, limit: int) -> Reply:
        """`GET /api/v1/stations/{station}/documents?after={cursor}&limit={n}`."""
        return await self._request("GET", f"/api/v1/stations/{quote(station, safe='')}/documents",
                                   params={"after": cursor or "", "limit": str(limit)})

    async def post_event(self, document_id: str, body: dict[str, Any]) -> Reply:
        """`POST /api/v1/documents/{id}/events` with a §7 event body."""
        return await self._request("POST", f"/api/v1/documents/{quote(document_id, safe='')}/events",
                                   json_body=body)

    async def post_complaint(self, station: str, body: dict[str, Any]) -> Reply:
        """`POST /api/v1/stations/{station}/complaints`: a §7.1 complaint that names no document."""
        return await self._request("POST", f"/api/v1/stations/{quote(station, safe='')}/complaints",
                                   json_body=body)

    async def post_checkpoint(self, station: str, body: dict[str, Any]) -> Reply:
        """`POST /api/v1/stations/{station}/checkpoints`: a signed audit checkpoint (§7.3)."""
        return await self._request("POST", f"/api/v1/stations/{quote(station, safe='')}/checkpoints",
                                   json_body=body)

    async def _request(self, method: str, path: str, *, params: dict[str, str] | None = None,
                       json_body: Any = None) -> Reply:
        try:
            # One deadline for the whole exchange: httpx's own timeouts are per
            # read, and a server dripping one byte at a time would never trip them.
            async with asyncio.timeout(self.timeout):
                async with self._http.stream(method, path, params=params, json=json_body) as response:
                    body = bytearray()
                    async for chunk in response.aiter_bytes():
                        body += chunk
                        if len(body) > self.max_reply_bytes:
                            return Reply(None, error=f"reply larger than {self.max_reply_bytes} bytes")
                    return Reply(response.status_code, bytes(body))
        except TimeoutError:
            return Reply(None, error=f"no complete answer within {self.timeout:g} s")
        except httpx.HTTPError as err:
            return Reply(None, error=f"{type(err).__name__}: {err}"[:300])
        except asyncio.CancelledError:
            raise
        except Exception as err:  # noqa: BLE001 - network boundary: trouble is an answer, not a crash
            log.debug("back-office request failed", exc_info=True)
            return Reply(None, error=f"{type(err).__name__}: {err}"[:300])
