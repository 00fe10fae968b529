"""What the back-office tests share (a module of its own: conftest.py is not importable)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Awaitable
from typing import Any, TypeVar

from station.backoffice import document
from station.backoffice.client import Backoff, BackofficeClient
from station.trust.store import TrustStore

STATION = "MPP-TEST-01"
BEARER = "bearer-for-tests-0123456789"
T = TypeVar("T")


def run(coro: Awaitable[T]) -> T:
    """Run one coroutine to the end (the tests are plain functions)."""
    return asyncio.run(coro)  # type: ignore[arg-type]


def client(url: str, *, timeout: float = 3.0, token: str = BEARER) -> BackofficeClient:
    """A station's client for the simulator (create it inside the running loop)."""
    return BackofficeClient(url, token, timeout=timeout)


def quick_backoff() -> Backoff:
    """Short pauses, so that retry loops run fast in tests."""
    return Backoff(base=0.01, cap=0.05)


def job_ids(conn: sqlite3.Connection) -> set[str]:
    """Every job id in the spool."""
    return {row["id"] for row in conn.execute("SELECT id FROM jobs")}


def assert_only_verified(conn: sqlite3.Connection, trust: TrustStore) -> int:
    """Every stored job is a document whose issuer signature verifies (returns how many)."""
    count = 0
    for row in conn.execute("SELECT id, payload FROM jobs"):
        doc = document.check(json.loads(row["payload"]), trust)
        assert doc.id == row["id"]
        count += 1
    return count


def refused(conn: sqlite3.Connection) -> dict[str | None, set[str]]:
    """Refused document ids, each with the reasons recorded."""
    found: dict[str | None, set[str]] = {}
    for row in conn.execute("SELECT document_id, reason FROM refused_documents"):
        found.setdefault(row["document_id"], set()).add(row["reason"])
    return found


def outbox_rows(conn: sqlite3.Connection) -> list[tuple[str, str, Any]]:
    """(document, event, sent_at) of every outbox row, in order."""
    return [(r["document_id"], r["event"], r["sent_at"])
            for r in conn.execute("SELECT * FROM outbox ORDER BY id")]
