"""Typed errors of the lock boards: what went wrong, and whether the unlock left.

The distinction the station lives by: `UnlockNotSent` means no byte of the
unlock reached the wire, so nothing moved and the caller may decide what to
do. An unlock whose bytes left but whose effect was not seen is never an
error: it is the outcome `unknown`, and it is never sent again by itself.
"""

from __future__ import annotations

from drivers.errors import DeviceError
from drivers.serialport import PortBusy, PortDenied, PortError, PortVanished

__all__ = ["LockError", "FrameError", "NoReply", "WriteFailed", "UnknownSlot", "UnlockNotSent",
           "PortError", "PortVanished", "PortBusy", "PortDenied"]


class LockError(DeviceError):
    """A lock bus or board could not do what was asked."""

    exit_code = 2
    http_status = 503


class FrameError(LockError):
    """Bytes that are not a valid frame of the board protocol (the codecs' only error)."""


class NoReply(LockError):
    """A board did not answer within the reply timeout."""


class WriteFailed(LockError):
    """Writing a frame failed after `sent` of its bytes left (0: none did)."""

    def __init__(self, message: str, *, sent: int, vanished: bool) -> None:
        super().__init__(message)
        self.sent = sent
        self.vanished = vanished


class UnknownSlot(LockError):
    """No bus of this station drives that slot."""

    http_status = 404


class UnlockNotSent(LockError):
    """No byte of the unlock frame left: the lock was not driven."""

    exit_code = 5
