"""The scanners' one reconnect rule: a scanner that is not there is looked for again, briefly paced.

A USB scanner can enumerate late (after the daemon started) or be unplugged
and plugged back. Both scanner drivers keep a `Reconnect` and call `due()`
before opening: attempts come every `cap` seconds at most, so a port that
appears is in use within about that long. Access denied is a configuration
error: it is raised, never retried blindly.
"""

from __future__ import annotations

import time

from drivers.serialport import Backoff

# A scanner that appears is read within this long (plus one read timeout).
RETRY_CAP_S = 1.0


class Reconnect:
    """When the next attempt to open a missing scanner is due."""

    def __init__(self, cap: float = RETRY_CAP_S) -> None:
        self._backoff = Backoff(first=0.1, cap=cap)
        self._retry_at = 0.0

    def wait(self, deadline: float | None) -> bool:
        """Sleep until the next attempt is due (or `deadline`); True when an attempt is due now."""
        now = time.monotonic()
        if now >= self._retry_at:
            return True
        time.sleep(max(0.0, min(self._retry_at, deadline or self._retry_at) - now))
        return time.monotonic() >= self._retry_at

    def failed(self) -> None:
        """An attempt failed: the next one waits a little longer (up to the cap)."""
        self._retry_at = time.monotonic() + self._backoff.delay()

    def succeeded(self) -> None:
        """Opened: start from the shortest pause again after the next loss."""
        self._backoff.reset()
        self._retry_at = 0.0
