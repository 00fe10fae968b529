"""`station locker ...` and `station sim bus` as a technician runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simulators.lockbus import LockBusSim
from station import config as config_module
from station.cli import main

from patience import wait
from .conftest import Rig

STATION = [str(Path(sys.executable).with_name("station"))]


def test_status_table_and_exit_status(rig: Rig, capsys: pytest.CaptureFixture[str]) -> None:
    sim = rig.sim("cu16", boards=2, faults=["silent@2"])
    sim.open_door("1-03")
    sim.put_item("1-04")
    assert main(["locker", "status", "--port", str(sim.link.link), "--boards", "1-2"]) == 1
    out, err = capsys.readouterr()
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[1:]}
    assert rows["1-03"] == ["open", "absent", "answering"]
    assert rows["1-04"] == ["closed", "present", "answering"]
    assert rows["2-01"] == ["unknown", "unknown", "silent"]
    assert "board(s) 2 did not answer" in err


def test_polarity_hint(rig: Rig, capsys: pytest.CaptureFixture[str]) -> None:
    sim = rig.sim("8a80", locks=8, feedback="door_opening")
    port = str(sim.link.link)
    assert main(["locker", "status", "--port", port, "--family", "8a80"]) == 0
    out, err = capsys.readouterr()
    assert "every door of board 1 reads open" in err and "--feedback" in err
    assert len(out.splitlines()) == 1 + 8  # the board reported one status byte: eight channels
    assert main(["locker", "status", "--port", port, "--family", "8a80", "--feedback", "door_opening"]) == 0
    out, err = capsys.readouterr()
    assert "reads open" not in err and out.count("closed") == 8


@pytest.mark.parametrize("fault,code,word", [(None, 0, "opened"), ("jam@1-02", 3, "jammed"),
                                             ("silent@1", 4, "unknown")])
def test_open_outcomes_and_exit_codes(rig: Rig, capsys: pytest.CaptureFixture[str], fault: str | None,
                                      code: int, word: str) -> None:
    sim = rig.sim("cu16", faults=[fault] if fault else [])
    assert main(["locker", "open", "1-02", "--port", str(sim.link.link), "--json"]) == code
    assert json.loads(capsys.readouterr().out) == {"slot": "1-02", "outcome": word}
    assert sim.unlock_count("1-02") == 1


def test_open_with_no_port_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["locker", "open", "1-01", "--port", str(tmp_path / "nothing")]) == 2
    assert "is not there" in capsys.readouterr().err


def test_bad_slot_and_bad_boards(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["locker", "open", "1-5", "--port", "/dev/null"]) == 2
    assert "bad slot name" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["locker", "status", "--port", "/dev/null", "--boards", "0,x"])


def test_selftest_one_lock_at_a_time(rig: Rig, capsys: pytest.CaptureFixture[str]) -> None:
    sim = rig.sim("cu16", locks=16, auto_close=0.1, faults=["jam@1-07"])
    code = main(["locker", "selftest", "--port", str(sim.link.link), "--auto", "--json"])
    results = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [r["outcome"] for r in results] == ["opened"] * 6 + ["jammed"] + ["opened"] * 9
    assert sim.stats.max_energised == 1
    assert sum(sim.stats.unlock_frames.values()) == 16


def test_selftest_waits_for_each_door(rig: Rig, capsys: pytest.CaptureFixture[str]) -> None:
    sim = rig.sim("8a80", locks=8, auto_close=0.3, faults=["leftopen@1-02"])
    code = main(["locker", "selftest", "--port", str(sim.link.link), "--family", "8a80", "--locks", "8",
                 "--slots", "1-01,1-02", "--wait", "1.5"])
    out, err = capsys.readouterr()
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert "after" in rows["1-01"] and "left open" in rows["1-02"]
    assert "close its door" in err


def test_selftest_of_8a80_needs_locks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["locker", "selftest", "--port", "/dev/null", "--family", "8a80"]) == 2
    assert "--locks" in capsys.readouterr().err


def test_status_from_the_station_configuration(station_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = config_module.load(station_dir / "station.toml", environ={})
    sim = LockBusSim.from_bus_config(cfg.bus[0], station_dir / "run" / "lockbus-A").start()
    try:
        assert main(["--config", str(station_dir / "station.toml"), "locker", "status", "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert len(report["slots"]) == 16 and report["buses"][0]["name"] == "A"
        assert main(["--config", str(station_dir / "station.toml"), "locker", "open", "1-13"]) == 0
        assert capsys.readouterr().out.strip() == "opened"
    finally:
        sim.stop()


def test_sim_bus_command_line(tmp_path: Path) -> None:
    """`station sim bus` in its own process; faults changed on its standard input while it runs."""
    link = tmp_path / "bus"
    proc = subprocess.Popen([*STATION, "sim", "bus", "--family", "cu16", "--boards", "2", "--link", str(link),
                             "--latch-ms", "20", "--fault", "jam@2-01"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait(link.exists, timeout=60, what="the simulator's link")  # a process start on a busy machine
        run = [*STATION, "locker", "open", "--port", str(link)]
        assert subprocess.run([*run, "2-01"], capture_output=True, text=True).stdout.strip() == "jammed"
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write("clear jam\nfault forced@1-03\nshow\n")
        proc.stdin.flush()
        shown = json.loads(_read_json(proc.stdout))
        assert shown["faults"] == [] and shown["slots"]["1-03"]["door"] == "open"
        done = subprocess.run([*run, "2-01"], capture_output=True, text=True)
        assert (done.returncode, done.stdout.strip()) == (0, "opened")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert not os.path.lexists(link)  # the link goes with the simulator
    assert "2-01 door opened unlocked" in err


def _read_json(stream) -> str:  # type: ignore[no-untyped-def]
    lines = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        line = stream.readline()
        lines.append(line)
        if line.startswith("}"):
            return "".join(lines)
    raise AssertionError("no JSON from the simulator")
