"""The scanner-noise counter is exact even when the event relay drops events (a burst, a slow web process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from station.kiosk import KioskView, Screen
from station.release.repeats import Repeats, not_a_scan
from station.web.metrics import _NoiseTotals


def test_the_last_event_alone_carries_every_line_counted() -> None:
    repeats, events = Repeats(), []
    for line in ["4006381333931"] * 7 + ["MPP1:HALF"] * 3 + ["a\x07b" * 20] * 2:
        not_a_scan(repeats, line, KioskView(Screen.IDLE), lambda kind, data: events.append(data), lambda v: v)
    totals = _NoiseTotals()
    totals.take(events[-1]["totals"])  # the 11 events before it were dropped on the way
    registry = CollectorRegistry()
    registry.register(totals)
    text = generate_latest(registry).decode()
    counted = {line.split('"')[1]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("station_scanner_noise_lines_total{")}
    assert sum(counted.values()) == 12 and len(events) == 12, (counted, text)


def test_totals_that_are_not_counts_are_ignored() -> None:
    totals = _NoiseTotals()
    totals.take({"no_prefix": 3, "too_short": -1, "control_bytes": "7", "other": True})
    assert totals.totals == {"no_prefix": 3.0}
    totals.take("garbage")
    assert totals.totals == {"no_prefix": 3.0}
