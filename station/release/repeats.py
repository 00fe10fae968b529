"""A scanner in continuous mode reads the same QR many times a second: a repeat is not a refusal.

The same token text seen again within `WINDOW_S` of its release (or of its
last repeat: a phone held in front of the scanner) is that citizen's own
scan again. It is shown as their door being open (the release's own screen
while it lasts, then "this code has already opened your door"); it is
never a refusal, never counted toward the lockout, and never a grace
re-open. The same token after a longer gap is a deliberate scan: a grace
re-open, or a used token presented later, refused `already_used`.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from station.release.kiosk import KioskView, Screen
from .noise import noise
from .screens import message

WINDOW_S = 5.0
# Screens of a release in progress: a repeat leaves them as they are.
RELEASE_SCREENS = frozenset({Screen.OPENING, Screen.OPEN, Screen.PRINTING, Screen.PRESENTED})
_MAX_KEPT = 64


def _key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).digest()


class Repeats:
    """The token texts released in the last few seconds (monotonic times)."""

    def __init__(self, window_s: float = WINDOW_S) -> None:
        self.window_s = window_s
        self._scanned: tuple[str, bytes] | None = None  # (session id, text key) of the scan in progress
        self._released: dict[bytes, float] = {}
        # Noise lines dropped since the daemon started, by why: /metrics asks for them at each scrape
        # (control op `scanner.noise`), so lines no page was listening for are counted all the same.
        self.noise_seen: Counter[str] = Counter()

    def scanned(self, session_id: str, text: str) -> None:
        """A scan became a session (it may release now, or after its PIN)."""
        self._scanned = (session_id, _key(text))

    def released(self, session_id: str, view: KioskView, now: float) -> None:
        """The session ended with `view`: when a release started, its text's repeats are expected."""
        if self._scanned is None or self._scanned[0] != session_id:
            return
        key = self._scanned[1]
        self._scanned = None
        if view.screen in RELEASE_SCREENS:
            self._released[key] = now
            while len(self._released) > _MAX_KEPT:
                self._released.pop(next(iter(self._released)))

    def repeat(self, text: str, now: float) -> bool:
        """True for a repeat of a recent release (and its window runs on from now)."""
        key = _key(text)
        seen = self._released.get(key)
        if seen is None or now - seen > self.window_s:
            self._released.pop(key, None)
            return False
        self._released[key] = now
        return True


def not_a_scan(repeats: Repeats, text: str, current: KioskView, publish: Callable[[str, dict], Any],
               show: Callable[[KioskView], KioskView], *, typed: bool = False) -> KioskView | None:
    """The view for a line that is no new scan (noise, dropped and counted; a repeat); None for a real scan.

    Text `typed` at the kiosk comes from a person who waits for an answer: it is counted as noise but goes
    on to its refusal (`malformed`, which never counts toward the lockout).
    """
    word = noise(text)
    if word is not None:
        repeats.noise_seen[word] += 1
        publish("scan_noise", {"reason": word, "totals": dict(repeats.noise_seen)})  # for live pages
        if not typed:
            return current  # dropped: the screen stays as it is
    if repeats.repeat(text, time.monotonic()):
        if current.screen in RELEASE_SCREENS:
            return current  # the citizen's own release goes on: nothing to say
        # The release has ended: no refusal, and no grace re-open either (that takes a deliberate scan,
        # after the scanner has stopped seeing the code for the window).
        return show(KioskView(Screen.THANKS, reason="repeat", message=message("repeat")))
    return None
