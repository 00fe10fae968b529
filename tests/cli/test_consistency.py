"""The commands agree: trust and keys from the configuration (a flag overrides), --json where a script reads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from station.version import version

STATION = [sys.executable, "-c", "from station.cli import entry; entry()"]
EXAMPLES = Path(__file__).resolve().parents[2] / "templates" / "examples"


def station(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STATION_CONFIG": str(folder / "station.toml")}
    return subprocess.run([*STATION, *args], capture_output=True, text=True, env=env, timeout=120)


def test_version() -> None:
    done = subprocess.run([*STATION, "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == f"station (MPP Station) {version()}"


def test_trust_and_keys_come_from_the_configuration(station_dir: Path, tmp_path: Path) -> None:
    listed = station(station_dir, "keys", "trust", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    purposes = {key["purpose"] for key in json.loads(listed.stdout)}
    assert {"template", "station"} <= purposes
    # A flag overrides the configuration.
    empty = tmp_path / "other-trust.json"
    empty.write_text('{"version": 1, "keys": []}')
    assert json.loads(station(station_dir, "keys", "trust", "list", "--store", str(empty), "--json").stdout) == []

    verified = station(station_dir, "template", "verify", str(station_dir / "templates" / "nib"), "--json")
    assert verified.returncode == 0, verified.stderr
    assert json.loads(verified.stdout)["valid"] is True
    refused = station(station_dir, "template", "verify", str(station_dir / "templates" / "nib"), "--trust",
                      str(empty), "--json")
    assert refused.returncode == 1 and json.loads(refused.stdout)["valid"] is False

    pdf = tmp_path / "nib.pdf"
    rendered = station(station_dir, "render", "--template", str(station_dir / "templates" / "nib"),
                       "--data", str(EXAMPLES / "nib.json"), "--out", str(pdf))
    assert rendered.returncode == 0 and pdf.exists(), rendered.stderr
    sealed = station(station_dir, "seal", "verify", "--pdf", str(pdf))
    assert sealed.returncode == 0, sealed.stderr
    assert json.loads(sealed.stdout)["station"] == "MPP-DEMO-01"

    elsewhere = tmp_path / "elsewhere"  # no station.toml here (and no folder named like a package)
    elsewhere.mkdir()
    nowhere = subprocess.run([*STATION, "template", "verify", str(station_dir / "templates" / "nib")],
                             capture_output=True, text=True, timeout=60, cwd=elsewhere,
                             env={**os.environ, "STATION_CONFIG": ""})
    assert nowhere.returncode == 2 and nowhere.stderr.startswith("station: error: give --trust FILE, or a station")


def test_json_for_scripts(station_dir: Path) -> None:
    verdict = station(station_dir, "audit", "verify", "--json")
    assert verdict.returncode == 0 and json.loads(verdict.stdout)["intact"] is True
    collected = station(station_dir, "slots", "collect-expired", "--json", "--yes")
    assert collected.returncode == 0
    assert json.loads(collected.stdout) == {"documents": [], "returned": 0, "cancelled_taken_out": 0, "total": 0}
