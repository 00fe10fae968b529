"""Whether the station folder takes writes: a disk that cannot be written is an outage (issue 22).

Free space (`disk.py`) does not show a file system that turned read-only
(ext4 `errors=remount-ro`), a dying disk (EIO) or one out of inodes. Two
things do:
- every spool write that fails for the disk's sake is reported at once
  (`spool.db.on_storage_error`), from whichever thread made it;
- a probe write at the disk watch's interval (a small file in the station
  folder: create, write, fsync), which sees the condition even when nothing
  else writes, and sees it end: the station resumes by itself.

The condition lives in memory (this object): `/readyz`, the kiosk and the
feed read it from here, and the alarm waits in the disk watch's queue until
the spool can take it.
"""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

from spool.audit import now_text

PROBE_NAME = ".write-probe"
# What a write's errno says about the disk.
WORDS = {errno.EROFS: "read_only", errno.EIO: "io_error", errno.ENOSPC: "disk_full", errno.EDQUOT: "disk_full"}
DESCRIPTIONS = {"read_only": "read-only file system", "io_error": "I/O error", "disk_full": "no space left"}


class WriteWatch:
    """The last word on writes to the station folder: None while they succeed."""

    def __init__(self, folder: Path) -> None:
        self.probe_path = folder / PROBE_NAME
        self.failure: str | None = None  # read_only, io_error, disk_full
        self.detail: str | None = None
        self.since: str | None = None
        self._lock = threading.Lock()

    def failed(self, word: str, detail: str) -> bool:
        """A write failed (any thread); True when this starts the condition."""
        with self._lock:
            started = self.failure is None
            if started:
                self.since = now_text()
            self.failure, self.detail = word, detail
            return started

    def probe(self) -> bool:
        """Write the probe file (blocking: run it off the event loop); True when it succeeded."""
        try:
            fd = os.open(self.probe_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.write(fd, now_text().encode())
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as err:
            word = WORDS.get(err.errno or 0)
            if word is None:
                raise  # not the disk's condition (a permission changed...): the disk watch logs it
            self.failed(word, f"{self.probe_path}: {err.strerror or err}")
            return False
        with self._lock:
            self.failure = self.detail = self.since = None  # writes succeed again: the station resumes
        return True

    def describe(self, folder: Path) -> str:
        """One line for `/readyz` and the alarm."""
        what = DESCRIPTIONS.get(self.failure or "", self.failure or "")
        return f"the station folder ({folder}) cannot be written: {what} ({self.detail})"
