"""The foundation's commands, through the real entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import spool
from spool import machine
from station import config
from station.cli import main


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The installed `station` command, as a technician runs it."""
    station = Path(sys.executable).with_name("station")
    return subprocess.run([str(station), *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})}, cwd=cwd)


def test_help_lists_every_command() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("init", "spool", "audit"):
        assert command in result.stdout


def test_init_then_list_show_verify(tmp_path: Path) -> None:
    folder = tmp_path / "st"
    result = run("init", str(folder), "--station-id", "MPP-SBY-02")
    assert result.returncode == 0, result.stderr
    cfg = config.load(folder / "station.toml")
    assert cfg.station.id == "MPP-SBY-02"
    conn = spool.connect(cfg.spool_path)
    first = conn.execute("SELECT action, details FROM audit WHERE seq = 1").fetchone()
    assert first["action"] == "station.created" and "MPP-SBY-02" in first["details"]
    machine.create_job(conn, "AKTA-0001", flow="locker", template="akta-kelahiran", template_version=3,
                       payload='{"nama": "Siti"}')
    machine.transition(conn, "AKTA-0001", "held", actor="system", reason="template_signature")
    conn.close()

    cfg_arg = ["--config", str(folder / "station.toml")]
    table = run("spool", "list", *cfg_arg)
    assert table.returncode == 0 and "AKTA-0001" in table.stdout and "template_signature" in table.stdout
    listed = json.loads(run("spool", "list", "--json", *cfg_arg).stdout)
    assert listed[0]["id"] == "AKTA-0001" and listed[0]["state"] == "held"
    assert "payload" not in listed[0] and "Siti" not in json.dumps(listed)
    shown = json.loads(run("spool", "show", "AKTA-0001", "--json", *cfg_arg).stdout)
    assert [e["action"] for e in shown["audit"]] == ["job.received", "job.held"]
    # $STATION_CONFIG, then ./station.toml
    assert run("audit", "verify", env={"STATION_CONFIG": str(folder / "station.toml")}).returncode == 0
    assert run("audit", "verify", cwd=folder).returncode == 0


def test_init_refuses_an_existing_station(tmp_path: Path) -> None:
    folder = tmp_path / "st"
    assert run("init", str(folder)).returncode == 0
    before = (folder / "spool.db").stat().st_mtime_ns
    again = run("init", str(folder))
    assert again.returncode == 2 and "already" in again.stderr
    assert (folder / "spool.db").stat().st_mtime_ns == before


def test_init_refuses_a_bad_station_id_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "st"
    result = run("init", str(folder), "--station-id", "bad id; rm -rf /")
    assert result.returncode == 2 and "station.id" in result.stderr
    assert "Traceback" not in result.stderr
    assert not folder.exists()


@pytest.mark.parametrize("args, message", [
    (["spool", "list"], "no configuration file"),
    (["spool", "show", "NOPE"], "no configuration file"),
    (["audit", "verify"], "no configuration file"),
])
def test_missing_configuration_is_one_clear_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = run(*args, cwd=tmp_path, env={"STATION_CONFIG": ""})
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_unknown_job_and_bad_limit(station_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg_arg = ["--config", str(station_dir / "station.toml")]
    assert main(["spool", "show", "NOPE", *cfg_arg]) == 2
    assert "no job 'NOPE'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["spool", "list", "--limit", "0", *cfg_arg])
    assert exit_info.value.code == 2


def test_missing_spool_is_not_created_silently(station_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (station_dir / "spool.db").unlink()
    assert main(["spool", "list", "--config", str(station_dir / "station.toml")]) == 2
    assert "no spool" in capsys.readouterr().err
    assert not (station_dir / "spool.db").exists()


def test_corrupt_spool_is_a_clear_error(station_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (station_dir / "spool.db").write_bytes(b"this is not a database" * 100)
    for name in ("spool.db-wal", "spool.db-shm"):
        (station_dir / name).unlink(missing_ok=True)
    assert main(["audit", "verify", "--config", str(station_dir / "station.toml")]) == 2
    assert "cannot open spool" in capsys.readouterr().err
