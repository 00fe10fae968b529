"""The slot table: locker slots `A-1-05` (bus, board, lock), their size, service state and occupant.

One document per slot and one slot per document: `occupant` is UNIQUE, and a
slot is taken only when free, in service and not retired. The station's
configuration is the truth about which slots exist: `reconcile` brings the
table in line with it at every start.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from . import audit
from .db import write
from .errors import SlotError, UnknownJob

# The spool's own reading of slot names (the drivers name them; the spool only sorts and checks).
SLOT_ID = re.compile(r"^([A-Za-z0-9]{1,8})-([1-9][0-9]?)-([0-9]{2})$")
LEGACY_ID = re.compile(r"^([1-9][0-9]?)-([0-9]{2})$")  # before slots named their bus (schema 3)
SIZES = ("S", "M", "L")
BY_CONFIGURATION = "configuration"


def parse_slot_id(text: str) -> tuple[str, int, int]:
    """`"A-1-05"` -> `("A", 1, 5)`; a clear error for anything else."""
    match = SLOT_ID.match(text or "")
    if not match or int(match.group(3)) == 0:
        raise SlotError(f"bad slot name {text!r}: expected BUS-BOARD-LOCK such as A-1-05")
    return match.group(1), int(match.group(2)), int(match.group(3))


def _order(sid: str) -> tuple[str, int, int]:
    try:
        return parse_slot_id(sid)
    except SlotError:
        return ("", 0, 0)


@dataclass(frozen=True)
class Slot:
    """One locker slot."""

    id: str
    size: str
    accessible: bool
    out_of_service: bool
    service_note: str | None
    occupant: str | None
    retired: str | None = None  # why the slot is no longer used ("configuration", or who retired it)

    def as_dict(self) -> dict[str, Any]:
        """The slot as the API and CLI show it."""
        return {"id": self.id, "size": self.size, "accessible": self.accessible,
                "out_of_service": self.out_of_service, "service_note": self.service_note,
                "occupant": self.occupant, "retired": self.retired}


def _slot(row: sqlite3.Row) -> Slot:
    return Slot(row["id"], row["size"], bool(row["accessible"]), bool(row["out_of_service"]),
                row["service_note"], row["occupant"], row["retired"])


def list_slots(conn: sqlite3.Connection, *, retired: bool = False) -> list[Slot]:
    """The slots in use (and the retired ones too when asked), in bus, board, lock order."""
    rows = conn.execute("SELECT * FROM slots" + ("" if retired else " WHERE retired IS NULL")).fetchall()
    return sorted((_slot(r) for r in rows), key=lambda s: _order(s.id))


def resolve(conn: sqlite3.Connection, text: str) -> str:
    """The slot a person named: `A-1-05`, or `1-05` where only one slot is board 1, lock 5."""
    legacy = LEGACY_ID.match(text or "")
    if legacy is None:
        return text
    matches = [row["id"] for row in conn.execute("SELECT id FROM slots WHERE retired IS NULL")
               if row["id"].endswith(f"-{text}") and SLOT_ID.match(row["id"])]
    if len(matches) != 1:
        raise SlotError(f"no slot {text!r} at this station" if not matches else
                        f"slot {text!r} is ambiguous: name one of {', '.join(sorted(matches))}")
    return matches[0]


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
        if slot.retired is not None:
            raise SlotError(f"slot {sid} is retired ({slot.retired})")
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
    """The first free, in-service slot of at least `size` (accessible ones only when asked).

    Of the smallest fitting size, the bus holding the fewest documents goes first: documents spread
    over the buses, so one bus down leaves the fewest of them behind a dead door.
    """
    sizes = SIZES[SIZES.index(size):] if size in SIZES else SIZES
    rows = conn.execute(
        f"SELECT * FROM slots WHERE occupant IS NULL AND out_of_service = 0 AND retired IS NULL"
        f" AND size IN ({', '.join('?' for _ in sizes)})" + (" AND accessible = 1" if accessible else ""),
        sizes).fetchall()
    held = Counter(_order(row["id"])[0] for row in conn.execute("SELECT id FROM slots WHERE occupant IS NOT NULL"))
    candidates = sorted((_slot(r) for r in rows),
                        key=lambda s: (SIZES.index(s.size), held[_order(s.id)[0]], _order(s.id)))
    return candidates[0] if candidates else None


def count_free(conn: sqlite3.Connection) -> int:
    """How many slots could take a document now (free, in service, not retired)."""
    row = conn.execute("SELECT COUNT(*) FROM slots WHERE occupant IS NULL AND out_of_service = 0"
                       " AND retired IS NULL").fetchone()
    return int(row[0])


def retire(conn: sqlite3.Connection, sid: str, *, actor: str, why: str) -> Slot:
    """Stop using a slot for good (a lock removed, or broken beyond repair); it must be empty."""
    with write(conn):
        slot = get_slot(conn, sid)
        if slot.occupant is not None:
            raise SlotError(f"slot {sid} holds {slot.occupant}: take the document out first")
        conn.execute("UPDATE slots SET retired = ? WHERE id = ?", (why, sid))
        audit.append(conn, actor, "slot.retired", slot=sid,
                     details={"by": "configuration" if why == BY_CONFIGURATION else "person"})
    return get_slot(conn, sid)


def restore(conn: sqlite3.Connection, sid: str, *, actor: str) -> Slot:
    """Use a retired slot again."""
    with write(conn):
        get_slot(conn, sid)
        conn.execute("UPDATE slots SET retired = NULL WHERE id = ?", (sid,))
        audit.append(conn, actor, "slot.restored", slot=sid)
    return get_slot(conn, sid)


@dataclass
class Reconciled:
    """What `reconcile` changed to make the table match the configuration."""

    added: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)
    gone_occupied: list[str] = field(default_factory=list)  # not configured, a document inside: never opened

    @property
    def changed(self) -> bool:
        return bool(self.added or self.restored or self.retired or self.renamed or self.gone_occupied)


def reconcile(conn: sqlite3.Connection, layout: list[tuple[str, str, bool]], *,
              actor: str = "system") -> Reconciled:
    """Bring the slot table in line with the configured locks `(id, size, accessible)`, in one transaction.

    New locks are added free; locks that are gone and empty are retired;
    locks that are gone and hold a document are taken out of service (the
    caller raises the alarm: they are never opened). Slots named before
    names carried the bus (`1-05`) take the name of the one configured lock
    they are. A slot a person retired stays retired.
    """
    wanted = {sid: (size, accessible) for sid, size, accessible in layout}
    for sid, (size, _) in wanted.items():
        parse_slot_id(sid)
        if size not in SIZES:
            raise SlotError(f"slot {sid}: size must be one of {', '.join(SIZES)}")
    done = Reconciled()
    with write(conn):
        done.renamed = _rename_legacy(conn, wanted, actor)
        rows = {row["id"]: _slot(row) for row in conn.execute("SELECT * FROM slots")}
        for sid, (size, accessible) in wanted.items():
            slot = rows.get(sid)
            if slot is None:
                conn.execute("INSERT INTO slots (id, size, accessible) VALUES (?, ?, ?)", (sid, size, int(accessible)))
                done.added.append(sid)
                continue
            if slot.retired == BY_CONFIGURATION:
                conn.execute("UPDATE slots SET retired = NULL WHERE id = ?", (sid,))
                done.restored.append(sid)
            if (slot.size, slot.accessible) != (size, accessible):
                conn.execute("UPDATE slots SET size = ?, accessible = ? WHERE id = ?", (size, int(accessible), sid))
        for sid, slot in rows.items():
            if sid in wanted or slot.retired is not None:
                continue
            if slot.occupant is None:
                conn.execute("UPDATE slots SET retired = ? WHERE id = ?", (BY_CONFIGURATION, sid))
                done.retired.append(sid)
            elif not slot.out_of_service or slot.service_note != _GONE_NOTE:
                conn.execute("UPDATE slots SET out_of_service = 1, service_note = ? WHERE id = ?", (_GONE_NOTE, sid))
                done.gone_occupied.append(sid)
        if done.changed:
            audit.append(conn, actor, "slots.reconciled", details={
                "added": len(done.added), "restored": len(done.restored), "retired": len(done.retired),
                "renamed": len(done.renamed), "gone_occupied": sorted(done.gone_occupied)})
    return done


_GONE_NOTE = "not in the configuration: a document is inside; staff must take it out"


def _rename_legacy(conn: sqlite3.Connection, wanted: dict[str, tuple[str, bool]], actor: str) -> dict[str, str]:
    """`1-05` -> `A-1-05` where exactly one configured lock is board 1, lock 5."""
    by_board_lock: dict[tuple[int, int], list[str]] = {}
    for sid in wanted:
        _, board, lock = parse_slot_id(sid)
        by_board_lock.setdefault((board, lock), []).append(sid)
    renamed: dict[str, str] = {}
    for row in conn.execute("SELECT id FROM slots").fetchall():
        match = LEGACY_ID.match(row["id"])
        if not match:
            continue
        names = by_board_lock.get((int(match.group(1)), int(match.group(2))), [])
        taken = names and conn.execute("SELECT 1 FROM slots WHERE id = ?", (names[0],)).fetchone()
        if len(names) == 1 and not taken:
            old, new = row["id"], names[0]
            conn.execute("UPDATE slots SET id = ? WHERE id = ?", (new, old))
            # Open records follow the slot; the audit keeps the name it had then.
            conn.execute("UPDATE alarms SET slot_id = ? WHERE slot_id = ? AND acknowledged_at IS NULL", (new, old))
            conn.execute("UPDATE intents SET slot_id = ? WHERE slot_id = ? AND finished_at IS NULL", (new, old))
            renamed[old] = new
    return renamed
