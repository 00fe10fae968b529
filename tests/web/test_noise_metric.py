"""The scanner-noise counter is the daemon's own count, asked at the scrape: no event has to arrive."""

from __future__ import annotations

from station.release.kiosk import KioskView, Screen
from station.release.repeats import Repeats, not_a_scan
from station.web.metrics import DaemonFacts, _DaemonCollector


def _counted(scan_noise: object) -> dict[str, float]:
    families = _DaemonCollector(DaemonFacts(None, None, scan_noise=scan_noise)).collect()  # type: ignore[arg-type]
    return {sample.labels["reason"]: sample.value for family in families
            if family.name == "station_scanner_noise_lines" for sample in family.samples}


def test_every_line_dropped_is_counted_with_no_event_seen() -> None:
    repeats = Repeats()
    for line in ["4006381333931"] * 7 + ["MPP1:HALF"] * 3 + ["a\x07b" * 20] * 2:
        not_a_scan(repeats, line, KioskView(Screen.IDLE), lambda kind, data: None, lambda v: v)  # events lost
    # What the daemon's `scan_noise` control op answers.
    assert _counted(dict(repeats.noise_seen)) == {"no_prefix": 7, "too_short": 3, "control_bytes": 2}


def test_totals_that_are_not_counts_are_ignored() -> None:
    assert _counted({"no_prefix": 3, "too_short": -1, "control_bytes": "7", "other": True}) == {"no_prefix": 3.0}
    assert _counted("garbage") == {}
    assert _counted(None) == {}
