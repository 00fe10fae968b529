"""Issue 22, point 5: after retention, the day's personal data is gone from the disk, daemon running.

A simulated day (documents approved, printed, staged, collected by their citizens) on a station whose
retention keeps nothing (`pdf_days` and `personal_data_days` 0) and runs every second. Then every
file under the station folder (spool.db, its WAL and SHM, the documents folder, the logs, whatever
else is there) is read, with the daemon still running, for every NIK and every name of that day:
none is found.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from station_support import wait

import spool
from simulators.station.simulate import Options, SimulatedStation

DOCUMENTS = 8
RETENTION = {"STATION_RETENTION_PDF_DAYS": "0", "STATION_RETENTION_PERSONAL_DATA_DAYS": "0",
             "STATION_RETENTION_CHECK_SECONDS": "1"}


def personal(value: Any, key: str = "") -> Iterator[str]:
    """The NIKs and names in a document's data (by field name: `nik`, `nama...`, `name...`)."""
    if isinstance(value, dict):
        for inner_key, inner in value.items():
            yield from personal(inner, str(inner_key).lower())
    elif isinstance(value, list):
        for inner in value:
            yield from personal(inner, key)
    elif isinstance(value, str) and value.strip() and ("nik" in key or "nama" in key or "name" in key):
        yield value


def found_on_disk(folder: Path, needles: set[str]) -> list[tuple[str, str]]:
    """(file, needle) for every needle found in a regular file under `folder`."""
    wanted = [(needle, needle.encode()) for needle in needles]
    hits = []
    for path in sorted(folder.rglob("*")):
        try:
            if not stat.S_ISREG(path.lstat().st_mode):
                continue
            data = path.read_bytes()
        except OSError:  # removed while we looked (a rotated file, a temporary one)
            continue
        hits += [(str(path.relative_to(folder)), needle) for needle, raw in wanted if raw in data]
    return hits


def _cleared(station: SimulatedStation) -> bool:
    conn = spool.connect(station.cfg.spool_path, readonly=True)
    try:
        row = conn.execute("SELECT COUNT(*) AS n FROM jobs WHERE payload IS NOT NULL OR pdf_path IS NOT NULL"
                           " OR state != 'collected'").fetchone()
        return row["n"] == 0
    finally:
        conn.close()


@pytest.mark.timeout(900)
def test_after_retention_no_nik_or_name_of_the_day_is_on_disk(tmp_path: Path) -> None:
    station = SimulatedStation(Options(folder=tmp_path / "station", documents=DOCUMENTS, port=0, pin_ratio=0.0,
                                       printer_ppm=600, seed=5, fast=True, auto_collect=True, env=RETENTION))
    station.start()
    try:
        needles = {text for approval in station.office.approvals() for text in personal(approval.document["data"])}
        assert len([n for n in needles if n.isdigit() and len(n) == 16]) >= DOCUMENTS  # a NIK each, at least
        wait(lambda: station.counts().get("collected") == DOCUMENTS, 600, "the day's documents collected")
        wait(lambda: _cleared(station), 120, "retention: no document data, no PDF left")
        assert station.daemon is not None and station.daemon.poll() is None  # the daemon is running
        try:  # the next passes cut the WAL (a reader may hold it for one pass)
            wait(lambda: not found_on_disk(station.folder, needles), 60, "the day's personal data off the disk")
        except AssertionError:
            assert found_on_disk(station.folder, needles) == []  # names where each was found
        assert station.daemon.poll() is None
    finally:
        station.stop()
