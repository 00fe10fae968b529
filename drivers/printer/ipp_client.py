"""IPP over HTTP to one printer URI: the transport under the IPP codec.

One keep-alive connection per client; a client belongs to one thread.
`ipps://` printers use TLS without checking the certificate: printers
ship self-signed ones, and the station only reads their status this way.
"""

from __future__ import annotations

import http.client
import itertools
import socket
import ssl
from collections.abc import Sequence
from urllib.parse import urlsplit

from . import ipp
from .errors import IppError, PrinterUnreachable, PrintRefused

MAX_RESPONSE = 1 << 20
STATUS_ATTRIBUTES = ("printer-state", "printer-state-reasons", "printer-state-message",
                     "printer-is-accepting-jobs")


def split_uri(uri: str) -> tuple[str, str, int, str]:
    """`ipp://host:port/path` -> (scheme, host, port, path); a clear error for anything else."""
    parts = urlsplit(uri)
    if parts.scheme not in ("ipp", "ipps") or not parts.hostname:
        raise PrintRefused(f"printer URI {uri!r}: expected ipp://HOST[:PORT]/PATH or ipps://...")
    try:
        port = parts.port or 631
    except ValueError:
        raise PrintRefused(f"printer URI {uri!r}: bad port") from None
    return parts.scheme, parts.hostname, port, parts.path or "/"


class IppClient:
    """Asks one printer about itself over IPP."""

    def __init__(self, uri: str, *, timeout: float = 5.0) -> None:
        self.uri = uri
        self.scheme, self.host, self.port, self.path = split_uri(uri)
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None
        self._ids = itertools.count(1)

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            if self.scheme == "ipps":
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                self._conn = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout,
                                                         context=context)
            else:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self._conn

    def post(self, body: bytes) -> ipp.Message:
        """POST one IPP request; one retry on a kept-alive connection the printer closed."""
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request("POST", self.path, body=body, headers={"Content-Type": "application/ipp"})
                response = conn.getresponse()
                payload = response.read(MAX_RESPONSE + 1)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as err:
                self.close()
                if attempt == 2:
                    raise PrinterUnreachable(f"printer {self.uri} dropped the connection: {err}") from None
                continue
            except (OSError, http.client.HTTPException) as err:
                self.close()
                reason = "timed out" if isinstance(err, socket.timeout) else (
                    getattr(err, "strerror", None) or str(err) or type(err).__name__)
                raise PrinterUnreachable(f"printer {self.uri} does not answer: {reason}") from None
            if response.status != 200:
                self.close()
                raise PrinterUnreachable(f"printer {self.uri} answered HTTP {response.status}")
            if len(payload) > MAX_RESPONSE:
                self.close()
                raise IppError(f"printer {self.uri} sent an oversized IPP response")
            return ipp.decode(payload)
        raise AssertionError("unreachable")  # pragma: no cover

    def printer_attributes(self, requested: Sequence[str] = STATUS_ATTRIBUTES) -> ipp.Message:
        """Get-Printer-Attributes; `PrintRefused` when the printer answers with an IPP error."""
        body = ipp.printer_attributes_request(self.uri, requested, self._next_id())
        return self._checked(self.post(body), "Get-Printer-Attributes")

    def jobs(self, requested: Sequence[str], *, which: str = "completed") -> list[ipp.Group]:
        """Get-Jobs: one group per job the printer still remembers."""
        body = ipp.jobs_request(self.uri, requested, which=which, request_id=self._next_id())
        return self._checked(self.post(body), "Get-Jobs").groups_tagged(ipp.JOB_GROUP)

    def _next_id(self) -> int:
        return next(self._ids) % 2**31 or 1

    def _checked(self, answer: ipp.Message, operation: str) -> ipp.Message:
        if answer.code >= 0x0100:
            raise PrintRefused(f"printer {self.uri} refused {operation} (status {answer.code:#06x})")
        return answer

    def close(self) -> None:
        """Close the connection (the next request opens a new one)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
