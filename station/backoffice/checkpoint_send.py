"""Signed audit checkpoints leave the station with the outbox (PROTOCOLS.md §7.3).

Each checkpoint the daemon signs (`station.trust.checkpoint.make`) is posted to
`POST /api/v1/stations/{station}/checkpoints`, oldest first, and marked
sent (`checkpoints.sent_at`) once the back office took it: a crash between
its answer and that commit posts the checkpoint again, which §7.3 allows.
Held outside the station, the checkpoints show a cut tail, or a spool
restored whole from an old copy, as rows missing under a signed checkpoint
(`station audit verify --checkpoint FILE`).
"""

from __future__ import annotations

import asyncio
import sqlite3

from spool import alarms, checkpoints
from spool.db import write

from station.trust import checkpoint
from .client import BackofficeClient, Reply

def pending(conn: sqlite3.Connection, station: str, limit: int = 20) -> list[checkpoint.Checkpoint]:
    """Checkpoints not yet taken by the back office, oldest first."""
    return checkpoint.stored(conn, station, unsent=True)[:limit]


def mark_sent(conn: sqlite3.Connection, seq: int) -> None:
    """Record, durably, that the back office took the checkpoint of sequence `seq`."""
    checkpoints.mark_sent(conn, seq)


def _refused(conn: sqlite3.Connection, made: checkpoint.Checkpoint, reply: Reply) -> None:
    with write(conn):
        alarms.raise_alarm(conn, "backoffice.checkpoint_refused",
                           f"the back office refused audit checkpoint {made.seq}: {reply.describe()}",
                           severity="warning", device="backoffice")
        mark_sent(conn, made.seq)


async def deliver(conn: sqlite3.Connection, client: BackofficeClient, station: str) -> tuple[int, Reply | None]:
    """Post pending checkpoints; (how many were delivered, the reply to wait on when one must wait)."""
    delivered = 0
    for made in await asyncio.to_thread(pending, conn, station):
        reply = await client.post_checkpoint(station, made.as_dict())
        if reply.retryable:
            return delivered, reply
        if reply.ok or reply.status == 409:
            await asyncio.to_thread(mark_sent, conn, made.seq)
        else:  # refused for good: retrying cannot help; a person is told
            await asyncio.to_thread(_refused, conn, made, reply)
        delivered += 1
    return delivered, None
