"""The whole station on simulators with both kinds of document: `station simulate` exits 0."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

STATION = str(Path(sys.executable).with_name("station"))


@pytest.mark.timeout(900)
def test_a_day_of_template_documents_and_signed_pdfs(tmp_path: Path) -> None:
    folder = tmp_path / "station"
    result = subprocess.run([STATION, "simulate", "--dir", str(folder), "--documents", "20", "--pdf-ratio", "0.5",
                             "--auto-collect", "--exit-when-done", "--quiet", "--port", "0", "--seed", "7"],
                            capture_output=True, text=True, timeout=840, stdin=subprocess.DEVNULL)
    start = result.stdout.find("{\n")
    assert start >= 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(result.stdout[start:result.stdout.rindex("}") + 1])
    assert result.returncode == 0, (report, (folder / "daemon.log").read_text()[-5000:])
    kinds = report["documents_by_kind"]
    assert kinds.get("pdf", 0) >= 5 and kinds.get("template", 0) >= 5, kinds
    assert report["counts"] == {"collected": 20} and report["audit_intact"]


def test_a_relative_station_folder_gives_the_daemon_the_right_ca_bundle(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 21, point 13: `--dir sim3` from the current folder once made the daemon look for sim3/sim3/pdf-ca.pem."""
    from simulators.station.simulate import Options, SimulatedStation

    monkeypatch.chdir(tmp_path)
    station = SimulatedStation(Options(folder=Path("sim3"), documents=1, port=0, pdf_ratio=1.0, fast=True))
    try:
        station.setup()
        bundle = station.cfg.path(station.cfg.pdf.ca_bundle)  # as the daemon resolves it, environment included
        assert bundle == tmp_path / "sim3" / "pdf-ca.pem" and bundle.read_bytes().startswith(b"-----BEGIN")
        assert Path(station.env["STATION_CONFIG"]).is_absolute()
    finally:
        station.stop()
