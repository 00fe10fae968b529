"""The slot table: locker slots `B-LL`, their size, service state and occupant.

One document per slot and one slot per document: `occupant` is UNIQUE, and a
slot is taken only when free and in service.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from . import audit
from .db import write
from .errors import SlotError, UnknownJob

SLOT_ID = re.compile(r"^([1-9][0-9]?)-([0-9]{2})$")
SIZES = ("S", "M", "L")


def slot_id(board: int, lock: int) -> str:
    """The name of lock `lock` on board `board`, both 1-based: `1-05`."""
    if not (1 <= board <= 99 and 1 <= lock <= 99):
        raise SlotError(f"no slot name for board {board}, lock {lock}")
    return f"{board}-{lock:02d}"


def parse_slot_id(text: str) -> tuple[int, int]:
    """`"1-05"` -> `(1, 5)`; a clear error for anything else."""
    match = SLOT_ID.match(text or "")
    if not match or int(match.group(2)) == 0:
        raise SlotError(f"bad slot name {text!r}: expected BOARD-LOCK such as 1-05")
    return int(match.group(1)), int(match.group(2))


@dataclass(frozen=True)
class Slot:
    """One locker slot."""

    id: str
    size: str
    accessible: bool
    out_of_service: bool
    service_note: str | None
    occupant: str | None

    def as_dict(self) -> dict[str, Any]:
        """The slot as the API and CLI show it."""
        return {"id": self.id, "size": self.size, "accessible": self.accessible,
                "out_of_service": self.out_of_service, "service_note": self.service_note,
                "occupant": self.occupant}


def _slot(row: sqlite3.Row) -> Slot:
    return Slot(row["id"], row["size"], bool(row["accessible"]), bool(row["out_of_service"]),
                row["service_note"], row["occupant"])


def list_slots(conn: sqlite3.Connection) -> list[Slot]:
    """All slots, in board then lock order."""
    rows = conn.execute("SELECT * FROM slots").fetchall()
    return sorted((_slot(r) for r in rows), key=lambda s: parse_slot_id(s.id))


def get_slot(conn: sqlite3.Connection, sid: str) -> Slot:
    """One slot by name."""
    row = conn.execute("SELECT * FROM slots WHERE id = ?", (sid,)).fetchone()
    if row is None:
        raise SlotError(f"no slot {sid!r} at this station")
    return _slot(row)


def add_slots(conn: sqlite3.Connection, layout: list[tuple[str, str, bool]], *, actor: str = "system") -> int:
    """Add slots `(id, size, accessible)` that are not there yet; returns how many were added."""
    added = 0
    with write(conn):
        for sid, size, accessible in layout:
            parse_slot_id(sid)
            if size not in SIZES:
                raise SlotError(f"slot {sid}: size must be one of {', '.join(SIZES)}")
            cur = conn.execute("INSERT OR IGNORE INTO slots (id, size, accessible) VALUES (?, ?, ?)",
                               (sid, size, int(accessible)))
            added += cur.rowcount
        if added:
            audit.append(conn, actor, "slots.added", details={"count": added})
    return added


def occupy(conn: sqlite3.Connection, sid: str, job_id: str, *, actor: str) -> None:
    """Reserve a free, in-service slot for a job (before the door is opened for loading)."""
    with write(conn):
        slot = get_slot(conn, sid)
        if slot.out_of_service:
            raise SlotError(f"slot {sid} is out of service")
        if slot.occupant is not None and slot.occupant != job_id:
            raise SlotError(f"slot {sid} already holds {slot.occupant}")
        if conn.execute("SELECT 1 FROM jobs WHERE id = ?", (job_id,)).fetchone() is None:
            raise UnknownJob(job_id)
        held = conn.execute("SELECT id FROM slots WHERE occupant = ?", (job_id,)).fetchone()
        if held is not None and held["id"] != sid:
            raise SlotError(f"job {job_id} already has slot {held['id']}")
        conn.execute("UPDATE slots SET occupant = ? WHERE id = ?", (job_id, sid))
        audit.append(conn, actor, "slot.occupied", job=job_id, slot=sid)


def vacate(conn: sqlite3.Connection, sid: str, *, actor: str, reason: str) -> None:
    """Empty a slot (the paper was taken out, or loading was abandoned)."""
    with write(conn):
        slot = get_slot(conn, sid)
        conn.execute("UPDATE slots SET occupant = NULL WHERE id = ?", (sid,))
        audit.append(conn, actor, "slot.vacated", job=slot.occupant, slot=sid, details={"reason": reason})


def set_service(conn: sqlite3.Connection, sid: str, out_of_service: bool, *, actor: str,
                note: str | None = None) -> Slot:
    """Take a slot out of service (with a note), or put it back."""
    with write(conn):
        get_slot(conn, sid)
        conn.execute("UPDATE slots SET out_of_service = ?, service_note = ? WHERE id = ?",
                     (int(out_of_service), note if out_of_service else None, sid))
        audit.append(conn, actor, "slot.out_of_service" if out_of_service else "slot.in_service",
                     slot=sid, details={"note": note} if note else {})
    return get_slot(conn, sid)


def free_slot(conn: sqlite3.Connection, size: str = "M", accessible: bool = False) -> Slot | None:
    """The first free, in-service slot of at least `size` (accessible ones only when asked)."""
    sizes = SIZES[SIZES.index(size):] if size in SIZES else SIZES
    rows = conn.execute(
        f"SELECT * FROM slots WHERE occupant IS NULL AND out_of_service = 0"
        f" AND size IN ({', '.join('?' for _ in sizes)})" + (" AND accessible = 1" if accessible else ""),
        sizes).fetchall()
    candidates = sorted((_slot(r) for r in rows), key=lambda s: (SIZES.index(s.size), parse_slot_id(s.id)))
    return candidates[0] if candidates else None
