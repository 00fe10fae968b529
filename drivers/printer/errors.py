"""Typed errors of the printer drivers: each says what a person can do about it."""

from __future__ import annotations

from drivers.errors import DeviceError

__all__ = ["PrinterError", "PrinterUnreachable", "PrinterBlocked", "PrintRefused", "BadDocument",
           "BadOptions", "IppError"]


class PrinterError(DeviceError):
    """The printer (or its spooler) could not do what was asked."""

    exit_code = 3
    http_status = 503


class PrinterUnreachable(PrinterError):
    """The spooler or the printer did not answer (stopped, unplugged, restarting)."""


class PrinterBlocked(PrinterError):
    """The printer reports a condition a person must fix first; nothing was sent."""

    def __init__(self, message: str, *, reasons: tuple[str, ...]) -> None:
        super().__init__(message)
        self.reasons = reasons


class PrintRefused(PrinterError):
    """The spooler answered and refused the job (unknown queue, bad attribute)."""


class BadDocument(PrinterError):
    """The document to print is missing, unreadable or not a PDF."""

    exit_code = 2
    http_status = 422


class BadOptions(PrinterError):
    """Job options (media, sides, copies) that no printer should be sent."""

    exit_code = 2
    http_status = 422


class IppError(PrinterError):
    """Bytes that are not a valid IPP message (the IPP codec's only error)."""
