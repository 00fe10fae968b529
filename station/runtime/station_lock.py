"""One daemon per station: an exclusive lock on a file in the station folder, held for the daemon's life.

`station run` takes it before it opens the spool or binds the control
socket. The lock is `flock` on `station.lock` beside the spool (the station
folder, unless `[paths] spool` says otherwise): the kernel drops it when the
daemon's process ends, however it ends (kill -9, a power cut), so there is
never a stale lock to clean up. The file holds the holder's pid, for the
one line a second daemon prints. The descriptor is close-on-exec: the
processes the daemon starts (the web app, the render worker) do not hold
it, and a web process that outlives a killed daemon keeps no one out.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from station.errors import StationError

LOCK_NAME = "station.lock"
# A daemon that has just taken the lock writes its pid at once; this long a newcomer waits to read it.
PID_WAIT_S = 1.0


class AlreadyRunning(StationError):
    """Another daemon holds this station's lock."""

    exit_code = 2


class StationLock:
    """The station's lock, held from `acquire()` until `release()` or the end of the process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> StationLock:
        """Take the lock, or raise AlreadyRunning naming the daemon that holds it; returns self."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _holder(fd)
            os.close(fd)
            raise AlreadyRunning(f"already running (pid {pid or 'unknown'})") from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        """Let the lock go (the file stays: removing it would race with a daemon that just opened it)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def lock_path(spool_path: Path) -> Path:
    """The station's lock file: beside its spool."""
    return spool_path.parent / LOCK_NAME


def _holder(fd: int) -> int | None:
    """The pid the holder wrote (it writes it right after taking the lock: wait a moment for it)."""
    deadline = time.monotonic() + PID_WAIT_S
    while True:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        if text.isdigit():
            return int(text)
        if time.monotonic() > deadline:
            return None
        time.sleep(0.05)
