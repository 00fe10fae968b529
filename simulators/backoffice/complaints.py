"""The simulated back office's complaint box (PROTOCOLS.md §7.1): each complaint kept once.

A station resends a complaint whose answer it did not record (a crash
between the answer and its commit); the resend has the same body, so the
box keys complaints on (document or station, `at`, detail) and counts the
deliveries instead of listing it twice.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from station.trust.store import format_time

PROBLEMS = ("document_missing", "wrong_document", "door_stuck", "other")


@dataclass
class Complaint:
    """A complaint as the back office received it."""

    station: str
    document_id: str | None
    problem: str
    slot: str | None
    at: str
    received_at: str
    deliveries: int = 1

    def as_dict(self) -> dict[str, Any]:
        """As `GET /sim/complaints` lists it."""
        return {"station": self.station, "document_id": self.document_id, "problem": self.problem,
                "slot": self.slot, "at": self.at, "received_at": self.received_at,
                "deliveries": self.deliveries}


def check(body: Any) -> str | None:
    """Why a complaint body is refused (None: it is a §7.1 complaint, with nothing personal in it)."""
    if not isinstance(body, dict) or set(body) != {"event", "at", "station", "detail"}:
        return 'body must be {"event", "at", "station", "detail"}'
    detail = body["detail"]
    if body["event"] != "complaint" or not isinstance(body["at"], str) or not isinstance(detail, dict):
        return "a complaint is an event 'complaint' with an RFC 3339 time and a detail object"
    if not set(detail) <= {"problem", "slot"} or detail.get("problem") not in PROBLEMS:
        return f"detail is {{problem: {'|'.join(PROBLEMS)}, slot: optional}} and nothing else"
    if "slot" in detail and not isinstance(detail["slot"], str):
        return "slot must be a string"
    return None


class ComplaintBox:
    """The complaints received, once each, in the order first received."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str | None, str, str], Complaint] = {}

    def record(self, station: str, document_id: str | None, body: dict[str, Any]) -> None:
        """Keep one checked complaint (an identical one again counts as a delivery)."""
        key = (station, document_id, body["at"], json.dumps(body["detail"], sort_keys=True))
        with self._lock:
            if key in self._seen:
                self._seen[key].deliveries += 1
                return
            self._seen[key] = Complaint(station, document_id, body["detail"]["problem"], body["detail"].get("slot"),
                                        body["at"], format_time(datetime.now(UTC)))

    def listed(self, station: str | None = None) -> list[dict[str, Any]]:
        """Every complaint (of one station), first received first."""
        with self._lock:
            return [c.as_dict() for c in self._seen.values() if station is None or c.station == station]
