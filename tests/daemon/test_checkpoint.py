"""Signed checkpoints detect rows cut off the end of the chain."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from station.cli import main


def _checkpoint(folder: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    capsys.readouterr()
    assert main(["audit", "checkpoint", "--config", str(folder / "station.toml")]) == 0
    path = folder / "checkpoint.json"
    path.write_text(capsys.readouterr().out)
    return path


def _verify(folder: Path, checkpoint: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["audit", "verify", "--checkpoint", str(checkpoint), "--config", str(folder / "station.toml")])
    return code, capsys.readouterr().out


def test_cut_off_rows_are_detected(station_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    checkpoint = _checkpoint(station_dir, capsys)
    seq = json.loads(checkpoint.read_text())["seq"]
    assert _verify(station_dir, checkpoint, capsys)[0] == 0
    subprocess.run(["sqlite3", str(station_dir / "spool.db"), f"DELETE FROM audit WHERE seq >= {seq}"], check=True)
    code, out = _verify(station_dir, checkpoint, capsys)
    assert code == 1 and "cut off" in out


def test_forged_checkpoint_is_refused(station_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    checkpoint = _checkpoint(station_dir, capsys)
    data = json.loads(checkpoint.read_text())
    data["seq"] = 1
    checkpoint.write_text(json.dumps(data))
    code, out = _verify(station_dir, checkpoint, capsys)
    assert code == 1 and "bad_signature" in out


def test_malformed_checkpoint_file(station_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = station_dir / "bad.json"
    bad.write_text('{"seq": "one"}')
    assert main(["audit", "verify", "--checkpoint", str(bad), "--config", str(station_dir / "station.toml")]) == 1
    assert "exactly the fields" in capsys.readouterr().err
