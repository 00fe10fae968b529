"""Private by default: after `station init` and after a simulated day, no path under the station
folder can be used by other users (the spool with its WAL and SHM, documents, keys, logs, sockets)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from station.files import exposed

STATION = str(Path(sys.executable).with_name("station"))


def _station(*args: str) -> subprocess.CompletedProcess[str]:
    # The caller's umask is the usual 022: the station must not depend on a careful caller.
    return subprocess.run([STATION, *args], capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL,
                          env={**os.environ, "STATION_CONFIG": ""}, preexec_fn=lambda: os.umask(0o022))


def test_a_new_station_is_the_owners_only(tmp_path: Path) -> None:
    folder = tmp_path / "station"
    done = _station("init", str(folder))
    assert done.returncode == 0, done.stderr
    paths = [p for p in folder.rglob("*")]
    assert len(paths) > 20  # templates, keys, spool, configuration: the walk saw them
    assert exposed(folder) == []
    assert (folder.stat().st_mode & 0o777, (folder / "keys" / "station.pem").stat().st_mode & 0o777) == (0o700, 0o600)


@pytest.mark.timeout(600)
def test_after_a_simulated_day_nothing_is_open_to_others(tmp_path: Path) -> None:
    folder = tmp_path / "station"
    done = _station("simulate", "--dir", str(folder), "--documents", "3", "--auto-collect", "--exit-when-done",
                    "--quiet", "--port", "0", "--seed", "5", "--pin-ratio", "0", "--printer-ppm", "600",
                    "--timeout", "400")
    report = json.loads(done.stdout[done.stdout.find("{\n"):done.stdout.rindex("}") + 1])
    assert done.returncode == 0 and report["counts"] == {"collected": 3}, (report, done.stderr[-2000:])
    seen = {p.name for p in folder.rglob("*")}
    assert {"spool.db", "daemon.log", "backoffice.token", "kiosk.key", "station.pem"} <= seen
    assert any(name.endswith(".pdf") for name in seen)  # rendered documents were written
    assert exposed(folder) == []
