"""`station sim backoffice` as a technician starts it: enrolls a simulated station, serves, stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from station import config
from station.backoffice import document
from station.trust.store import TrustStore


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_sim_backoffice_enrolls_and_serves(station_dir: Path, tmp_path: Path) -> None:
    cfg_path = station_dir / "station.toml"
    port = free_port()
    command = [str(Path(sys.executable).with_name("station")), "--config", str(cfg_path), "sim", "backoffice",
               "--port", str(port), "--enroll", "--documents", "4", "--pin-ratio", "0", "--seed", "1",
               "--issuer-key", str(tmp_path / "issuer.pem"), "--fault", "duplicate_rate=0.5"]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "STATION_CONFIG": ""})
    try:
        for _ in range(200):
            try:
                listed = httpx.get(f"http://127.0.0.1:{port}/sim/documents", timeout=1).json()
                break
            except httpx.TransportError:
                time.sleep(0.05)
        else:
            raise AssertionError("the simulator did not come up: " + child.stderr.read())
        cfg = config.load(cfg_path, environ={})
        token = cfg.path(cfg.backoffice.token_file).read_text().strip()
        store = TrustStore.load(cfg.path(cfg.paths.trust_store))
        reply = httpx.get(f"http://127.0.0.1:{port}/api/v1/stations/{cfg.station.id}/documents",
                          headers={"Authorization": f"Bearer {token}"})
        page = document.parse_page(reply.content)
        assert len(listed) == 4 and {d["id"] for d in page.items} <= {d["id"] for d in listed}
        for item in page.items:
            document.check(item, store)  # the station's own trust store now trusts the issuer
        assert httpx.get(f"http://127.0.0.1:{port}/sim/faults").json()["duplicate_rate"] == 0.5
        assert (tmp_path / "issuer.pem").stat().st_mode & 0o077 == 0
    finally:
        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=20)
    assert f"back office (simulated) on http://127.0.0.1:{port}/" in out
    assert "Traceback" not in err


def test_a_bad_fault_is_a_clear_error(station_dir: Path) -> None:
    result = subprocess.run([str(Path(sys.executable).with_name("station")), "--config",
                             str(station_dir / "station.toml"), "sim", "backoffice", "--fault", "nonsense=1"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and result.stderr.startswith("station: error: --fault: no fault 'nonsense'")
    assert "Traceback" not in result.stderr
