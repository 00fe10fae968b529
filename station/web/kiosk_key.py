"""The kiosk screen's own credential: a random key in an owner-only file, read live.

The kiosk's browser is started once with `/kiosk?key=KEY` (the key read from
the file by whoever launches it, e.g. the kiosk's autostart script); the
page trades it for an HttpOnly cookie and from then on carries the key as
its bearer token. Where the request comes from counts for nothing: a
same-host reverse proxy or port forward does not make a caller the kiosk.
Writing a new key into the file (any atomic write) retires the old one at
the next request, with no restart.
"""

from __future__ import annotations

import hmac
import os
import secrets
import threading
from pathlib import Path

from station.files import write_atomic

KEY_BYTES = 32


def create(path: Path) -> None:
    """A new random kiosk key at `path` (0600), unless one is there already."""
    if not path.exists():
        write_atomic(path, (secrets.token_urlsafe(KEY_BYTES) + "\n").encode("ascii"))


class KioskKey:
    """The key in the file as it is now (one `stat` per use); None when there is none."""

    def __init__(self, path: Path, *, create_missing: bool = True) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, ...] | None = None
        self._key: str | None = None
        if create_missing:
            try:
                create(path)
            except OSError:
                pass  # a read-only station folder: no kiosk credential, the kiosk page says so

    def __call__(self) -> str | None:
        with self._lock:
            try:
                info = os.stat(self.path)
                stamp = (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
                if stamp != self._stamp:
                    text = self.path.read_text(encoding="ascii").strip()
                    self._key = text if len(text) >= 16 else None  # a short key is no key
                    self._stamp = stamp
            except (OSError, UnicodeDecodeError):
                self._key, self._stamp = None, None
            return self._key


def matches(given: str | None, key: str | None) -> bool:
    """Whether `given` is the kiosk key (constant time; no key matches nothing)."""
    if not given or not key:
        return False
    return hmac.compare_digest(given.encode("utf-8", "replace"), key.encode("utf-8"))
