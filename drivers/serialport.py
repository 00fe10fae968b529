"""Opening a serial port the way every station device needs it, with typed errors.

Exclusive (no second process can talk on the same bus), close-on-exec (a
child process never inherits the bus), raw 8N1 without flow control. An
`OSError` from the kernel becomes one of three errors that say what to do:
the port vanished (retry), it is held by someone else (retry, tell a
person), or access is denied (a configuration error: do not retry blindly).
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field

import serial

from drivers.errors import DeviceConfigError, DeviceError

# A USB adapter that was unplugged shows up as one of these.
VANISHED_ERRNOS = frozenset({errno.ENOENT, errno.ENXIO, errno.EIO, errno.ENODEV})
DENIED_ERRNOS = frozenset({errno.EACCES, errno.EPERM})
BUSY_ERRNOS = frozenset({errno.EAGAIN, errno.EWOULDBLOCK, errno.EBUSY})


class PortError(DeviceError):
    """A serial port cannot be used; the message names the port and why."""

    exit_code = 2
    http_status = 503


class PortVanished(PortError):
    """The port is gone (unplugged, simulator stopped): worth retrying later."""


class PortBusy(PortError):
    """Another process holds the port."""


class PortDenied(PortError, DeviceConfigError):
    """Access to the port is denied: a configuration error, not a fault to retry."""


def classify(path: str, err: BaseException) -> PortError:
    """The typed error for an `OSError`/`SerialException` raised while using `path`."""
    code = getattr(err, "errno", None)
    if code in VANISHED_ERRNOS:
        return PortVanished(f"serial port {path} is not there ({os.strerror(code)})")
    if code in DENIED_ERRNOS:
        return PortDenied(f"serial port {path}: permission denied (check the device's group and"
                          " the station user's membership, e.g. 'dialout')")
    if code in BUSY_ERRNOS:
        return PortBusy(f"serial port {path} is in use by another process")
    if code is None and "configure" in str(err):
        return PortDenied(f"{path} is not a serial port")
    reason = os.strerror(code) if code else str(err)
    return PortError(f"serial port {path}: {reason}")


def open_port(path: str, baud: int) -> serial.Serial:
    """Open `path` raw 8N1, no flow control, exclusively, not inherited by children."""
    try:
        port = serial.Serial(port=path, baudrate=baud, bytesize=serial.EIGHTBITS,
                             parity=serial.PARITY_NONE, stopbits=serial.STOPBITS_ONE,
                             xonxoff=False, rtscts=False, dsrdtr=False, timeout=0, exclusive=True)
    except (OSError, serial.SerialException) as err:
        raise classify(path, err) from None
    except ValueError as err:
        raise DeviceConfigError(f"serial port {path}: {err}") from None
    # Python opens descriptors non-inheritable already; say so explicitly, it is a requirement.
    os.set_inheritable(port.fileno(), False)
    return port


@dataclass
class Backoff:
    """Bounded retry pacing: delays grow from `first` to at most `cap` seconds."""

    first: float = 0.1
    cap: float = 5.0
    _next: float = field(default=0.0, init=False)

    def delay(self) -> float:
        """The delay before the next attempt (and grow it)."""
        self._next = self.first if self._next == 0 else min(self.cap, self._next * 2)
        return self._next

    def reset(self) -> None:
        """Start from the first delay again (after a success)."""
        self._next = 0.0


def tighten_timer_slack() -> None:
    """Ask Linux to wake this thread on time (1 ns timer slack instead of 50 us); a no-op elsewhere.

    Wire timing is counted in byte times (0.5 ms at 19200 baud): the
    default slack alone would add a tenth of one to every wait.
    """
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(29, 1, 0, 0, 0)  # PR_SET_TIMERSLACK
    except (OSError, AttributeError):
        pass
