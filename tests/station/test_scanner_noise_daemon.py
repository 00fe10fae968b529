"""Issue 22, point 6, against a running daemon: scanner noise and a repeating scanner lock nobody out.

Onto the scanner's pseudo-terminal (the serial scanner simulator, the daemon's real serial driver on
the other end): 100 lines that are no tokens, then one citizen's QR 15 times a second for 2 s (a
scanner in continuous mode), then, 1 s later, the next citizen's valid scan. That scan opens the next
citizen's door; the first door opened once; no scan was refused; the noise is counted in /metrics.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import httpx
import pytest
from station_support import job, wait

from spool.states import JobState
import spool
from simulators.station.simulate import Options, SimulatedStation
from spool.users import add_user

NOISE_LINES = 100
REPEATS_PER_S, REPEAT_S = 15, 2.0


def garbage(rng: random.Random) -> str:
    """A line a scanner in a mall may read that is no pickup token (never a line end inside)."""
    kind = rng.randrange(4)
    if kind == 0:  # a shop's barcode
        return "".join(rng.choice("0123456789") for _ in range(rng.randint(8, 14)))
    if kind == 1:  # line noise: control bytes among printable ones
        return "".join(chr(rng.choice([0, 1, 7, 8, 27, 31, 127, *range(33, 127)])) for _ in range(rng.randint(3, 60)))
    if kind == 2:  # a half-read token
        return "MPP1:" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 $%*+-./:")
                                 for _ in range(rng.randint(0, 60)))
    return rng.choice(["hello", "https://example.invalid/promo", "WIFI:S:mall;;", "?", "MPP1"])


def _viewer(station: SimulatedStation) -> dict[str, str]:
    conn = spool.connect(station.cfg.spool_path)
    try:
        return {"Authorization": f"Bearer {add_user(conn, 'noise-test', 'viewer')}"}
    finally:
        conn.close()


def _metric(text: str, name: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name))


@pytest.mark.timeout(600)
def test_noise_and_a_repeating_qr_do_not_refuse_the_next_citizen(tmp_path: Path) -> None:
    station = SimulatedStation(Options(folder=tmp_path / "station", documents=2, port=0, pin_ratio=0.0,
                                       printer_ppm=600, seed=22, fast=True,
                                       env={"STATION_SCANNER_BAUD": "115200"}))  # a 2D scanner's usual rate
    station.start()
    try:
        web = httpx.Client(base_url=f"http://127.0.0.1:{station.options.port}", timeout=10)
        first, second = station.office.approvals()
        wait(lambda: all(getattr(job(station, a.id), "state", None) is JobState.STAGED for a in (first, second)),
             180, "both documents staged")
        # The web process follows the daemon's events before the noise: a refusal, had there been one, is seen.
        viewer = _viewer(station)
        wait(lambda: web.get("/api/v1/spool", headers=viewer).json().get("daemon_online"), 120,
             "the web process following the daemon", retry_on=(httpx.HTTPError, ValueError))
        slot_a, slot_b = job(station, first.id).slot, job(station, second.id).slot
        opened = {slot: station.bus.unlock_count(slot) for slot in (slot_a, slot_b)}  # staff loaded them

        rng = random.Random(22)
        for _ in range(NOISE_LINES):
            station.scanner.send(garbage(rng))

        start = time.monotonic()
        for index in range(int(REPEATS_PER_S * REPEAT_S)):
            time.sleep(max(0.0, start + index / REPEATS_PER_S - time.monotonic()))
            station.scanner.send(first.token)
        wait(lambda: job(station, first.id).state in (JobState.RELEASED, JobState.COLLECTED), 30, "A released")
        time.sleep(max(0.0, start + REPEAT_S + 1.0 - time.monotonic()))  # the next citizen, 1 s later

        station.scanner.send(second.token)
        wait(lambda: job(station, second.id).state in (JobState.RELEASED, JobState.COLLECTED), 30,
             "the next citizen's door opened")
        assert station.bus.unlock_count(slot_b) == opened[slot_b] + 1
        assert station.bus.unlock_count(slot_a) == opened[slot_a] + 1  # the repeating QR opened its door once

        # The daemon's own count, asked at the scrape: what the metric shows is what was dropped.
        metrics = web.get("/metrics").text
        assert _metric(metrics, "station_scanner_noise_lines_total") == NOISE_LINES
        assert _metric(metrics, "station_release_refusals_total") == 0  # nothing was refused, nobody locked out
        web.close()
    finally:
        station.stop()
