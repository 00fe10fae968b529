"""A headphone jack: writes Linux input events (EV_SW SW_HEADPHONE_INSERT, then EV_SYN) into a FIFO.

It packs `struct input_event` itself (not with the driver's code), as the
kernel would, so a test of the driver reads real bytes. The FIFO is opened
read-write: the simulator never blocks waiting for a reader, and the reader
never sees end-of-file while the simulator lives.
"""

from __future__ import annotations

import os
import stat
import struct
import time
from pathlib import Path

EVENT = struct.Struct("@llHHi")  # struct input_event: timeval, type, code, value
EV_SYN, EV_SW, SW_HEADPHONE_INSERT, SYN_REPORT = 0x00, 0x05, 0x02, 0


class JackSim:
    """The jack's switch as a FIFO at `path`: `plug()` and `unplug()`."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def start(self) -> JackSim:
        if not (self.path.exists() and stat.S_ISFIFO(self.path.stat().st_mode)):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            os.mkfifo(self.path, 0o600)
        self._fd = os.open(self.path, os.O_RDWR)
        return self

    def _send(self, value: int) -> None:
        assert self._fd is not None, "start() first"
        now = time.time()
        seconds, micro = int(now), int(now % 1 * 1_000_000)
        os.write(self._fd, EVENT.pack(seconds, micro, EV_SW, SW_HEADPHONE_INSERT, value)
                 + EVENT.pack(seconds, micro, EV_SYN, SYN_REPORT, 0))

    def plug(self) -> None:
        self._send(1)

    def unplug(self) -> None:
        self._send(0)

    def stop(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
