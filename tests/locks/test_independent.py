"""The technician's CLI against a board emulator that is not the project's simulator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from station.cli import main

from .independent_board import IndependentBoards


@pytest.fixture
def boards(tmp_path: Path, family: str):  # type: ignore[no-untyped-def]
    emulator = IndependentBoards(tmp_path / "their-bus", family, [1, 2])
    yield emulator
    emulator.stop()


def test_status_and_open_from_flags_alone(boards: IndependentBoards, family: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    port = str(boards.link)
    assert main(["locker", "status", "--port", port, "--family", family, "--boards", "1,2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    doors = {row["slot"]: row["door"] for row in report["slots"]}
    assert doors["1-01"] == doors["2-08"] == "closed"
    assert len(doors) == (32 if family == "cu16" else 48)  # 8A/80: the three status bytes it sent
    assert main(["locker", "open", "2-05", "--port", port, "--family", family]) == 0
    assert capsys.readouterr().out.strip() == "opened"
    assert (2, 5) in boards.open_doors
    assert main(["locker", "open", "2-05", "--port", port, "--family", family]) == 0
    assert capsys.readouterr().out.strip() == "already_open"
    assert main(["locker", "status", "--port", port, "--family", family, "--boards", "2"]) == 0
    table = capsys.readouterr().out
    assert any(line.split()[:2] == ["2-05", "open"] for line in table.splitlines())
    unlocks = [f for f in boards.received if f[0] in (0x8A,) or (f[0] == 0x02 and f[2] == 0x31)]
    assert len(unlocks) == 2  # one per command, never repeated
