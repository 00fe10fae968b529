"""(issue 25) The fleet simulation leaves no personal data behind: its temporary `mpp-fleet-*` folder (the issuer
key, citizens' NIKs and names, PDFs) is gone after SIGTERM and after Ctrl-C, as the one-station simulate's is; and
it hands out the keys: each station's line is a login link to its ops page, with a technician token."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.integration

STATION = [sys.executable, "-c", "from station.cli import entry; entry()"]


def _fleet_until_up_then(tmp_path: Path, signum: int) -> tuple[list[str], Path, int]:
    """`simulate --stations 1` in a private TMPDIR until it prints its addresses, then `signum`; the lines, the
    folder, and what the station's API answered the printed operator token (before the signal)."""
    tmp_path.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([*STATION, "simulate", "--stations", "1", "--port", "0", "--documents", "0", "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            stdin=subprocess.DEVNULL)
    lines: list[str] = []
    deadline = time.monotonic() + 150
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if "Ctrl-C stops" in line or time.monotonic() > deadline:
                break
        folders = list(tmp_path.glob("mpp-fleet-*"))
        assert len(folders) == 1 and (folders[0] / "backoffice-issuer.pem").exists(), "\n".join(lines[-30:])
        operator = next(line.split()[-1] for line in lines if "operator token (every station)" in line)
        base = re.search(r"(http://127\.0\.0\.1:\d+)/ops#token=", "\n".join(lines))
        assert base is not None, lines
        answer = httpx.get(f"{base.group(1)}/api/v1/jobs", headers={"Authorization": f"Bearer {operator}"},
                           timeout=10).status_code
        proc.send_signal(signum)
        rest, _ = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:  # a failed run leaves no simulator behind
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, rest[-3000:]
    return lines, folders[0], answer


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_the_fleet_folder_is_gone_after_a_stop(tmp_path: Path, signum: int) -> None:
    lines, folder, answer = _fleet_until_up_then(tmp_path / "run", signum)
    assert not folder.exists(), sorted(p.name for p in folder.iterdir())
    assert not list((tmp_path / "run").glob("mpp-fleet-*"))
    # The station's line logs in to its ops page; one operator token (and one technician's) opens every station's
    # ops page, the one the command center links to.
    station = next(line for line in lines if "MPP-BDG-01" in line)
    assert "/ops#token=" in station and len(station.rsplit("#token=", 1)[1]) >= 43, station
    assert any("technician token (every station)" in line for line in lines), lines
    assert answer == 200
