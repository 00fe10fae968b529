"""The spool's part of `/metrics`: gauges read at scrape time, counters from the audit chain.

A `prometheus_client` custom collector with a read-only connection of its
own: every scrape reads the spool as it is now (a few indexed queries,
about 5 ms with 100,000 jobs; `bench/fleet.py` measures it), so a gauge is
never stale and nothing needs to be kept in step with the daemon.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily, Metric

import spool
from spool import checkpoints, rfc3339
from spool import metrics as reads
from spool.alarms import open_counts
from spool.jobs import count_by_state
from spool.errors import SpoolError
from spool.states import JobState
from station.config import Config

from .audit_counts import AuditCounts, AuditTally

log = logging.getLogger("station.web.metrics")

# The jobs by state follow the audit chain; a real count (about 5 ms with 100,000 jobs) checks them this often.
RECOUNT_S = 300.0
# "About to expire": the pickup window ends within this many seconds.
EXPIRING_WITHIN_S = 24 * 3600


def station_version() -> str:
    """The installed station software's version."""
    try:
        return metadata.version("mpp-station")
    except metadata.PackageNotFoundError:
        return "unknown"


class SpoolCollector:
    """Collects the station's spool metrics at each scrape (thread-safe; scrapes take turns)."""

    def __init__(self, cfg: Config, *, spool_path: Path | None = None) -> None:
        self.cfg = cfg
        self.path = spool_path or cfg.spool_path
        self.version = station_version()
        self.audit = AuditTally()
        self._state_offset: dict[str, int] = {}  # a real count minus the audit's, at the last recount
        self._recounted_at: float | None = None
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def describe(self) -> list[Metric]:
        """Nothing up front: registering must not read the spool."""
        return []

    def catch_up(self) -> None:
        """Fold the whole audit chain into the counters (at start, so that the first scrape is quick)."""
        with self._lock:
            try:
                self.audit.update(self._connection())
            except (sqlite3.Error, SpoolError) as err:
                log.warning("metrics: audit chain not read: %s", err)

    def collect(self) -> Iterator[Metric]:
        """One scrape's spool metrics; a spool that cannot be read gives `station_spool_up 0` only."""
        info = InfoMetricFamily("station", "The station: its id, site, kind and software version.")
        info.add_metric([], {"station_id": self.cfg.station.id, "site": self.cfg.station.name,
                             "kind": self.cfg.station.kind, "version": self.version})
        yield info
        with self._lock:
            try:
                families = list(self._read(self._connection()))
            except (sqlite3.Error, SpoolError) as err:
                log.warning("metrics: spool not read: %s", err)
                self._close()
                families = []
        yield GaugeMetricFamily("station_spool_up", "1 when the spool could be read for this scrape.",
                                value=1 if families else 0)
        yield from families

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = spool.connect(self.path, readonly=True)
        return self._conn

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def close(self) -> None:
        """Close the connection (at shutdown)."""
        with self._lock:
            self._close()

    def _read(self, conn: sqlite3.Connection) -> Iterator[Metric]:
        now = time.time()
        # One read transaction: the gauges of one scrape agree with each other.
        with reads.snapshot(conn):
            counts = self.audit.update(conn)
            yield from self._jobs(conn, counts, now)
            yield self._slots(conn)
            yield from self._outbox(conn)
            yield from self._alarms_and_checkpoint(conn)
            yield from self._counters(counts)

    def _jobs(self, conn: sqlite3.Connection, counts: AuditCounts, now: float) -> Iterator[Metric]:
        if self._recounted_at is None or time.monotonic() - self._recounted_at > RECOUNT_S:
            self._recount(conn, counts)
        jobs = GaugeMetricFamily("station_jobs", "Jobs in the spool, by state.", labels=["state"])
        for state in JobState:
            jobs.add_metric([state.value], counts.states[state.value] + self._state_offset.get(state.value, 0))
        yield jobs
        ready = reads.ready_documents(conn)
        yield GaugeMetricFamily("station_documents_ready",
                                "Documents ready for pickup: in their slot (locker) or rendered (dispenser).",
                                value=ready)
        expiring = reads.expiring_documents(conn, now + EXPIRING_WITHIN_S)
        yield GaugeMetricFamily("station_documents_expiring",
                                "Documents not yet collected whose pickup window ends within 24 hours.",
                                value=expiring)

    def _recount(self, conn: sqlite3.Connection, counts: AuditCounts) -> None:
        """Count the jobs by state for real (same read transaction as `counts`): the audit's figures, checked."""
        real = count_by_state(conn)
        offset = {state: real[state] - counts.states[state] for state in real if real[state] != counts.states[state]}
        if offset != self._state_offset and self._recounted_at is not None:
            log.warning("metrics: jobs by state drifted from the audit chain; recounted",
                        extra={"fields": {"drift": offset}})
        self._state_offset = offset
        self._recounted_at = time.monotonic()

    def _slots(self, conn: sqlite3.Connection) -> Metric:
        family = GaugeMetricFamily("station_slots", "Locker slots: free, occupied, out of service.",
                                   labels=["status"])
        for status, count in reads.slot_statuses(conn).items():
            family.add_metric([status], count)
        return family

    def _outbox(self, conn: sqlite3.Connection) -> Iterator[Metric]:
        waiting, oldest_at = reads.outbox_backlog(conn)
        yield GaugeMetricFamily("station_outbox_events", "Events waiting to be delivered to the back office.",
                                value=waiting)
        oldest = GaugeMetricFamily("station_outbox_oldest_event_timestamp_seconds",
                                   "When the oldest undelivered event happened (absent when none waits).")
        if oldest_at is not None:
            stamp = rfc3339_seconds(oldest_at)
            if stamp is not None:
                oldest.add_metric([], stamp)
        yield oldest

    def _alarms_and_checkpoint(self, conn: sqlite3.Connection) -> Iterator[Metric]:
        alarms = GaugeMetricFamily("station_alarms_open", "Open alarms (neither cleared nor acknowledged), by severity.",
                                   labels=["severity"])
        for severity, count in open_counts(conn).items():
            alarms.add_metric([severity], count)
        yield alarms
        checkpoint = GaugeMetricFamily("station_audit_checkpoint_timestamp_seconds",
                                       "When the newest signed audit checkpoint was made (absent before the first).")
        latest = checkpoints.latest_at(conn)
        stamp = rfc3339_seconds(latest) if latest is not None else None
        if stamp is not None:
            checkpoint.add_metric([], stamp)
        yield checkpoint

    def _counters(self, counts: AuditCounts) -> Iterator[Metric]:
        releases = CounterMetricFamily("station_releases", "Slot (or shutter) openings for citizens, by outcome.",
                                       labels=["outcome"])
        for outcome in sorted(set(counts.releases) | {"opened"}):
            releases.add_metric([outcome], counts.releases[outcome])
        yield releases
        entered = CounterMetricFamily("station_jobs_entered", "Jobs entering each state.", labels=["state"])
        for state in JobState:
            entered.add_metric([state.value], counts.entered[state.value])
        yield entered
        yield CounterMetricFamily("station_documents_printed", "Documents printed (page count confirmed).",
                                  value=counts.entered[JobState.PRINTED.value])
        yield CounterMetricFamily("station_pages_printed", "Pages of the documents printed.", value=counts.pages)
        yield CounterMetricFamily("station_reprints", "Documents sent to the printer again.", value=counts.reprints)


def rfc3339_seconds(text: Any) -> float | None:
    """An RFC 3339 time (from the spool or the daemon) as seconds since the epoch (None when unreadable)."""
    return rfc3339.seconds_or_none(text)
