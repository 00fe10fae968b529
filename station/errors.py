"""Errors the station reports to a person: each carries its exit code and HTTP status."""

from __future__ import annotations

from drivers.errors import DeviceError
from spool.errors import SpoolError


class StationError(Exception):
    """A clear, expected failure: printed as one line, never as a traceback."""

    exit_code = 2
    http_status = 400

    def __init__(self, message: str, *, exit_code: int | None = None, http_status: int | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code
        if http_status is not None:
            self.http_status = http_status


class ConfigError(StationError):
    """The configuration is missing or wrong; the message names the setting."""


class Refused(StationError):
    """Bad input refused: `reason` is the machine word, the message says it to a person."""

    exit_code = 1
    http_status = 422

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.detail = message


# What a person is told in one line (command line, API, control socket), never with a traceback.
REPORTED = (StationError, SpoolError, DeviceError)
