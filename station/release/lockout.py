"""Too many attack-like refusals in a minute: the scanner is ignored for a while (someone may be trying tokens).

(issue 22) Only refusals that look like someone trying tokens count: a
token of the right shape whose signature fails (or whose key is unknown or
revoked), a wrong PIN, a used token presented later. Lines that are not
tokens at all are dropped before this (`noise.py`), a repeat of a token just
released is not a refusal (`repeats.py`), and an authentic token refused for
its document or its times (expired, not ready, another station) is no
attack either.
"""

from __future__ import annotations

import time
from collections import deque

WINDOW_S = 60.0
# Refusals that may be someone trying tokens (the others are about the document, its times or the station).
ATTACKS = frozenset({"bad_signature", "unknown_key", "revoked_key", "already_used", "pin_wrong", "pin_locked",
                     "bad_code"})  # (issue 24) a wrong typed code counts as a wrong PIN does


class ScanLockout:
    """Counts suspicious refusals; `locked()` while the scanner is to be ignored."""

    def __init__(self, per_minute: int, lockout_seconds: float) -> None:
        self.per_minute = per_minute
        self.lockout_seconds = lockout_seconds
        self._refusals: deque[float] = deque()
        self._until = 0.0

    def locked(self) -> bool:
        return time.monotonic() < self._until

    def refused(self, reason: str) -> bool:
        """Count one refusal; True when it starts a lockout."""
        if reason not in ATTACKS:
            return False
        now = time.monotonic()
        self._refusals.append(now)
        while self._refusals and now - self._refusals[0] > WINDOW_S:
            self._refusals.popleft()
        if len(self._refusals) < self.per_minute:
            return False
        self._refusals.clear()
        self._until = now + self.lockout_seconds
        return True
