"""Typed errors of the scanners."""

from __future__ import annotations

from station.errors import StationError


class ScannerError(StationError):
    """A scanner cannot be used; the message says why."""

    http_status = 503
