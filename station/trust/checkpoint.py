"""Signed audit checkpoints: the chain's head, signed by the station key.

The chain alone cannot show that its newest rows were cut off. A checkpoint,
sent to the back office at intervals, pins "row N had hash H" under the
station's signature; a spool whose row N is gone or different no longer
matches it.

    {"station": ID, "seq": N, "hash": HEX, "at": RFC3339, "kid": HEX, "signature": BASE64}

The signature is Ed25519 over `"MPP1/checkpoint\\n"` followed by the canonical
JSON of `{"at", "hash", "seq", "station"}`.
"""

from __future__ import annotations

import base64
import binascii
import json
import sqlite3
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from spool import audit, checkpoints
from spool.db import write

from station.errors import StationError
from station.trust.store import TrustError, TrustStore, format_time, kid_of, parse_time, public_raw

DOMAIN = b"MPP1/checkpoint\n"


class CheckpointError(StationError):
    """A checkpoint is malformed, not signed by a trusted station key, or does not match the chain."""

    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=1)


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement of the audit chain's head."""

    station: str
    seq: int
    hash: str
    at: str
    kid: str
    signature: str

    def signed_bytes(self) -> bytes:
        """What the signature covers."""
        return DOMAIN + audit.canonical_json({"station": self.station, "seq": self.seq, "hash": self.hash,
                                              "at": self.at})

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Checkpoint:
        """Read a checkpoint; `CheckpointError` for a wrong shape."""
        fields = {"station": str, "seq": int, "hash": str, "at": str, "kid": str, "signature": str}
        if not isinstance(data, dict) or set(data) != set(fields):
            raise CheckpointError(f"a checkpoint has exactly the fields {sorted(fields)}")
        for name, kind in fields.items():
            if type(data[name]) is not kind:
                raise CheckpointError(f"checkpoint field {name} must be {kind.__name__}")
        return cls(**data)


def make(conn: sqlite3.Connection, station_id: str, key: Ed25519PrivateKey,
         now: datetime | None = None) -> Checkpoint:
    """Sign the current head of the chain and record the checkpoint in the spool (audited)."""
    with write(conn):
        seq, head = audit.head(conn)
        at = format_time(_not_behind(now or datetime.now(UTC), audit.latest_time(conn)))
        unsigned = Checkpoint(station_id, seq, head, at, kid_of(public_raw(key)), "")
        signature = base64.b64encode(key.sign(unsigned.signed_bytes())).decode()
        checkpoint = Checkpoint(station_id, seq, head, at, unsigned.kid, signature)
        checkpoints.save(conn, checkpoints.Stored(seq, head, at, checkpoint.kid, signature))
        audit.append(conn, "system", "audit.checkpoint", details={"seq": seq, "hash": head})
    return checkpoint


def _not_behind(now: datetime, latest: str | None) -> datetime:
    """(issue 22) `now`, or the latest time recorded if the clock is behind it (rounded up to the second that
    `format_time` keeps): a checkpoint signed while the clock ran behind must still fall in the key's window."""
    try:
        mark = parse_time(latest, "latest_time") if latest else None
    except StationError:
        mark = None
    if mark is None or now >= mark:
        return now
    return mark + timedelta(microseconds=1_000_000 - mark.microsecond) if mark.microsecond else mark


def stored(conn: sqlite3.Connection, station_id: str, *, unsent: bool = False) -> list[Checkpoint]:
    """The checkpoints this station made (only those not yet sent to the back office: `unsent`), oldest first."""
    return [Checkpoint(station_id, *row) for row in checkpoints.stored(conn, unsent=unsent)]


def load(path: Path) -> list[Checkpoint]:
    """Checkpoints from a file: one JSON object, a list, or JSON lines."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise CheckpointError(f"cannot read checkpoint file {path}: {err.strerror}") from None
    except UnicodeDecodeError:
        raise CheckpointError(f"{path}: not a checkpoint file (not UTF-8 text)") from None
    try:
        data = json.loads(text)
        items = data if isinstance(data, list) else [data]
    except json.JSONDecodeError:
        try:
            items = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as err:
            raise CheckpointError(f"{path}: not JSON: {err}") from None
    if not items:
        raise CheckpointError(f"{path}: no checkpoint in the file")
    return [Checkpoint.from_dict(item) for item in items]


def verify(conn: sqlite3.Connection, checkpoint: Checkpoint, trust_store: TrustStore,
           now: datetime | None = None) -> None:
    """The checkpoint is signed by a trusted station key and the chain still holds its head."""
    try:
        signature = base64.b64decode(checkpoint.signature, validate=True)
    except (binascii.Error, ValueError):
        raise CheckpointError("checkpoint signature is not base64") from None
    try:
        signed_at = parse_time(checkpoint.at, "checkpoint.at")
        trust_store.verify(checkpoint.kid, "station", checkpoint.signed_bytes(), signature,
                           signed_at=signed_at, now=now or datetime.now(UTC))
    except TrustError as err:
        raise CheckpointError(f"checkpoint of sequence {checkpoint.seq} is not trusted: {err.reason}") from None
    except StationError as err:
        raise CheckpointError(str(err)) from None
    row = _entry(conn, checkpoint.seq)
    if row is None:
        raise CheckpointError(f"the chain no longer has row {checkpoint.seq} that the checkpoint of"
                              f" {checkpoint.at} signed: rows were cut off")
    if row.hash != checkpoint.hash:
        raise CheckpointError(f"row {checkpoint.seq} differs from the checkpoint of {checkpoint.at}")


def _entry(conn: sqlite3.Connection, seq: int) -> audit.Entry | None:
    """The audit row of sequence `seq`, None when the chain no longer has it."""
    try:
        entry = next(audit.entries(conn, since=seq - 1), None)
    except ValueError:  # its details are no JSON: the row was tampered with
        raise CheckpointError(f"audit row {seq} is not readable") from None
    return entry if entry is not None and entry.seq == seq else None


def verify_stored(conn: sqlite3.Connection, station_id: str, trust_store: TrustStore,
                  now: datetime | None = None) -> list[Checkpoint]:
    """The spool's own checkpoints, each verified; `CheckpointError` when the chain lost rows under one.

    `make` records a checkpoint and its `audit.checkpoint` entry (the row
    right after the head it signed) in one transaction: a tail cut anywhere
    up to that entry leaves a checkpoint without its rows. Only a copy held
    outside the spool (the back office's) also catches a spool restored
    whole from an old copy, or the checkpoints deleted with the rows.
    """
    found = stored(conn, station_id)
    for checkpoint in found:
        verify(conn, checkpoint, trust_store, now)
        row = _entry(conn, checkpoint.seq + 1)
        recorded = row is not None and row.action == "audit.checkpoint" and row.details
        if not recorded or recorded.get("seq") != checkpoint.seq:
            raise CheckpointError(f"the chain no longer has the record (row {checkpoint.seq + 1}) of the"
                                  f" checkpoint of {checkpoint.at}: rows were cut off")
    return found
