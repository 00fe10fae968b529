"""The back office as a part of the running station: the document feed and the event outbox.

`FeedPart` starts two supervised loops on the daemon (`Daemon.loop`):
`backoffice-feed` takes pages of approved documents into the spool, and
`backoffice-outbox` sends the events the spool queued (`spool.outbox`)
in order. Each has its own spool connection, used from worker threads
only, so neither ever holds up the event loop that serves releases. Neither
raises for back-office trouble: they wait, with growing jittered pauses.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import spool
from spool import alarms, outbox

from ..errors import ConfigError
from station.events import Bell, Event
from station.trust.store import TrustFile
from . import intake
from .client import BackofficeClient
from .intake import Feed, FeedPacing, IntakeResult
from .outbox import Sender
from station.runtime import ops

if TYPE_CHECKING:
    from station.runtime.daemon import Daemon
    from station.runtime.disk import DiskWatch

log = logging.getLogger("station.backoffice")

# (issue 27) The outbox is looked at when a job event says something was queued (every job change
# queues its event in its own commit), and also this often: what another process queued (a citizen's
# complaint, stored by the web process) has no event here (ADR 0350).
OUTBOX_SAFETY_POLL_S = 5.0
# What the daemon's bus says that queued something for the back office.
_QUEUES = ("job", "checkpoint")


class FeedPart:
    """The back-office feed and outbox, as a daemon part."""

    name = "backoffice"

    def __init__(self, disk: DiskWatch | None = None) -> None:
        self.disk = disk  # (issue 15) a full disk takes no documents
        self._serving = False  # the status command is offered (not when the credential is missing)
        self.feed: Feed | None = None
        self.sender: Sender | None = None
        self.client: BackofficeClient | None = None
        self._conns: list[Any] = []
        # A step in flight finishes before stop() closes what it uses (one lock per loop:
        # a feed waiting on a slow back office must not hold up the outbox).
        self._feed_lock = asyncio.Lock()
        self._outbox_lock = asyncio.Lock()
        self._closed = False
        self.outbox_bell = Bell()
        self._unlisten: list[Callable[[], None]] = []

    async def start(self, daemon: Daemon) -> None:
        """Open connections, build the client, start both loops (a missing token: alarm, no network)."""
        self.daemon = daemon
        cfg = daemon.cfg
        feed_conn, outbox_conn = spool.connect(cfg.spool_path), spool.connect(cfg.spool_path)
        self._conns = [feed_conn, outbox_conn]
        try:
            self.client = BackofficeClient.from_config(cfg)
        except ConfigError as err:
            log.error("back office not reachable from this station: %s", err)
            await asyncio.to_thread(alarms.raise_alarm, outbox_conn, "backoffice.no_credential", str(err),
                                    severity="critical", device="backoffice")
            return
        section = cfg.backoffice
        self.feed = Feed(feed_conn, self.client, TrustFile(cfg.path(cfg.paths.trust_store)),  # type: ignore[arg-type]
                         station=cfg.station.id, flow=cfg.station.kind,
                         pacing=FeedPacing(section.page_size, section.poll_seconds), on_result=self._taken)
        self.sender = Sender(outbox_conn, self.client, station=cfg.station.id, poll_seconds=OUTBOX_SAFETY_POLL_S)
        daemon.loop("backoffice-feed", self._feed_step)
        self._unlisten = [daemon.events.listen(kind, self._queued) for kind in _QUEUES]
        daemon.loop("backoffice-outbox", self._outbox_step, bell=self.outbox_bell)
        daemon.control.register(ops.BACKOFFICE_STATUS, self._status)
        self._serving = True

    async def _feed_step(self) -> float:
        async with self._feed_lock:
            if self._closed or self.feed is None:
                return 3600.0
            disk = self.disk
            if disk is not None and disk.critical:
                return self.feed.poll_seconds  # disk full: take no documents until space returns (station.runtime.disk)
            return await self.feed.step()

    async def _outbox_step(self) -> float:
        async with self._outbox_lock:
            if self._closed or self.sender is None:
                return 3600.0
            return await self.sender.step()

    def _queued(self, event: Event) -> None:
        """Something was queued for the back office: send it now (not while the back office is away:
        its pause is kept)."""
        sender = self.sender
        if sender is not None and sender.status.waiting_since is None:
            self.outbox_bell.ring()

    def _taken(self, result: IntakeResult) -> None:
        """Tell the pages what was refused (the jobs announce themselves: `spool.machine`)."""
        for refusal in result.refused:
            self.daemon.events.publish("document", {"document": refusal.document_id, "refused": refusal.reason})

    async def _status(self, args: dict, actor: str) -> dict | None:
        return await self.report()

    async def report(self) -> dict | None:
        """`backoffice.status`: what the feed and the outbox last saw (None: not serving, no credential)."""
        if not self._serving:
            return None
        feed, sender = self.feed, self.sender

        def read() -> tuple[int, str | None]:
            conn = spool.connect(self.daemon.cfg.spool_path, readonly=True)
            try:
                return outbox.pending_count(conn), intake.read_cursor(conn)
            finally:
                conn.close()

        pending, cursor = await asyncio.to_thread(read)
        return {"feed": vars(feed.status) if feed else None, "outbox": vars(sender.status) if sender else None,
                "outbox_pending": pending, "cursor": cursor}

    async def stop(self) -> None:
        """Let a step in flight finish, then close the client and the connections."""
        for unlisten in self._unlisten:
            unlisten()
        async with self._feed_lock, self._outbox_lock:
            self._closed = True
            if self.client is not None:
                await self.client.aclose()
            for conn in self._conns:
                conn.close()
