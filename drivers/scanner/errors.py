"""Typed errors of the scanners."""

from __future__ import annotations

from drivers.errors import DeviceError


class ScannerError(DeviceError):
    """A scanner cannot be used; the message says why."""

    http_status = 503


class ScannerMissing(ScannerError):
    """The scanner's device is not there (not plugged in yet, or unplugged): it is looked for again."""
