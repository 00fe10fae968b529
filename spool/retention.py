"""What the housekeeping passes look for: finished jobs past their keeping time, expired paper in slots."""

from __future__ import annotations

import sqlite3
from typing import Literal

from .states import JobState

# A finished job's life is over: its PDF and personal data may go once it is old enough.
FINISHED = (JobState.COLLECTED, JobState.RETURNED, JobState.CANCELLED, JobState.RETAINED)
_FINISHED_IN = ", ".join(f"'{s.value}'" for s in FINISHED)
# The column whose data retention removes; only jobs still holding it are listed.
Holding = Literal["pdf_path", "payload"]


def finished_before(conn: sqlite3.Connection, cutoff: str, holding: Holding) -> list[tuple[str, str | None]]:
    """`(job id, pdf path)` of finished jobs last changed before `cutoff` (RFC 3339) that still hold `holding`."""
    if holding not in ("pdf_path", "payload"):
        raise ValueError(f"retention removes pdf_path or payload, not {holding!r}")
    rows = conn.execute(f"SELECT id, pdf_path FROM jobs WHERE state IN ({_FINISHED_IN}) AND updated_at < ?"
                        f" AND {holding} IS NOT NULL", (cutoff,)).fetchall()
    return [(row["id"], row["pdf_path"]) for row in rows]


def expired_in_slots(conn: sqlite3.Connection) -> list[str]:
    """The slots that hold an expired document, in slot order."""
    rows = conn.execute("SELECT slots.id AS slot FROM jobs JOIN slots ON slots.occupant = jobs.id"
                        " WHERE jobs.state = 'expired' ORDER BY slots.id").fetchall()
    return [row["slot"] for row in rows]
