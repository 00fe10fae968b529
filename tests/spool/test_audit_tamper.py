"""Editing, deleting or reordering audit rows with plain sqlite3 is detected and named."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

import spool
from spool import audit, machine
from spool.states import Flow
from station.cli import main

ROWS = 12


@pytest.fixture(scope="module")
def sealed_station(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A station whose audit chain has ROWS entries."""
    folder = tmp_path_factory.mktemp("tamper") / "station"
    assert main(["init", str(folder)]) == 0
    conn = spool.connect(folder / "spool.db")
    number = 0
    while audit.head(conn)[0] < ROWS:
        number += 1
        machine.create_job(conn, f"DOC-{number}", flow=Flow.LOCKER, template="nib", template_version=2)
        if audit.head(conn)[0] < ROWS:
            machine.transition(conn, f"DOC-{number}", "rendered", actor="operator:sari")
    conn.close()
    return folder


def _sql(db: Path, statement: str) -> None:
    subprocess.run(["sqlite3", str(db), statement], check=True, capture_output=True)


def _verify(folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["audit", "verify", "--config", str(folder / "station.toml")])
    return code, capsys.readouterr().out


def _copy(station: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "copy"
    shutil.copytree(station, folder)
    return folder


MUTATIONS = {
    "edit-action": "UPDATE audit SET action = 'job.cancelled' WHERE seq = {k}",
    "edit-actor": "UPDATE audit SET actor = 'operator:mallory' WHERE seq = {k}",
    "edit-details": "UPDATE audit SET details = '{{}}' WHERE seq = {k}",
    "edit-time": "UPDATE audit SET at = '2020-01-01T00:00:00.000Z' WHERE seq = {k}",
    "edit-job": "UPDATE audit SET job_id = 'DOC-999' WHERE seq = {k}",
    "delete": "DELETE FROM audit WHERE seq = {k}",
    "reorder": ("UPDATE audit SET seq = -1 WHERE seq = {k}; UPDATE audit SET seq = {k} WHERE seq = {k} + 1;"
                " UPDATE audit SET seq = {k} + 1 WHERE seq = -1"),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_every_tampered_row_but_the_newest_is_named(mutation: str, sealed_station: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert _verify(sealed_station, capsys)[0] == 0
    for k in range(1, ROWS):
        folder = _copy(sealed_station, tmp_path / f"{mutation}-{k}")
        _sql(folder / "spool.db", MUTATIONS[mutation].format(k=k))
        code, out = _verify(folder, capsys)
        assert code == 1, (mutation, k, out)
        assert f"sequence {k}:" in out, (mutation, k, out)


def test_a_rewritten_hash_is_pinned_on_the_rewritten_row(sealed_station: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """An attacker who edits a row and recomputes its hash is caught by the next row."""
    for k in range(1, ROWS):
        folder = _copy(sealed_station, tmp_path / f"rehash-{k}")
        db = folder / "spool.db"
        conn = spool.connect(db)
        entry = next(audit.entries(conn, since=k - 1))
        conn.close()
        forged = {**entry.body(), "actor": "operator:mallory"}
        new_hash = audit.entry_hash(bytes.fromhex(entry.prev_hash), forged).hex()
        _sql(db, f"UPDATE audit SET actor = 'operator:mallory', hash = '{new_hash}' WHERE seq = {k}")
        code, out = _verify(folder, capsys)
        assert code == 1 and f"sequence {k}:" in out, (k, out)


def test_export_since_gives_json_lines(sealed_station: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["audit", "export", "--since", "10", "--config", str(sealed_station / "station.toml")]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["seq"] for line in lines] == list(range(11, ROWS + 1))
    assert all(set(line) >= {"seq", "at", "actor", "action", "job", "slot", "details", "hash"} for line in lines)
