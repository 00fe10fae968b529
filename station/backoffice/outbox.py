"""Sending the outbox: the queued events of documents' progress go to the back office, in order.

The events are queued by the spool (`spool.outbox`), in the commit of the
change each reports. `Sender` claims the pending ones oldest first and posts
them; one that cannot be delivered is retried, with a growing pause, before
anything behind it is sent (order is kept), and it is marked sent in its own
durable commit once the back office took it. A crash between the back
office's answer and that commit sends it again, which §7 allows ("the same
(id, event) twice is not an error").
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from dataclasses import dataclass

from spool import alarms
from spool.db import write
from spool.outbox import Event, mark_sent, note_attempt, pending

from ..errors import StationError
from . import checkpoint_send, complaints
from .client import Backoff, BackofficeClient, Reply

log = logging.getLogger("station.backoffice.outbox")


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
    in a worker thread, off the event loop). `run` never raises
    for network trouble: it returns only when `stop` is set or the task is
    cancelled.
    """

    def __init__(self, conn: sqlite3.Connection, client: BackofficeClient, *, station: str,
                 poll_seconds: float = 5.0, backoff: Backoff | None = None, batch: int = 100) -> None:
        self.conn = conn
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
