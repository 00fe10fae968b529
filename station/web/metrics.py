"""`/metrics` for Prometheus, through `prometheus_client`, in the web process.

Three sources, one exposition:
- the spool, read at scrape time through a read-only connection
  (`spool_metrics.py`): jobs, slots, outbox, alarms, checkpoint, and
  counters taken from the audit chain (exact across restarts);
- the daemon, asked over its control socket at scrape time (bounded by a
  timeout; `station_daemon_up 0` when it does not answer): devices, the
  printer's blocking reasons, lock buses, the back-office feed, the
  scanner noise lines dropped;
- the daemon's event stream, relayed to this process: the release latency
  and PIN-entry histograms and the refusals by reason. These live in this
  process's memory and start from zero when it restarts, which Prometheus's
  `rate()` and `increase()` take in their stride.

Names follow the Prometheus naming guide: base units (seconds),
`_total` on counters, `_timestamp_seconds` for "when" (alerts compute ages
as `time() - x`), `station_` as the namespace.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from station.config import Config
from station.runtime.control import ControlClient, ControlError
from station.runtime.disk import exposition as disk_exposition
from station.release.noise import REASONS as NOISE_REASONS

from .spool_metrics import SpoolCollector, rfc3339_seconds
from station.runtime import ops, readiness

# `_created` series would be one more gauge per counter that Prometheus 2.x stores and nobody reads.
disable_created_metrics()
# The text format every Prometheus 2.x reads (prometheus_client writes it).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# A scrape never waits long for a busy daemon: at most this, and at most half the time Prometheus gives the
# scrape (its X-Prometheus-Scrape-Timeout-Seconds header), so that a slow daemon still leaves a scrape that
# arrives, saying `station_daemon_up 0`.
DAEMON_TIMEOUT_S = 2.0
# Token verified to door seen open, seconds: a citizen waiting; beyond 2 s feels broken.
LATENCY_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
# Time at the PIN pad, seconds: a few seconds to type, a minute for someone who looks for it.
PIN_BUCKETS = (2.0, 4.0, 6.0, 8.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 120.0)
# The device vocabulary (DESIGN.md) and the lock buses' own words; any other word a device reports gets its line too.
DEVICE_STATUSES = ("online", "offline", "busy", "hardware_error", "user_error", "starting", "unreachable", "stopped",
                   "unknown")
# Refusal words of PROTOCOLS.md §4 (and the counter's own); anything else counts as "other".
REFUSAL_REASONS = frozenset({"malformed", "unknown_key", "revoked_key", "bad_signature", "key_window",
                             "wrong_station", "expired", "not_yet_valid", "lifetime", "unknown_document",
                             "not_staged", "already_used", "pin_required", "pin_locked", "clock",
                             "trust_store_unreadable"})
_REFUSAL_SCREENS = frozenset({"refused", "locked_out"})
# Printer reasons are IPP keywords; a label value is never free text, and a printer never floods the series.
_KEYWORD = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
MAX_REASONS = 16


@dataclass(frozen=True)
class DaemonFacts:
    """What the daemon said for one scrape (None: it did not answer)."""

    devices: dict[str, Any] | None
    backoffice: dict[str, Any] | None
    disk: dict[str, Any] | None = None
    scan_noise: dict[str, Any] | None = None
    readiness: dict[str, Any] | None = None


class StationMetrics:
    """What the web process exposes to Prometheus."""

    def __init__(self, cfg: Config) -> None:
        self.spool = SpoolCollector(cfg)
        self.events = CollectorRegistry(auto_describe=True)
        self.release_latency = Histogram(
            "station_release_latency_seconds",
            "Token verified to door seen open (PIN entry excluded), releases seen since this web process started.",
            buckets=LATENCY_BUCKETS, registry=self.events)
        self.pin_entry = Histogram(
            "station_release_pin_entry_seconds", "Time citizens spent at the PIN pad, releases that asked for one.",
            buckets=PIN_BUCKETS, registry=self.events)
        self.refusals = Counter("station_release_refusals", "Scans refused, by reason (PROTOCOLS.md section 4).",
                                ["reason"], registry=self.events)

    def observe_event(self, kind: str, data: dict[str, Any], at: float | None = None) -> None:
        """Take what matters from a daemon event (called by the event relay; `at` is the daemon's stamp)."""
        if kind == "release":
            latency, pin = data.get("latency_s"), data.get("pin_s")
            if _plausible(latency):
                self.release_latency.observe(float(latency))
            if _plausible(pin):
                self.pin_entry.observe(float(pin))
        elif kind == "kiosk" and data.get("screen") in _REFUSAL_SCREENS and data.get("reason"):
            reason = data["reason"]
            self.refusals.labels(reason if reason in REFUSAL_REASONS else "other").inc()

    async def ask_daemon(self, control: ControlClient, scrape_timeout: str | None = None) -> DaemonFacts:
        """The daemon's devices and back-office status, asked together, within the scrape's time."""
        timeout = DAEMON_TIMEOUT_S
        try:
            timeout = min(timeout, max(0.1, float(scrape_timeout) / 2)) if scrape_timeout else timeout
        except ValueError:
            pass

        async def ask(op: str) -> dict[str, Any] | None:
            try:
                async with asyncio.timeout(timeout):
                    reply = await control.acall(op)
            except (ControlError, TimeoutError, OSError):
                return None
            return reply if isinstance(reply, dict) else None

        devices, backoffice, disk, noise, ready = await asyncio.gather(
            ask(ops.DEVICES_STATUS), ask(ops.BACKOFFICE_STATUS), ask(ops.DISK_STATUS), ask(ops.SCANNER_NOISE),
            ask(ops.STATION_READINESS))
        return DaemonFacts(devices, backoffice, disk, noise, ready)

    def exposition(self, facts: DaemonFacts) -> bytes:
        """The text of one scrape (reads the spool: call it off the event loop)."""
        text = generate_latest(_Scrape((self.spool, self.events, _DaemonCollector(facts))))  # type: ignore[arg-type]
        # The disk's gauges come from the daemon's memory (station/runtime/disk.py): they show a full disk that the
        # spool cannot record.
        return text + disk_exposition(facts.disk).encode()

    def close(self) -> None:
        """Release the spool connection."""
        self.spool.close()


class _Scrape:
    """The collectors of one scrape, chained (this scrape's daemon facts are its own: no shared state)."""

    def __init__(self, collectors: Iterable[Any]) -> None:
        self.collectors = collectors

    def collect(self) -> Iterator[Metric]:
        for collector in self.collectors:
            yield from collector.collect()


def _noise_family(totals: Any) -> Metric:
    """(issue 22) Scanner lines that are not tokens at all, as the daemon counted them since it started.

    Asked at scrape time, not taken from events: lines that came while this web process was starting or
    its relay reconnecting are counted all the same.
    """
    family = CounterMetricFamily("station_scanner_noise_lines", "Scanner lines dropped as not a token at all,"
                                 " by why: no_prefix, control_bytes, too_short.", labels=["reason"])
    counts: dict[str, float] = {}
    for reason, count in (totals.items() if isinstance(totals, dict) else ()):
        if _plausible_count(count):
            word = reason if reason in NOISE_REASONS else "other"
            counts[word] = counts.get(word, 0.0) + float(count)
    for reason, count in sorted(counts.items()):
        family.add_metric([reason], count)
    return family


def _plausible_count(count: Any) -> bool:
    return isinstance(count, int) and not isinstance(count, bool) and 0 <= count < 2**53


class _DaemonCollector:
    """The daemon's answers as metric families."""

    def __init__(self, facts: DaemonFacts) -> None:
        self.facts = facts

    def collect(self) -> Iterator[Metric]:
        devices = self.facts.devices
        yield GaugeMetricFamily("station_daemon_up", "1 when the station daemon answers on its control socket.",
                                value=0 if devices is None else 1)
        # `/readyz`'s and `station status`'s verdict (station/runtime/readiness.py); 0 when the daemon is silent.
        yield GaugeMetricFamily("station_ready", "1 when a citizen could be served now (the verdict /readyz gives).",
                                value=1 if readiness.from_reply(self.facts.readiness).ready else 0)
        yield from _device_families(devices or {})
        feed = GaugeMetricFamily("station_backoffice_feed_success_timestamp_seconds",
                                 "When the daemon last took a page from the back office (absent before the first).")
        status = (self.facts.backoffice or {}).get("feed")
        stamp = rfc3339_seconds(status.get("last_ok_at")) if isinstance(status, dict) else None
        if stamp is not None:
            feed.add_metric([], stamp)
        yield feed
        yield _noise_family(self.facts.scan_noise)


def _device_families(devices: dict[str, Any]) -> Iterator[Metric]:
    statuses = GaugeMetricFamily("station_device_status", "1 for each device's current status.",
                                 labels=["device", "status"])
    for device, status in _device_statuses(devices):
        for word in DEVICE_STATUSES + (() if status in DEVICE_STATUSES else (status,)):
            statuses.add_metric([device, word], 1 if status == word else 0)
    yield statuses
    printer = devices.get("printer")
    blocked = GaugeMetricFamily("station_printer_blocked",
                                "1 while the printer reports a reason that stops paper (jam, empty tray, door, offline).")
    reasons = GaugeMetricFamily("station_printer_reason", "1 for each reason the printer reports now.",
                                labels=["reason"])
    if isinstance(printer, dict):
        blocked.add_metric([], 1 if _list(printer.get("blocking")) else 0)
        for reason in _list(printer.get("reasons"))[:MAX_REASONS]:
            if isinstance(reason, str) and _KEYWORD.match(reason):
                reasons.add_metric([reason], 1)
    yield blocked
    yield reasons
    buses = GaugeMetricFamily("station_lock_bus_up", "1 while the lock bus's serial port is open and usable.",
                              labels=["bus"])
    for bus in _list(devices.get("buses")):
        if isinstance(bus, dict):
            buses.add_metric([str(bus.get("name", "?"))], 1 if bus.get("state") == "online" else 0)
    yield buses


def _list(value: Any) -> list[Any]:
    """A list from the daemon's reply, or an empty one for anything else."""
    return value if isinstance(value, list) else []


def _plausible(seconds: Any) -> bool:
    return isinstance(seconds, int | float) and not isinstance(seconds, bool) and 0 <= seconds < 3600


def _device_statuses(devices: dict[str, Any]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for name in ("printer", "scanner"):
        item = devices.get(name)
        if isinstance(item, dict):
            found.append((name, _status(item)))
    buses = devices.get("buses")
    if isinstance(buses, list):
        for bus in buses:
            if isinstance(bus, dict):
                found.append((f"bus:{bus.get('name', '?')}", _status(bus)))
    return found


def _status(device: dict[str, Any]) -> str:
    """A device's status word (the daemon says `state`; `status` is accepted too)."""
    return str(device.get("state", device.get("status", "unknown")))
