"""The durable event outbox: a document's progress, sent to the back office exactly once each.

An event is written into the spool in the same transaction as the change it
reports (`enqueue`, `INSERT OR IGNORE` on `(document_id, event)`), so that a
crash can neither lose it nor report a change that did not commit. `Sender`
posts pending events oldest first; one that cannot be delivered is retried,
with a growing pause, before anything behind it is sent (order is kept), and
it is marked sent in its own durable commit once the back office took it. A
crash between the back office's answer and that commit sends it again, which
§7 allows ("the same (id, event) twice is not an error").
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from dataclasses import dataclass
from typing import Any

from spool import alarms
from spool.audit import canonical_json, now_text
from spool.db import write
from spool.states import JobState

from ..errors import StationError
from . import checkpoint_send, complaints
from .client import Backoff, BackofficeClient, Reply

log = logging.getLogger("station.backoffice.outbox")

EVENTS = ("received", "printed", "staged", "released", "collected", "expired", "returned", "held", "cancelled",
          "retained")
# Job states whose entry is reported to the back office, by event name.
EVENT_FOR_STATE: dict[JobState, str] = {JobState(e): e for e in EVENTS}
MAX_DETAIL_BYTES = 4096


class OutboxError(StationError):
    """An event cannot be queued as asked (unknown event, detail not a small JSON object)."""


@dataclass(frozen=True)
class Event:
    """One queued event."""

    id: int
    document_id: str
    event: str
    at: str
    detail: dict[str, Any]
    sent_at: str | None
    attempts: int

    def body(self, station: str) -> dict[str, Any]:
        """The §7 request body for `POST /api/v1/documents/{id}/events`."""
        return {"event": self.event, "at": self.at, "station": station, "detail": self.detail}


def _event(row: sqlite3.Row) -> Event:
    return Event(row["id"], row["document_id"], row["event"], row["at"], json.loads(row["detail"]),
                 row["sent_at"], row["attempts"])


def enqueue(conn: sqlite3.Connection, document_id: str, event: str, *, at: str | None = None,
            detail: dict[str, Any] | None = None, key: str = "") -> bool:
    """Queue one event; True when new, False when this (document, event, key) was queued before.

    `key` tells apart reports of one event that must each be sent: a
    corrected document's revision (`revision_key`), a refused correction or
    withdrawal. Call it inside the transaction of the change it reports
    (`spool.write` joins an outer transaction), so both commit or neither does.
    """
    if event not in EVENTS:
        raise OutboxError(f"unknown back-office event {event!r}: one of {', '.join(EVENTS)}")
    if not isinstance(document_id, str) or not document_id:
        raise OutboxError("an event needs a document id")
    detail = dict(detail or {})
    try:
        encoded = canonical_json(detail).decode("utf-8")
    except (TypeError, ValueError) as err:
        raise OutboxError(f"event detail is not JSON: {err}") from None
    if len(encoded) > MAX_DETAIL_BYTES:
        raise OutboxError(f"event detail is {len(encoded)} bytes, over {MAX_DETAIL_BYTES}")
    with write(conn):
        cur = conn.execute("INSERT OR IGNORE INTO outbox (document_id, event, key, at, detail)"
                           " VALUES (?, ?, ?, ?, ?)", (document_id, event, key, at or now_text(), encoded))
    return cur.rowcount == 1


def revision_key(revision: int) -> str:
    """The outbox key of a state event of a document's `revision` (none for the first)."""
    return f"r{revision}" if revision else ""


def enqueue_for_state(conn: sqlite3.Connection, document_id: str, state: JobState | str, *,
                      at: str | None = None, detail: dict[str, Any] | None = None) -> bool:
    """Queue the event that reports entering `state`, if that state is reported (False otherwise)."""
    event = EVENT_FOR_STATE.get(JobState(state))
    if event is None:
        return False
    return enqueue(conn, document_id, event, at=at, detail=detail)


def pending(conn: sqlite3.Connection, limit: int = 100) -> list[Event]:
    """Events not yet delivered, oldest first."""
    rows = conn.execute("SELECT * FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT ?", (limit,))
    return [_event(row) for row in rows]


def pending_count(conn: sqlite3.Connection) -> int:
    """How many events wait to be delivered."""
    return conn.execute("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0]


def events_for(conn: sqlite3.Connection, document_id: str) -> list[Event]:
    """Every event queued for one document, oldest first."""
    rows = conn.execute("SELECT * FROM outbox WHERE document_id = ? ORDER BY id", (document_id,))
    return [_event(row) for row in rows]


def mark_sent(conn: sqlite3.Connection, event_id: int, *, at: str | None = None) -> None:
    """Record, durably, that the back office took the event."""
    with write(conn):
        conn.execute("UPDATE outbox SET sent_at = ?, attempts = attempts + 1 WHERE id = ? AND sent_at IS NULL",
                     (at or now_text(), event_id))


def note_attempt(conn: sqlite3.Connection, event_id: int) -> None:
    """Count a failed delivery attempt (what an operator sees as attempts)."""
    with write(conn):
        conn.execute("UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", (event_id,))


# --- from the audit chain --------------------------------------------------

AUDIT_CURSOR_KEY = "backoffice.audit_seq"


def collect(conn: sqlite3.Connection, batch: int = 1000) -> int:
    """Queue the events the audit chain recorded since the last call; returns how many were new.

    Every state change is one audit entry (`spool.machine` writes them), so
    reading the chain in order finds every reportable change, whichever part
    of the station made it, and in the order it happened. The position read
    up to is kept in the spool, in the same transaction as the events queued
    from it: a crash repeats nothing and loses nothing. Reads in batches of
    `batch` entries, one short transaction each, until level with the chain.
    """
    queued = 0
    while True:
        new, read = _collect_batch(conn, batch)
        queued += new
        if read < batch:
            return queued


def _collect_batch(conn: sqlite3.Connection, limit: int) -> tuple[int, int]:
    """One transaction of `collect`: (events newly queued, audit entries read)."""
    queued = 0
    with write(conn):
        row = conn.execute("SELECT value FROM station WHERE key = ?", (AUDIT_CURSOR_KEY,)).fetchone()
        since = int(row["value"]) if row is not None else 0
        last = since
        entries = conn.execute("SELECT seq, at, actor, action, job_id, slot_id, details FROM audit"
                               " WHERE seq > ? ORDER BY seq LIMIT ?", (since, limit)).fetchall()
        for entry in entries:
            last = entry["seq"]
            event = _reported_event(entry)
            if event is None:
                continue
            details = json.loads(entry["details"])
            detail: dict[str, Any] = {"audit_seq": entry["seq"]}
            if entry["slot_id"]:
                detail["slot"] = entry["slot_id"]
            if isinstance(details.get("reason"), str):
                detail["reason"] = details["reason"][:200]
            if event == "cancelled":
                detail["by"] = cancelled_by(entry["actor"], details)
            revision = _revision_at(conn, entry["job_id"], entry["seq"])
            if revision:
                detail["revision"] = revision
            queued += enqueue(conn, entry["job_id"], event, at=entry["at"], detail=detail,
                              key=revision_key(revision))
        if last != since:
            conn.execute("INSERT INTO station (key, value) VALUES (?, ?)"
                         " ON CONFLICT(key) DO UPDATE SET value = excluded.value", (AUDIT_CURSOR_KEY, str(last)))
    return queued, len(entries)


def cancelled_by(actor: str, details: dict[str, Any]) -> str:
    """Who cancelled (§7.1 `detail.by`): the back office (a withdrawal) or an operator."""
    if details.get("by") in ("office", "operator"):
        return str(details["by"])
    return "office" if actor in ("system", "backoffice") else "operator"


def _revision_at(conn: sqlite3.Connection, job_id: str, seq: int) -> int:
    """The document revision a job held at audit entry `seq` (the last correction taken before it)."""
    row = conn.execute("SELECT details FROM audit WHERE job_id = ? AND action = 'job.corrected' AND seq <= ?"
                       " ORDER BY seq DESC LIMIT 1", (job_id, seq)).fetchone()
    if row is None:
        return 0
    revision = json.loads(row["details"]).get("revision")
    return revision if type(revision) is int and revision > 0 else 0


def _reported_event(entry: sqlite3.Row) -> str | None:
    """The back-office event an audit entry reports, if any."""
    if entry["job_id"] is None:
        return None
    if entry["action"] == "job.received":
        return "received"
    try:
        target = json.loads(entry["details"]).get("to")
    except (ValueError, AttributeError):
        return None
    try:
        return EVENT_FOR_STATE.get(JobState(target)) if isinstance(target, str) else None
    except ValueError:
        return None


# --- sending -----------------------------------------------------------------

@dataclass
class SenderStatus:
    """What the sender last saw, for the health worker and the ops page."""

    delivered: int = 0
    failures: int = 0
    refused: int = 0
    last_error: str | None = None
    waiting_since: float | None = None  # loop time the back office became unreachable


class Sender:
    """Posts pending events in order; waits and retries while the back office is unreachable.

    `conn` must be a connection of its own (the sender's database work runs
    in a worker thread, off the event loop). With `collect_audit`, each
    round first queues the events the audit chain recorded (`collect`), so
    that no other part of the station has to queue them. `run` never raises
    for network trouble: it returns only when `stop` is set or the task is
    cancelled.
    """

    def __init__(self, conn: sqlite3.Connection, client: BackofficeClient, *, station: str,
                 poll_seconds: float = 5.0, backoff: Backoff | None = None, batch: int = 100,
                 collect_audit: bool = False) -> None:
        self.conn = conn
        self.collect_audit = collect_audit
        self.client = client
        self.station = station
        self.poll_seconds = poll_seconds
        self.backoff = backoff or Backoff()
        self.batch = batch
        self.status = SenderStatus()
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Look at the outbox now (call after queuing an event); safe from the event loop only."""
        self._wake.set()

    async def send_pending(self) -> int:
        """Deliver what is pending, in order, stopping at the first event that must wait.

        Returns how many events were delivered. When one fails for a reason
        worth retrying, the rest wait behind it (order is kept) and the caller
        pauses before the next call.
        """
        # Citizens' complaints first: a person is waiting at the station, and a complaint does not
        # depend on the order of the documents' progress events.
        delivered = await self._send_complaints()
        sent, must_wait = await checkpoint_send.deliver(self.conn, self.client, self.station)  # §7.3
        if must_wait is not None:
            raise _MustWait(must_wait)
        delivered += sent
        while True:
            events = await asyncio.to_thread(pending, self.conn, self.batch)
            if not events:
                return delivered
            for event in events:
                reply = await self.client.post_event(event.document_id, event.body(self.station))
                if reply.ok or reply.status == 409:
                    # 409: the back office already has this (id, event); delivered.
                    await asyncio.to_thread(mark_sent, self.conn, event.id)
                    delivered += 1
                    self.status.delivered += 1
                    continue
                if reply.retryable:
                    await asyncio.to_thread(note_attempt, self.conn, event.id)
                    self.status.failures += 1
                    self.status.last_error = reply.describe()
                    raise _MustWait(reply)
                # Refused for good (400, 404, 422): retrying cannot help and
                # would block every event behind it; a person is told.
                await asyncio.to_thread(self._give_up, event, reply)
                delivered += 1
                self.status.refused += 1

    async def _send_complaints(self) -> int:
        """Deliver pending citizens' complaints (§7.1), oldest first; same rules as events."""
        delivered = 0
        for complaint in await asyncio.to_thread(complaints.pending, self.conn, self.batch):
            body = complaint.body(self.station)
            if complaint.document_id:
                reply = await self.client.post_event(complaint.document_id, body)
            else:
                reply = await self.client.post_complaint(self.station, body)
            if reply.ok or reply.status == 409:
                await asyncio.to_thread(complaints.mark_sent, self.conn, complaint.id)
                delivered += 1
                self.status.delivered += 1
            elif reply.retryable:
                await asyncio.to_thread(complaints.note_attempt, self.conn, complaint.id)
                self.status.failures += 1
                self.status.last_error = reply.describe()
                raise _MustWait(reply)
            else:
                await asyncio.to_thread(self._give_up_complaint, complaint, reply)
                self.status.refused += 1
        return delivered

    def _give_up_complaint(self, complaint: complaints.Complaint, reply: Reply) -> None:
        with write(self.conn):
            alarms.raise_alarm(self.conn, "backoffice.complaint_refused",
                               f"the back office refused complaint {complaint.id}: {reply.describe()}",
                               job=complaint.document_id, device="backoffice")
            complaints.mark_sent(self.conn, complaint.id)

    def _give_up(self, event: Event, reply: Reply) -> None:
        with write(self.conn):
            alarms.raise_alarm(self.conn, "backoffice.event_refused",
                               f"the back office refused event {event.event} for document"
                               f" {event.document_id}: {reply.describe()}", severity="warning",
                               job=event.document_id, device="backoffice")
            mark_sent(self.conn, event.id)
        log.warning("back office refused event %s of %s: %s", event.event, event.document_id,
                    reply.describe())

    async def step(self) -> float:
        """One round: deliver what can be delivered; returns how long to wait before the next.

        Fits `Daemon.loop`. Never raises for back-office trouble: it waits
        (jittered, growing pauses) while the back office cannot take events.
        """
        loop = asyncio.get_running_loop()
        try:
            if self.collect_audit:
                await asyncio.to_thread(collect, self.conn)
            await self.send_pending()
        except _MustWait as wait:
            if self.status.waiting_since is None:
                self.status.waiting_since = loop.time()
                log.warning("back office unreachable, events wait in the outbox: %s", wait.reply.describe())
            return self.backoff.next_delay()
        except (sqlite3.Error, StationError) as err:
            # The spool was busy or broken: keep the daemon up, try again later.
            self.status.last_error = f"spool: {err}"
            log.error("outbox: %s", err)
            return self.backoff.next_delay()
        if self.status.waiting_since is not None:
            log.info("back office reachable again; the outbox is delivered")
        self.status.waiting_since = None
        self.backoff.reset()
        return self.poll_seconds

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Deliver events until `stop` is set: promptly when woken, else every `poll_seconds`."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            self._wake.clear()
            pause = await self.step()
            waits = [asyncio.ensure_future(stop.wait())]
            if self.status.waiting_since is None:
                waits.append(asyncio.ensure_future(self._wake.wait()))
            try:
                await asyncio.wait(waits, timeout=pause, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waits:
                    waiter.cancel()


class _MustWait(Exception):
    """The back office could not take an event now; everything behind it waits."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.describe())
        self.reply = reply
