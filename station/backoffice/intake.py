"""Document intake: verify every document, then store a page of them and the cursor in one transaction.

The order is the point: nothing is stored before its issuer signature
verified (`check_items` runs outside the transaction, it is pure). Then one
durable transaction (`store`) creates a `received` job and queues a
`received` event per good document, records each refused one in
`refused_documents` (a `held` event only for one whose signature verified:
an unverified document's id proves nothing), and moves the back-office cursor: a crash leaves the whole page taken or none of it.

Duplicates: a document id already in the spool is never a second job. The
same document again (same content, whatever key re-signed it), or an older
revision, is counted as a duplicate and ignored. A higher revision is a
correction and other content under the same revision a conflict; these, and
withdrawals, are applied by `changes` (PROTOCOLS.md §7.1), in feed order.

`Feed` is the daemon's worker around this: it asks the back office for the
next page, hands it over, and backs off while the back office misbehaves,
without ever raising for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from spool import alarms, audit, cursors, outbox, refusals
from spool.db import savepoint, write
from spool.errors import SpoolError
from spool.jobs import find_job
from spool.machine import create_job
from spool.states import Flow

from ..errors import Refusal, StationError
from station.trust.store import TrustStore
from . import changes, document, withdrawal
from .client import Backoff, BackofficeClient
from .document import Document, DocumentRefused
from .refused_item import RefusedItem
from .withdrawal import Withdrawal

log = logging.getLogger("station.backoffice.intake")



@dataclass
class IntakeResult:
    """What one page (or one import file) did to the spool."""

    stored: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    refused: list[RefusedItem] = field(default_factory=list)
    corrected: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # withdrawals of documents this station never held
    cursor: str | None = None

    @property
    def changed(self) -> bool:
        """True when the page changed a job or refused something (the other parts should look)."""
        return bool(self.stored or self.refused or self.corrected or self.withdrawn)

    def summary(self) -> str:
        """`3 stored, 1 duplicate, 1 refused (DOC-7: bad_signature)` (and corrected, withdrawn when any)."""
        text = (f"{len(self.stored)} stored, {len(self.duplicates)} duplicate"
                f"{'' if len(self.duplicates) == 1 else 's'}, {self.refusals()}")
        for name in ("corrected", "withdrawn", "ignored"):
            if getattr(self, name):
                text += f", {len(getattr(self, name))} {name}"
        return text

    def refusals(self) -> str:
        """`1 refused (DOC-7: bad_signature)`."""
        text = f"{len(self.refused)} refused"
        if self.refused:
            shown = ", ".join(f"{r.document_id or '?'}: {r.reason}" for r in self.refused[:5])
            text += f" ({shown}{', ...' if len(self.refused) > 5 else ''})"
        return text


# --- the cursor --------------------------------------------------------------

def read_cursor(conn: sqlite3.Connection) -> str | None:
    """The back-office cursor after the last page taken (None before the first)."""
    return cursors.FEED.get(conn)


# --- checking (pure) and storing (one transaction) ---------------------------

Checked = Document | Withdrawal | RefusedItem


def check_items(items: Iterable[Any], trust: TrustStore, *, now: datetime | None = None) -> list[Checked]:
    """Each item verified into a `Document` or a `Withdrawal`, or the `RefusedItem` that says why not. Touches no spool."""
    now = now or datetime.now(UTC)
    checked: list[Checked] = []
    for item in items:
        is_withdrawal = withdrawal.is_withdrawal(item)
        try:
            checked.append(withdrawal.check(item, trust, now=now) if is_withdrawal
                           else document.check(item, trust, now=now))
        except DocumentRefused as err:
            checked.append(RefusedItem(err.document_id, err.refusal,
                                       what="withdrawal" if is_withdrawal else "document"))
    return checked


def store(conn: sqlite3.Connection, checked: Iterable[Checked], *, flow: Flow | str,
          cursor: str | None = None, actor: str = "system", station: str | None = None) -> IntakeResult:
    """Store verified documents, apply withdrawals and record refusals, with the cursor, in one durable transaction.

    Only items that came out of `check_items` may be passed here: this
    function trusts them. `cursor=None` leaves the cursor alone (file import).
    `station` is this station's id: a withdrawal acts only when it names it.
    """
    flow = Flow(flow)
    checked = list(checked)
    result = IntakeResult(cursor=cursor)
    effects = changes.Effects()
    with write(conn):
        # Good items first, in feed order (a withdrawal follows its document): a
        # forged copy in the same page as the real one then meets the real job
        # (alarm), instead of reporting `held` for it.
        for item in checked:
            if isinstance(item, Withdrawal):
                _note(result, item.document_id, changes.withdraw(conn, find_job(conn, item.document_id), item,
                                                                 station=station, actor=actor))
            elif isinstance(item, Document):
                _note(result, item.id, _store_one(conn, item, flow, actor, effects))
        for item in checked:
            if isinstance(item, RefusedItem):
                _refuse(conn, item, actor)
                result.refused.append(item)
        if cursor is not None:
            cursors.FEED.set(conn, cursor)
    effects.apply()
    return result


def _note(result: IntakeResult, doc_id: str, outcome: str | RefusedItem) -> None:
    """File one item's outcome under its heading in the result."""
    if isinstance(outcome, RefusedItem):
        result.refused.append(outcome)
    else:
        {"stored": result.stored, "duplicate": result.duplicates, "corrected": result.corrected,
         "withdrawn": result.withdrawn, "unknown": result.ignored}[outcome].append(doc_id)


def take(conn: sqlite3.Connection, items: Iterable[Any], trust: TrustStore, *, flow: Flow | str,
         cursor: str | None = None, actor: str = "system", now: datetime | None = None,
         station: str | None = None) -> IntakeResult:
    """Check then store: the whole intake of one page (or one file)."""
    return store(conn, check_items(items, trust, now=now), flow=flow, cursor=cursor, actor=actor, station=station)


def _store_one(conn: sqlite3.Connection, doc: Document, flow: Flow, actor: str,
               effects: changes.Effects) -> RefusedItem | str:
    """"stored", "duplicate", "corrected", or the refusal recorded instead."""
    existing = find_job(conn, doc.id)
    if existing is not None:
        same = existing.payload is not None and _same_content(existing.payload, doc)
        return changes.document_again(conn, existing, doc, same_content=same, actor=actor, effects=effects)
    # A savepoint per document: should the spool refuse one (it should not:
    # everything was checked), that one is refused and the page still goes in.
    try:
        with savepoint(conn, "intake_document"):
            create_job(conn, doc.id, flow=flow, template=doc.template, template_version=doc.template_version,
                       payload=doc.payload(), pickup_expires=doc.pickup_expires, actor=actor, kind=doc.kind,
                       details={"kind": doc.kind} if doc.kind != "template" else None)  # queues `received`
    except (SpoolError, StationError) as err:
        refusal = RefusedItem(doc.id, Refusal("rejected", f"the spool refused document {doc.id}: {err}"))
        _refuse(conn, refusal, actor)
        return refusal
    return "stored"


def _same_content(payload: str, doc: Document) -> bool:
    """Same document, whatever key (re)signed it: compare the signed content, not the signature."""
    try:
        stored = json.loads(payload)
    except ValueError:
        return False
    return isinstance(stored, dict) and document.signing_bytes(stored) == doc.signing_bytes()


# Refusals made after the issuer signature verified: only then is the id the back office's own.
SIGNED_REFUSALS = frozenset({"key_window", "not_yet_valid", "expired"})


def _refuse(conn: sqlite3.Connection, refusal: RefusedItem, actor: str) -> None:
    """Record a refusal once; alarm where a person must look; report `held` only for a signed document.

    A document whose signature did not verify may carry any id, a real one
    included: reporting `held` for it would tell the back office that the
    real document is stuck here. Messages stay out of alarms: they can
    quote the document (a field name), and only the reason word is safe.
    """
    doc_id = refusal.document_id
    # A refused withdrawal is recorded apart from a refused document of the same id.
    recorded = refusal.reason if refusal.what == "document" else f"{refusal.what}:{refusal.reason}"
    if doc_id is not None and refusals.recorded(conn, doc_id, recorded):
        return
    entry = audit.append(conn, actor, "document.refused", job=doc_id,
                         details={"reason": refusal.reason, "what": refusal.what})
    refusals.record(conn, doc_id, recorded, entry.at)
    if doc_id is None:
        alarms.raise_alarm(conn, "backoffice.unreadable_document",
                           f"the back office sent a {refusal.what} without a readable id ({refusal.reason})",
                           severity="warning", device="backoffice")
    elif find_job(conn, doc_id) is not None or refusal.what == "withdrawal":
        # The job under this id goes on with its life, and its own events
        # report it: no `held` for it. A person must look at what was sent.
        severity = "critical" if refusal.reason in ("conflict", "bad_signature") else "warning"
        alarms.raise_alarm(conn, f"backoffice.{refusal.what}_{refusal.reason}",
                           f"{refusal.what} {doc_id} came and was refused ({refusal.reason})",
                           severity=severity, job=doc_id, device="backoffice")
    elif refusal.reason in SIGNED_REFUSALS:
        outbox.enqueue(conn, doc_id, "held", at=entry.at, detail={"reason": refusal.reason})
    else:
        alarms.raise_alarm(conn, "backoffice.document_refused",
                           f"a document that did not verify was refused ({refusal.reason}); nothing was"
                           " reported to the back office", severity="warning", device="backoffice")
    if refusal.reason == "unknown_key":
        # Often the station's trust store lacks a new issuer key: every document
        # would be refused until someone adds it (the back office can send them again).
        alarms.raise_alarm(conn, "backoffice.unknown_issuer_key",
                           "documents signed by an issuer key this station does not know;"
                           " check the trust store", severity="critical", device="backoffice")


def refused(conn: sqlite3.Connection, limit: int = 100) -> list[dict[str, Any]]:
    """Refused documents, newest first (for the ops API)."""
    return refusals.newest(conn, limit)


# --- the feed worker ---------------------------------------------------------

@dataclass
class FeedStatus:
    """What the feed last saw, for the health worker and the ops page."""

    pages: int = 0
    stored: int = 0
    refused: int = 0
    duplicates: int = 0
    failures: int = 0
    last_error: str | None = None
    last_ok_at: str | None = None


@dataclass(frozen=True)
class FeedPacing:
    """How much the feed asks for at once, how often, and how it waits after a failure."""

    page_size: int = 50
    poll_seconds: float = 5.0
    backoff: Backoff = field(default_factory=Backoff)


class Feed:
    """Pulls approved documents from the back office into the spool, page by page.

    `conn` must be a connection of its own (the feed's database and
    signature work runs in a worker thread, off the event loop). `trust` is a
    store, or a function returning the current one (so that a revocation
    applies without a restart). `on_result` is called on the event loop after
    each page that changed something (to wake the render worker and the
    outbox sender).
    """

    def __init__(self, conn: sqlite3.Connection, client: BackofficeClient,
                 trust: TrustStore | Callable[[], TrustStore], *, station: str, flow: Flow | str,
                 pacing: FeedPacing | None = None, on_result: Callable[[IntakeResult], None] | None = None) -> None:
        self.conn = conn
        self.client = client
        self._trust = trust
        self.station = station
        self.flow = Flow(flow)
        pacing = pacing or FeedPacing()
        self.page_size = pacing.page_size
        self.poll_seconds = pacing.poll_seconds
        self.backoff = pacing.backoff
        self.on_result = on_result
        self.status = FeedStatus()
        self._more = False  # the last page came full: ask again at once

    def trust(self) -> TrustStore:
        """The trust store to check documents against now."""
        return self._trust() if callable(self._trust) else self._trust

    async def poll_once(self) -> IntakeResult | None:
        """Fetch and take one page; None when the back office failed (recorded in `status`)."""
        cursor = await asyncio.to_thread(read_cursor, self.conn)
        reply = await self.client.get_documents(self.station, cursor, self.page_size)
        if not reply.ok:
            await self._failed(f"documents: {reply.describe()}",
                               alarm="backoffice.unauthorized" if reply.status in (401, 403) else None)
            return None
        try:
            page = document.parse_page(reply.body, max_items=self.page_size)
        except DocumentRefused as err:
            await self._failed(f"documents: malformed reply: {err}", alarm="backoffice.malformed_reply")
            return None
        trust = self.trust()
        if trust.unreadable is not None:
            # Refusing the page would record good documents as refused: leave it for when the store reads.
            await self._failed("intake: the trust store cannot be read; documents wait")
            return None
        result = await asyncio.to_thread(take, self.conn, page.items, trust, flow=self.flow,
                                         cursor=page.cursor, station=self.station)
        self.status.pages += 1
        self.status.stored += len(result.stored)
        self.status.refused += len(result.refused)
        self.status.duplicates += len(result.duplicates)
        self.status.last_ok_at = audit.now_text()
        self.status.last_error = None
        if result.refused:
            log.warning("back office: %s", result.summary())
        if result.changed and self.on_result is not None:
            self.on_result(result)
        self._more = len(page.items) >= self.page_size and page.cursor != cursor
        return result

    async def _failed(self, message: str, *, alarm: str | None = None) -> None:
        self.status.failures += 1
        self.status.last_error = message
        log.warning("back office: %s", message)
        if alarm is not None:
            await asyncio.to_thread(self._alarm, alarm, message)

    def _alarm(self, kind: str, message: str) -> None:
        alarms.raise_alarm(self.conn, kind, message[:300], severity="warning", device="backoffice")

    async def step(self) -> float:
        """One round: take one page; returns how long to wait before the next (fits `Daemon.loop`).

        0 while pages come full, `poll_seconds` after a short page, a growing
        jittered pause while the back office fails. Never raises for
        back-office trouble, nor for a busy spool.
        """
        self._more = False
        try:
            result = await self.poll_once()
        except (sqlite3.Error, SpoolError, StationError) as err:
            # The spool was busy, or a trust store reload failed: keep going.
            await self._failed(f"intake: {err}")
            result = None
        if result is None:
            return self.backoff.next_delay()
        self.backoff.reset()
        return 0.0 if self._more else self.poll_seconds

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Poll until `stop` is set (outside the daemon: tests, tools)."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            pause = await self.step()
            if pause:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(pause):
                        await stop.wait()
