"""`station printer status`, `station printer test-page` and `station sim printer --cups`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from station.cli import main

STATION = [sys.executable, "-c", "from station.cli import entry; entry()"]


def lab_env(monkeypatch, lab, queue: str) -> None:
    for key, value in lab.printer_settings(queue).items():
        monkeypatch.setenv(f"STATION_PRINTER_{key.upper()}", str(value))


def test_status_of_the_simulated_printer(station_dir: Path, capsys):
    assert main(["--config", str(station_dir / "station.toml"), "printer", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["state"] == "online" and status["driver"] == "sim" and status["blocking"] == []


def test_test_page_on_the_simulated_printer(station_dir: Path, capsys, monkeypatch):
    monkeypatch.setenv("STATION_PRINTER_PAGES_PER_MINUTE", "600")
    assert main(["--config", str(station_dir / "station.toml"), "printer", "test-page"]) == 0
    assert "completed, pages reported 1" in capsys.readouterr().out


def test_a_missing_queue_is_one_clear_line(station_dir: Path, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("STATION_PRINTER_DRIVER", "cups")
    monkeypatch.setenv("STATION_PRINTER_SERVER", str(tmp_path / "no-cupsd-here.sock"))
    code = main(["--config", str(station_dir / "station.toml"), "printer", "status"])
    out = capsys.readouterr()
    assert code == 1 and "scheduler-unreachable" in out.out and "Traceback" not in out.err
    monkeypatch.setenv("STATION_PRINTER_SERVER", "cupshost:notaport")
    assert main(["--config", str(station_dir / "station.toml"), "printer", "status"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("station: error: CUPS server") and len(err.splitlines()) == 1


@pytest.mark.cups
def test_status_and_test_page_through_cups(station_dir: Path, capsys, monkeypatch, lab, queue):
    lab_env(monkeypatch, lab, queue)
    config = ["--config", str(station_dir / "station.toml")]
    assert main([*config, "printer", "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["source"] == "printer"
    assert main([*config, "printer", "test-page"]) == 0
    assert any(p.title.startswith("test-page-") for p in lab.printed())
    lab.set_paper(0)
    assert main([*config, "printer", "status"]) == 1
    assert "media-empty" in capsys.readouterr().out


@pytest.mark.cups
def test_sim_printer_cups_starts_takes_commands_and_stops_cleanly(cups_lab, station_dir: Path, tmp_path: Path):
    # cups_lab: the session's lab already runs; this second one borrows its bus and Avahi.
    folder = tmp_path / "demo-lab"
    process = subprocess.Popen([*STATION, "sim", "printer", "--cups", "--dir", str(folder), "--page-seconds", "0"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        settings = {}
        for line in process.stdout:  # type: ignore[union-attr]
            if " = " in line:
                key, _, value = line.partition(" = ")
                settings[key] = value.strip().strip('"')
            if "uri" in settings:
                break
        assert settings["driver"] == "cups" and Path(settings["server"]).exists()
        process.stdin.write("paper 0\n")  # type: ignore[union-attr]
        process.stdin.flush()  # type: ignore[union-attr]
        for line in process.stdout:  # type: ignore[union-attr]
            if "sheets loaded" in line:
                break
        env = dict(os.environ, **{f"STATION_PRINTER_{k.upper()}": v for k, v in settings.items()})
        status = subprocess.run([*STATION, "--config", str(station_dir / "station.toml"), "printer", "status",
                                 "--json"], env=env, capture_output=True, text=True)
        assert status.returncode == 1, status.stderr  # the demo printer has no paper now
        assert json.loads(status.stdout)["blocking"] == ["media-empty"]
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "CUPS lab stopped" in err
    assert not Path(settings["server"]).exists(), "cupsd's private folder is removed"
    assert cups_lab.printer_reasons() == [], "the session's own lab is untouched"
