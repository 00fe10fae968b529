"""The audit chain: an append-only, hash-chained record of everything done.

Each entry's hash is SHA-256 over the previous entry's hash (32 raw bytes;
32 zero bytes before the first entry) followed by the entry's canonical JSON:
`{"action", "actor", "at", "details", "job", "seq", "slot"}`, keys sorted,
no spaces, UTF-8. Each row also stores the previous hash it chained from, so
that a rewritten hash is pinned on the row that was rewritten.

The chain is a record for people: code appends to it and reads it only to
show or check it (`entries`, `verify`, `head`, `last_at`: the audit's own
commands and read-only views). No decision reads it (ADR 236,
`tests/spool/test_audit_write_only.py`); state for code lives in its own table.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from spool.rfc3339 import format_time
from typing import Any

from .db import write
from .errors import PersonalDataInAudit, SpoolError

GENESIS = bytes(32)

_ACTOR = re.compile(r"^(system|citizen|(operator|technician|admin|backoffice):[A-Za-z0-9._@-]{1,64})$")
# Keys that name personal data, and values that look like a NIK (16 digits)
# or a phone number: none of these may enter the audit.
_PERSONAL_KEYS = frozenset({"nik", "name", "nama", "phone", "telepon", "hp", "address", "alamat",
                            "data", "payload", "pin", "birth_date", "tanggal_lahir", "mother", "father"})
# Bounded by non-alphanumerics, so that a hash or an id with a long digit run is not mistaken.
_KID = re.compile(r"[0-9a-f]{16}")
_PERSONAL_VALUE = re.compile(r"(?<![0-9A-Za-z])(\d{16}|(\+62|62|0)8\d{7,11})(?![0-9A-Za-z])")


def canonical_json(value: Any) -> bytes:
    """Keys sorted, no spaces, UTF-8: the one byte form that is hashed and signed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def now_text() -> str:
    """The current time as the audit writes it (RFC 3339, UTC, milliseconds)."""
    return format_time(datetime.now(UTC))


@dataclass(frozen=True)
class Entry:
    """One row of the audit chain."""

    seq: int
    at: str
    actor: str
    action: str
    job: str | None
    slot: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str

    def body(self) -> dict[str, Any]:
        """The part of the entry that is hashed."""
        return {"seq": self.seq, "at": self.at, "actor": self.actor, "action": self.action,
                "job": self.job, "slot": self.slot, "details": self.details}

    def to_json(self) -> dict[str, Any]:
        """The entry as exported (JSON lines)."""
        return {**self.body(), "prev_hash": self.prev_hash, "hash": self.hash}


def entry_hash(prev_hash: bytes, body: dict[str, Any]) -> bytes:
    """SHA-256 over the previous hash and the entry's canonical JSON."""
    return hashlib.sha256(prev_hash + canonical_json(body)).digest()


def check_actor(actor: str) -> str:
    """Refuse an actor that is not `system`, `citizen` or `ROLE:NAME`."""
    if not isinstance(actor, str) or not _ACTOR.match(actor):
        raise SpoolError(f"bad audit actor {actor!r}: use system, citizen, operator:NAME or technician:NAME")
    return actor


def check_details(details: dict[str, Any]) -> None:
    """Refuse details that carry personal data (by key, or by a NIK/phone-shaped value)."""

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if str(key).lower() in _PERSONAL_KEYS:
                    raise PersonalDataInAudit(f"audit details may not carry personal data ({path}{key})")
                if _is_key_id(str(key), inner):
                    continue  # 16 hex digits can all be decimal (1 key in ~1,850): a kid is no NIK
                walk(inner, f"{path}{key}.")
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item, path)
        elif isinstance(value, str) and _PERSONAL_VALUE.search(value):
            raise PersonalDataInAudit(f"audit details may not carry personal data ({path.rstrip('.')})")

    walk(details, "")


def _is_key_id(key: str, value: Any) -> bool:
    """A key id (`kid`, `station_kid`, ...): 16 lower-case hex digits under a key so named."""
    return (key == "kid" or key.endswith("_kid")) and isinstance(value, str) and bool(_KID.fullmatch(value))


def append(conn: sqlite3.Connection, actor: str, action: str, *, job: str | None = None,
           slot: str | None = None, details: dict[str, Any] | None = None,
           at: str | None = None) -> Entry:
    """Append one entry. Call inside the write transaction of the change it records."""
    if not conn.in_transaction:
        raise SpoolError("audit.append must run inside the transaction of the change it records")
    details = dict(details or {})
    check_actor(actor)
    check_details(details)
    last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq = 1 if last is None else last["seq"] + 1
    prev = GENESIS if last is None else bytes.fromhex(last["hash"])
    at = at or now_text()
    body = {"seq": seq, "at": at, "actor": actor, "action": action, "job": job, "slot": slot,
            "details": details}
    digest = entry_hash(prev, body)
    conn.execute(
        "INSERT INTO audit (seq, at, actor, action, job_id, slot_id, details, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, at, actor, action, job, slot, canonical_json(details).decode(), prev.hex(), digest.hex()))
    _raise_latest(conn, at)
    return Entry(seq, at, actor, action, job, slot, details, prev.hex(), digest.hex())


def _row_entry(row: sqlite3.Row) -> Entry:
    return Entry(row["seq"], row["at"], row["actor"], row["action"], row["job_id"], row["slot_id"],
                 json.loads(row["details"]), row["prev_hash"], row["hash"])


def entries(conn: sqlite3.Connection, since: int = 0, job: str | None = None) -> Iterator[Entry]:
    """Entries with a sequence number above `since`, oldest first (optionally for one job)."""
    if job is None:
        rows = conn.execute("SELECT * FROM audit WHERE seq > ? ORDER BY seq", (since,))
    else:
        rows = conn.execute("SELECT * FROM audit WHERE seq > ? AND job_id = ? ORDER BY seq", (since, job))
    for row in rows:
        yield _row_entry(row)


@dataclass(frozen=True)
class Verdict:
    """The result of walking the chain."""

    ok: bool
    count: int
    head: str
    bad_seq: int | None = None
    reason: str | None = None


def verify(conn: sqlite3.Connection) -> Verdict:
    """Walk the whole chain; name the first sequence number that does not hold."""
    expected_seq = 1
    prev = GENESIS
    prev_row_seq: int | None = None
    count = 0
    for row in conn.execute("SELECT * FROM audit ORDER BY seq"):
        seq = row["seq"]
        try:
            entry = _row_entry(row)
            stored_prev = bytes.fromhex(entry.prev_hash)
            stored_hash = bytes.fromhex(entry.hash)
        except (ValueError, TypeError) as err:
            return Verdict(False, count, prev.hex(), seq, f"row {seq} is not readable: {err}")
        if seq != expected_seq:
            return Verdict(False, count, prev.hex(), expected_seq,
                           f"row {expected_seq} is missing (next row is {seq})")
        self_consistent = entry_hash(stored_prev, entry.body()) == stored_hash
        if not self_consistent:
            return Verdict(False, count, prev.hex(), seq, f"row {seq} does not match its hash")
        if stored_prev != prev:
            # The row itself is intact, so the row before it was rewritten
            # (its hash recomputed after an edit).
            culprit = prev_row_seq if prev_row_seq is not None else seq
            return Verdict(False, count, prev.hex(), culprit,
                           f"row {culprit} was rewritten (row {seq} chains from another hash)")
        prev = stored_hash
        prev_row_seq = seq
        expected_seq += 1
        count += 1
    return Verdict(True, count, prev.hex())


def head(conn: sqlite3.Connection) -> tuple[int, str]:
    """The newest sequence number and hash (0 and the genesis hash when empty)."""
    row = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    return (0, GENESIS.hex()) if row is None else (row["seq"], row["hash"])


def last_at(conn: sqlite3.Connection) -> str | None:
    """When the newest entry was written."""
    row = conn.execute("SELECT at FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    return None if row is None else row["at"]


# (issue 22) The latest time the station has ever recorded, kept apart from the chain: entries written
# while the clock ran behind carry earlier times, so the newest entry's time cannot be the mark.
LATEST_KEY = "latest_time"


def _raise_latest(conn: sqlite3.Connection, at: str) -> None:
    conn.execute("INSERT INTO station (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"
                 " WHERE julianday(excluded.value) > julianday(station.value)", (LATEST_KEY, at))


def seed_latest(conn: sqlite3.Connection) -> None:
    """Write the mark once for a spool from before it existed (else each read would scan the chain)."""
    if conn.execute("SELECT 1 FROM station WHERE key = ?", (LATEST_KEY,)).fetchone() is None:
        at = latest_time(conn)
        if at is not None:
            with write(conn):
                _raise_latest(conn, at)


def latest_time(conn: sqlite3.Connection) -> str | None:
    """The latest time the station has recorded: the station's clock may never go back behind it."""
    row = conn.execute("SELECT value FROM station WHERE key = ?", (LATEST_KEY,)).fetchone()
    if row is not None:
        return row["value"]
    # A spool written before the mark existed: the latest time in its chain (one scan, until the next entry).
    row = conn.execute("SELECT at FROM audit ORDER BY julianday(at) DESC LIMIT 1").fetchone()
    return None if row is None else row["at"]
