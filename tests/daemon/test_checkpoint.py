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


def _add_rows(folder: Path, count: int) -> None:
    import spool
    from spool import machine
    from spool.states import Flow

    conn = spool.connect(folder / "spool.db")
    try:
        for number in range(count):
            machine.create_job(conn, f"LATER-{number}", flow=Flow.LOCKER, template="nib", template_version=2)
    finally:
        conn.close()


def _verify_alone(folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["audit", "verify", "--config", str(folder / "station.toml")])
    return code, capsys.readouterr().out


@pytest.mark.parametrize("cut_from", ["the checkpoint's record", "under the checkpoint"])
def test_a_tail_cut_after_a_stored_checkpoint_is_reported_with_no_outside_file(
        station_dir: Path, capsys: pytest.CaptureFixture[str], cut_from: str) -> None:
    """(issue 21, point 5) The old `audit verify` said "intact": it looked at the spool's checkpoints only
    when given them in a file."""
    seq = json.loads(_checkpoint(station_dir, capsys).read_text())["seq"]
    _add_rows(station_dir, 3)
    code, out = _verify_alone(station_dir, capsys)
    assert code == 0 and "matches 1 stored" in out
    first = seq + 1 if cut_from == "the checkpoint's record" else seq - 1
    subprocess.run(["sqlite3", str(station_dir / "spool.db"), f"DELETE FROM audit WHERE seq >= {first}"], check=True)
    code, out = _verify_alone(station_dir, capsys)
    assert code == 1, out
    assert "CUT" in out and "stored checkpoints" in out and "cut off" in out
    capsys.readouterr()
    assert main(["audit", "verify", "--json", "--config", str(station_dir / "station.toml")]) == 1
    assert json.loads(capsys.readouterr().out)["intact"] is False
