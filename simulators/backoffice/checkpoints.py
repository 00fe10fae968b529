"""The simulated back office's checkpoint store (PROTOCOLS.md §7.3): each station's signed audit checkpoints.

A station posts every audit checkpoint it signs. The office keeps them per
station, once per sequence (a resend is counted, not listed twice), so that
an auditor can check a station against them: `GET
/sim/checkpoints/{station}/latest` is a file for `station audit verify
--checkpoint FILE`. A checkpoint is kept as sent; its signature is the
auditor's to check, with the station's trust entry.
"""

from __future__ import annotations

import threading
from typing import Any

from station.trust.checkpoint import Checkpoint, CheckpointError


class CheckpointBox:
    """Checkpoints received, by station and sequence."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: dict[str, dict[int, dict[str, Any]]] = {}
        self.deliveries = 0

    def record(self, station: str, body: Any) -> tuple[int, str | None]:
        """Keep one checkpoint sent by `station`: (HTTP status, why refused)."""
        try:
            made = Checkpoint.from_dict(body)
        except CheckpointError as err:
            return 422, str(err)
        if made.station != station:
            return 403, "checkpoint of another station"
        if made.seq < 0:
            return 422, "seq must not be negative"
        with self._lock:
            self.deliveries += 1
            kept = self._kept.setdefault(station, {})
            if made.seq in kept and kept[made.seq] != made.as_dict():
                return 409, f"another checkpoint of sequence {made.seq} was kept before"
            kept[made.seq] = made.as_dict()
        return 204, None

    def listed(self, station: str) -> list[dict[str, Any]]:
        """A station's checkpoints, oldest first."""
        with self._lock:
            kept = self._kept.get(station, {})
            return [kept[seq] for seq in sorted(kept)]

    def latest(self, station: str) -> dict[str, Any] | None:
        """A station's newest checkpoint (None before the first)."""
        found = self.listed(station)
        return found[-1] if found else None
