"""Too many refused scans in a minute: the scanner is ignored for a while (someone may be trying tokens)."""

from __future__ import annotations

import time
from collections import deque

from .. import token as tokens_module

WINDOW_S = 60.0
# Refusals that may be someone trying tokens (the others are about the document or the station).
SUSPICIOUS = frozenset(tokens_module.REASONS) - {"pin_required", "not_staged"}


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
        if reason not in SUSPICIOUS:
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
