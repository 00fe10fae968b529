"""Errors of the device drivers: each says what a person can do about it.

Drivers depend on nothing of the station: these carry their own exit code
(for the command line) and HTTP status (for the API), as the station's
own errors do.
"""

from __future__ import annotations


class DeviceError(Exception):
    """A device cannot do what was asked; printed as one line, never as a traceback."""

    exit_code = 2
    http_status = 503

    def __init__(self, message: str, *, exit_code: int | None = None, http_status: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code
        if http_status is not None:
            self.http_status = http_status


class DeviceConfigError(DeviceError):
    """A device setting is wrong (port, family, board address): fix the configuration, do not retry."""

    http_status = 400
