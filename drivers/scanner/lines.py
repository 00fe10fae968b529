"""Whole scans out of a byte stream: lines end at CR or LF, a stale partial line is dropped.

A scanner types a scan as one quick burst ended by CR, LF or CR LF. Bytes
that are not followed by a line end within `partial_timeout` seconds of the
last one (a half-read code, line noise, a cable plugged in mid-scan) are
thrown away, so they can never become the start of the next scan.
"""

from __future__ import annotations

from dataclasses import dataclass

ENDS = frozenset(b"\r\n")
MAX_SCAN = 4096  # bytes; a pickup token is at most 400 characters


@dataclass(frozen=True)
class Scan:
    """One whole scan."""

    text: str
    received_at: float  # monotonic time its line end arrived


def decode_scan(raw: bytes) -> str:
    """Scan bytes as text: UTF-8, else Latin-1 (never an error: a garbled scan is refused later)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


class LineSplitter:
    """Bytes in, complete lines out."""

    def __init__(self, partial_timeout: float, max_length: int = MAX_SCAN) -> None:
        self.partial_timeout = partial_timeout
        self.max_length = max_length
        self.dropped = 0   # partial lines thrown away as stale
        self.overlong = 0  # lines thrown away as too long
        self._buf = bytearray()
        self._last = 0.0
        self._overflow = False

    @property
    def deadline(self) -> float | None:
        """When the partial line in hand goes stale (None: nothing in hand)."""
        if not self._buf and not self._overflow:
            return None
        return self._last + self.partial_timeout

    def expire(self, now: float) -> bool:
        """Drop the partial line if it is stale at `now`; whether one was dropped."""
        deadline = self.deadline
        if deadline is None or now < deadline:
            return False
        if self._buf:
            self.dropped += 1
        self._buf.clear()
        self._overflow = False
        return True

    def feed(self, data: bytes, now: float, *, arrived_after: float | None = None) -> list[bytes]:
        """Bytes that arrived at `now`; returns the lines they complete.

        `arrived_after`: the bytes may have waited in the port since then (a reader that was not
        scheduled for a while reads them late); the partial line in hand is judged stale against
        that moment, not against the late read.
        """
        self.expire(now if arrived_after is None else min(now, arrived_after))
        lines = []
        for byte in data:
            if byte in ENDS:
                if self._buf and not self._overflow:
                    lines.append(bytes(self._buf))
                self._buf.clear()
                self._overflow = False
            elif not self._overflow:
                self._buf.append(byte)
                if len(self._buf) > self.max_length:
                    self.overlong += 1
                    self._buf.clear()
                    self._overflow = True  # skip to the next line end
        if data:
            self._last = now
        return lines
