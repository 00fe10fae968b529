"""Errors the station reports to a person: each carries its exit code and HTTP status."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Refusal:
    """Why something was refused: the machine word (`reason`) and what a person is told (`detail`).

    (issue 23) The one refusal value: the `Refused` error carries it, and records of
    refused items (intake, changes) hold it, so a refusal means one thing everywhere.
    """

    reason: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.reason}: {self.detail}"


class Refused(StationError):
    """Bad input refused: the error that carries a `Refusal` (its reason word and its detail)."""

    exit_code = 1
    http_status = 422

    def __init__(self, reason: str, detail: str = "") -> None:
        self.refusal = Refusal(reason, detail)
        super().__init__(str(self.refusal))

    @property
    def reason(self) -> str:
        """The machine word."""
        return self.refusal.reason

    @property
    def detail(self) -> str:
        """What a person is told, without the word."""
        return self.refusal.detail


# What a person is told in one line (command line, API, control socket), never with a traceback.
REPORTED = (StationError, SpoolError, DeviceError)
