"""Typed errors of the scanners."""

from __future__ import annotations

from drivers.errors import DeviceError


class ScannerError(DeviceError):
    """A scanner cannot be used; the message says why."""

    http_status = 503
