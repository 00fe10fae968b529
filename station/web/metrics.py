"""`/metrics` for Prometheus: jobs per state, release latency, device status, alarms.

The text exposition format is written by hand (a few lines; no extra
dependency). Job and alarm counts are read from the spool at scrape time;
the release latency histogram counts the releases this web process has
seen on the event stream since it started (`job` events in state
`released` that carry `latency_s`, the scan-to-door-open time the counter
measured).
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from spool.alarms import open_counts
from spool.jobs import count_by_state

# Scan-to-door-open, seconds: a citizen waiting; beyond 2 s feels broken.
LATENCY_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
# The device vocabulary (DESIGN.md) and the lock buses' own words; any other word a device reports gets its line too.
DEVICE_STATUSES = ("online", "offline", "busy", "hardware_error", "user_error", "starting", "unreachable", "stopped",
                   "unknown")


class Histogram:
    """A cumulative histogram, safe to observe from any thread."""

    def __init__(self, buckets: tuple[float, ...]) -> None:
        self.buckets = buckets
        self.counts = [0] * len(buckets)
        self.total = 0
        self.sum = 0.0
        self._lock = threading.Lock()

    def observe(self, value: float) -> None:
        """Count one observation."""
        with self._lock:
            for index, bound in enumerate(self.buckets):
                if value <= bound:
                    self.counts[index] += 1
            self.total += 1
            self.sum += value

    def lines(self, name: str) -> list[str]:
        """The histogram's exposition lines."""
        with self._lock:
            out = [f'{name}_bucket{{le="{bound:g}"}} {count}' for bound, count in zip(self.buckets, self.counts,
                                                                                      strict=True)]
            out += [f'{name}_bucket{{le="+Inf"}} {self.total}', f"{name}_sum {self.sum:.6f}",
                    f"{name}_count {self.total}"]
        return out


class StationMetrics:
    """What the web process exposes to Prometheus."""

    def __init__(self) -> None:
        self.release_latency = Histogram(LATENCY_BUCKETS)
        self._counter_measures = False  # the daemon sends latency_s: the kiosk-seen estimate is not used
        self._checking_at: float | None = None

    def observe_event(self, kind: str, data: dict[str, Any], at: float | None = None) -> None:
        """Take what matters from a daemon event (called by the event relay; `at` is the daemon's stamp).

        The latency is the counter's own measure (`latency_s` on the `released`
        job event) when it sends one; otherwise the kiosk's view of it: from
        the `checking` screen to the `opening` screen, as the daemon stamped them.
        """
        if kind == "release":
            latency = data.get("latency_s")
            if _plausible(latency):
                self._counter_measures = True
                self.release_latency.observe(float(latency))
        elif kind == "kiosk" and not self._counter_measures and isinstance(at, int | float):
            screen = data.get("screen")
            if screen == "checking":
                self._checking_at = float(at)
            elif screen == "opening" and self._checking_at is not None:
                if _plausible(at - self._checking_at):
                    self.release_latency.observe(at - self._checking_at)
                self._checking_at = None
            elif screen != "pin":  # a refusal (or anything else) ends the attempt; a PIN keeps it going
                self._checking_at = None

    def render(self, conn: sqlite3.Connection, devices: dict[str, Any] | None) -> str:
        """The exposition text for one scrape (`devices` is None when the daemon is down)."""
        out: list[str] = []

        def family(name: str, kind: str, help_text: str) -> None:
            out.extend([f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"])

        family("station_jobs", "gauge", "Jobs in the spool, by state.")
        for state, count in count_by_state(conn).items():
            out.append(f'station_jobs{{state="{state}"}} {count}')
        family("station_release_latency_seconds", "histogram",
               "Scan-to-door-open time of releases seen since this web process started.")
        out.extend(self.release_latency.lines("station_release_latency_seconds"))
        family("station_alarms_open", "gauge", "Open alarms (neither cleared nor acknowledged), by severity.")
        for severity, count in open_counts(conn).items():
            out.append(f'station_alarms_open{{severity="{severity}"}} {count}')
        family("station_daemon_up", "gauge", "1 when the station daemon answers on its control socket.")
        out.append(f"station_daemon_up {0 if devices is None else 1}")
        family("station_device_status", "gauge", "1 for each device's current status.")
        for device, status in _device_statuses(devices or {}):
            for word in DEVICE_STATUSES + (() if status in DEVICE_STATUSES else (status,)):
                out.append(f'station_device_status{{device="{_label(device)}",status="{_label(word)}"}} '
                           f"{1 if status == word else 0}")
        return "\n".join(out) + "\n"


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


def _label(value: str) -> str:
    """A label value escaped as the exposition format wants."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
