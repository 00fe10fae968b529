"""One truth for readiness (issue 25, docs/adr/0330): `station status`'s headline, `/readyz` and the
`station_ready` metric agree.

`station run` for real (a child process) with no lock bus and no scanner on their ports: the bus is
unreachable and the scanner offline. Before, `station status` said "ready" on its first line while
`/readyz` said not ready and named both.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from patience import wait

from station import config
from station.cli import main
from station.web.serve import info_path

pytestmark = pytest.mark.integration


def _web(cfg: config.Config) -> str | None:
    try:
        return f"http://127.0.0.1:{json.loads(info_path(cfg).read_text())['port']}"
    except (FileNotFoundError, ValueError, KeyError):
        return None


def _readyz(url: str) -> dict | None:
    try:
        reply = httpx.get(f"{url}/readyz", timeout=3)
    except httpx.HTTPError:
        return None
    return {"status": reply.status_code, **reply.json()}


def test_status_readyz_and_the_metric_agree_when_a_bus_and_the_scanner_are_missing(
        station_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env = {**os.environ, "STATION_API_PORT": "0", "STATION_BACKOFFICE_URL": "http://127.0.0.1:9"}
    cfg = config.load(station_dir / "station.toml", environ=env)
    assert not (cfg.base_dir / cfg.bus[0].port).exists() and not (cfg.base_dir / cfg.scanner.port).exists()
    daemon = subprocess.Popen([sys.executable, "-c", "from station.cli import entry; entry()", "run",
                               "--config", str(station_dir / "station.toml")], env=env,
                              stdout=subprocess.DEVNULL, stderr=(station_dir / "daemon.log").open("wb"))
    try:
        url = wait(lambda: _web(cfg), 90, "the web process's address")

        def settled() -> dict | None:  # the daemon has started and found neither device
            body = _readyz(url)
            missing = " ".join((body or {}).get("missing") or [])
            return body if body and "lock bus" in missing and "scanner" in missing else None

        ready = wait(settled, 90, "/readyz naming the lock bus and the scanner")
        assert ready["status"] == 503 and ready["ready"] is False, ready

        assert main(["status", "--config", str(station_dir / "station.toml")]) == 0
        headline = capsys.readouterr().out.splitlines()[0]
        assert "not ready" in headline and "lock bus" in headline and "scanner" in headline, headline
        assert ": ready" not in headline

        metrics = httpx.get(f"{url}/metrics", timeout=10).text
        assert re.search(r"^station_ready 0(\.0)?$", metrics, re.M), metrics[:2000]
    finally:
        daemon.terminate()
        daemon.wait(30)
