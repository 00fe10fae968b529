"""Reads for the station's `/metrics`: a few indexed counts, and the audit chain's rows tallied by kind.

The collector (`station.web.spool_metrics`) decides what each figure means
on the wire; this module only asks the spool. All of one scrape's reads run
in one read transaction (`snapshot`), so that its figures agree.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

from .states import JobState

# Documents the citizen can come for now: in a slot (locker), or rendered and waiting (dispenser).
# (`state IN` first: the state index finds the few candidates instead of a scan of every job.)
_READY = ("state IN ('staged', 'rendered')"
          " AND ((flow = 'locker' AND state = 'staged') OR (flow = 'dispenser' AND state = 'rendered'))")
# Documents not yet handed over (their pickup window still matters).
NOT_HANDED_OVER = (JobState.RECEIVED, JobState.RENDERED, JobState.PRINTING, JobState.PRINTED, JobState.STAGED,
                   JobState.HELD)
SLOT_STATUSES = ("free", "occupied", "out_of_service")

# The audit rows from `after` (excluded) to `upto`, grouped by what a counter needs to tell them apart.
_AUDIT_TALLY = """
SELECT action, json_extract(details, '$.to') AS target, json_extract(details, '$.from') AS source,
       job_id IS NOT NULL AS has_job, COUNT(*) AS n,
       TOTAL(CASE WHEN json_extract(details, '$.to') = 'printed' THEN json_extract(details, '$.pages') END) AS pages
FROM audit WHERE seq > ? AND seq <= ?
GROUP BY action, target, source, has_job
"""


@contextlib.contextmanager
def snapshot(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One read transaction (on a connection of the caller's own, outside any other transaction)."""
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        conn.execute("COMMIT")


def ready_documents(conn: sqlite3.Connection) -> int:
    """Documents ready for pickup: in their slot (locker) or rendered (dispenser)."""
    return int(conn.execute(f"SELECT COUNT(*) FROM jobs WHERE {_READY}").fetchone()[0])


def expiring_documents(conn: sqlite3.Connection, until: float) -> int:
    """Documents not yet handed over whose pickup window ends by `until` (seconds since the epoch)."""
    marks = ", ".join("?" for _ in NOT_HANDED_OVER)
    return int(conn.execute(
        f"SELECT COUNT(*) FROM jobs WHERE state IN ({marks}) AND pickup_expires IS NOT NULL"
        " AND julianday(pickup_expires) <= julianday(?, 'unixepoch')",
        (*(s.value for s in NOT_HANDED_OVER), until)).fetchone()[0])


def slot_statuses(conn: sqlite3.Connection) -> dict[str, int]:
    """Locker slots by status: free, occupied, out of service (every status present)."""
    counts = dict.fromkeys(SLOT_STATUSES, 0)
    for row in conn.execute("SELECT out_of_service, occupant IS NOT NULL AS taken, COUNT(*) AS n"
                            " FROM slots GROUP BY 1, 2"):
        status = "out_of_service" if row["out_of_service"] else "occupied" if row["taken"] else "free"
        counts[status] += row["n"]
    return counts


def outbox_backlog(conn: sqlite3.Connection) -> tuple[int, str | None]:
    """How many events wait for the back office, and when the oldest of them happened (None when none)."""
    row = conn.execute("SELECT COUNT(*) AS n, MIN(id) AS first FROM outbox WHERE sent_at IS NULL").fetchone()
    if row["first"] is None:
        return row["n"], None
    return row["n"], conn.execute("SELECT at FROM outbox WHERE id = ?", (row["first"],)).fetchone()["at"]


def audit_head(conn: sqlite3.Connection) -> int:
    """The newest audit sequence number (0 for an empty chain)."""
    return int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM audit").fetchone()[0])


def audit_tally(conn: sqlite3.Connection, after: int, upto: int) -> list[sqlite3.Row]:
    """Audit rows `after < seq <= upto` counted by action, target and source state, and with or without a job.

    Each row: `action`, `target`, `source`, `has_job`, `n`, and `pages` (the pages printed, for `to` printed).
    """
    return conn.execute(_AUDIT_TALLY, (after, upto)).fetchall()
