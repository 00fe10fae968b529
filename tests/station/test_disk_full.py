"""The whole station with its folder on a small tmpfs that fills up: seen, survived, recorded.

Filling the disk makes `/readyz` say not ready (with the reason), `/metrics`
show the volume critical and the kiosk show "out of service"; freeing the
space brings all of it back, the disk alarms are in the spool (raised, then
cleared) and `station audit verify` passes. Needs root (mount); CI runs as root.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from station_support import answer, kiosk_on, wait

import spool
from spool import alarms
from simulators.station.simulate import Options, SimulatedStation
from spool.users import add_user

STATION = str(Path(sys.executable).with_name("station"))
DISK = {"WARNING_FREE_MB": "16", "CRITICAL_FREE_MB": "8", "RENDER_STOP_FREE_MB": "16",
        "RENDER_RESUME_FREE_MB": "24", "CHECK_SECONDS": "0.5"}


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 48 MB tmpfs, unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)



def fill(path: Path) -> None:
    """Write zeros until the disk is full (ENOSPC)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    chunk = b"\0" * (1 << 20)
    try:
        while True:
            os.write(fd, chunk)
    except OSError as err:
        assert err.errno == errno.ENOSPC
    finally:
        os.close(fd)


def level(metrics: str) -> int | None:
    for line in metrics.splitlines():
        if line.startswith('station_disk_level{volume="station"}'):
            return int(line.rsplit(" ", 1)[1])
    return None


@pytest.mark.timeout(600)
def test_a_full_disk_is_seen_through_readyz_metrics_and_kiosk_and_clears(
        small_disk: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in DISK.items():
        monkeypatch.setenv(f"STATION_DISK_{key}", value)
    station = SimulatedStation(Options(folder=small_disk / "station", documents=2, port=0, pin_ratio=0.0,
                                       printer_ppm=600, seed=9, fast=True))
    station.start()
    try:
        conn = spool.connect(station.cfg.spool_path)
        viewer = {"Authorization": f"Bearer {add_user(conn, 'disk-test', 'viewer')}"}
        conn.close()
        base = f"http://127.0.0.1:{station.options.port}"
        web = httpx.Client(base_url=base, timeout=10)
        wait(lambda: answer(web, "/readyz", 200), 120, "the station ready")
        wait(lambda: station.counts().get("staged") == 2, 180, "two documents staged")

        fill(small_disk / "filler")
        not_ready = wait(lambda: answer(web, "/readyz", 503), 60, "/readyz not ready")
        # Named by whichever the station saw first: the free space under its threshold, or a write that
        # the full disk refused (issue 22's probe, or the spool's own write).
        assert not_ready["disk"] is False, not_ready
        assert ("disk critical on the station volume" in not_ready["detail"]
                or "cannot be written: no space left" in not_ready["detail"]), not_ready["detail"]
        assert wait(lambda: level(web.get("/metrics").text) == 2, 30, "metrics: station volume critical")
        kiosk = wait(lambda: kiosk_on(web, viewer, "out_of_service"), 30, "the kiosk out of service")
        assert kiosk["message"]["id"] and kiosk["message"]["en"]

        (small_disk / "filler").unlink()
        ready = wait(lambda: answer(web, "/readyz", 200), 60, "/readyz ready again")
        assert ready["disk"] is True
        assert wait(lambda: level(web.get("/metrics").text) == 0, 30, "metrics: station volume ok")
        wait(lambda: kiosk_on(web, viewer, "idle"), 30, "the kiosk serving again")
        web.close()
    finally:
        station.stop()
    conn = spool.connect(station.cfg.spool_path)
    try:
        full = [a for a in alarms.list_alarms(conn) if a.kind == "disk.full"]
        assert full and all(a.severity == "critical" and a.cleared_at is not None for a in full)
        assert alarms.open_alarms(conn, "disk.low") == []
    finally:
        conn.close()
    verify = subprocess.run([STATION, "audit", "verify", "--config", str(station.config_path)],
                            capture_output=True, text=True, timeout=60)
    assert verify.returncode == 0, verify.stdout + verify.stderr
