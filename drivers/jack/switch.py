"""The jack's switch on an input device (or a FIFO the simulator writes): is a plug in?

`read(timeout)` returns the switch's new state when a SW_HEADPHONE_INSERT
event arrives, None otherwise. On a real evdev device the state at open is
asked with EVIOCGSW; a FIFO has none to ask (unplugged until told). When the
writer of a FIFO goes away, the FIFO is opened again (no busy loop on EOF).
"""

from __future__ import annotations

import fcntl
import os
import select
from pathlib import Path

from .events import EV_SW, SW_HEADPHONE_INSERT, decode

SW_BYTES = 4  # SW_MAX is 0x10: the switch bitmap fits in a few bytes
EVIOCGSW = (2 << 30) | (SW_BYTES << 16) | (ord("E") << 8) | 0x1B


class JackSwitch:
    """One jack switch device, opened read-only and non-blocking."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None
        self._rest = b""
        self.plugged = False

    def open(self) -> bool:
        """Open the device (OSError when it cannot be); the state the hardware reports now."""
        self._fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        self._rest = b""
        try:
            bits = bytearray(SW_BYTES)
            fcntl.ioctl(self._fd, EVIOCGSW, bits)
            self.plugged = bool(bits[SW_HEADPHONE_INSERT // 8] >> (SW_HEADPHONE_INSERT % 8) & 1)
        except OSError:
            pass  # not an evdev device (a FIFO): the state is whatever comes next
        return self.plugged

    def read(self, timeout: float) -> bool | None:
        """The new state, if the switch moved within `timeout` seconds; else None."""
        if self._fd is None:
            self.open()
        assert self._fd is not None
        ready, _, _ = select.select([self._fd], [], [], timeout)
        if not ready:
            return None
        try:
            data = os.read(self._fd, 4096)
        except BlockingIOError:
            return None
        if not data:  # the writer of a FIFO went away: wait for the next one
            self.close()
            self.open()
            return None
        events, self._rest = decode(self._rest + data)
        changed = None
        for event in events:
            if event.type == EV_SW and event.code == SW_HEADPHONE_INSERT:
                changed = self.plugged = bool(event.value)
        return changed

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
