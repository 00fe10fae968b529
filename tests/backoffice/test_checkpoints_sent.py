"""(issue 21, point 5) Audit checkpoints leave the station with the outbox (PROTOCOLS §7.3); the back office
keeps them, and an auditor holding its newest one catches a spool restored whole from an old copy."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from backoffice_support import BEARER, STATION, client, run

import spool
from spool import machine
from spool.states import Flow
from station import config
from station.trust import checkpoint
from station.backoffice.outbox import Sender
from station.cli import main
from station.trust.store import load_private_key


def _station(tmp_path: Path) -> tuple[Path, sqlite3.Connection, Any]:
    folder = tmp_path / "station"
    assert main(["init", str(folder), "--station-id", STATION]) == 0
    cfg = config.load(folder / "station.toml")
    return folder, spool.connect(cfg.spool_path), load_private_key(cfg.path(cfg.paths.station_key))


def _send(server: Any, conn: sqlite3.Connection) -> int:
    async def go() -> int:
        async with client(server.url) as station_client:
            return await Sender(conn, station_client, station=STATION).send_pending()
    return run(go())


def _verify(folder: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["audit", "verify", "--config", str(folder / "station.toml"), *extra])
    return code, capsys.readouterr().out


def test_checkpoints_reach_the_back_office_once_and_catch_a_spool_restored_from_an_old_copy(
        tmp_path: Path, server: Any, office: Any, capsys: pytest.CaptureFixture[str]) -> None:
    folder, conn, key = _station(tmp_path)
    first = checkpoint.make(conn, STATION, key)
    old_copy = sqlite3.connect(tmp_path / "old-spool.db")
    conn.backup(old_copy)  # the spool as it was then, whole and self-consistent
    old_copy.close()
    later = office.approve(1)[0].id  # a document the office knows: its `received`, queued with the job, goes too
    machine.create_job(conn, later, flow=Flow.LOCKER, template="nib", template_version=2)
    second = checkpoint.make(conn, STATION, key)

    assert _send(server, conn) == 3  # the two checkpoints, then the job's `received`
    assert [c["seq"] for c in office.checkpoints.listed(STATION)] == [first.seq, second.seq]
    assert checkpoint.stored(conn, STATION, unsent=True) == []
    assert _send(server, conn) == 0  # sent once: nothing left to send
    conn.close()

    # The auditor takes the newest checkpoint the back office holds.
    reply = httpx.get(f"{server.url}/sim/checkpoints/{STATION}/latest", timeout=10)
    assert reply.status_code == 200 and reply.json() == second.as_dict()
    latest = tmp_path / "latest.json"
    latest.write_text(reply.text)
    assert _verify(folder, capsys, "--checkpoint", str(latest))[0] == 0

    # The spool restored whole from the old copy: consistent in itself, caught by the office's checkpoint.
    for suffix in ("-wal", "-shm"):
        Path(f"{folder / 'spool.db'}{suffix}").unlink(missing_ok=True)
    (tmp_path / "old-spool.db").replace(folder / "spool.db")
    assert _verify(folder, capsys)[0] == 0
    code, out = _verify(folder, capsys, "--checkpoint", str(latest))
    assert code == 1 and "cut off" in out and str(latest) in out


def test_the_back_office_refuses_a_checkpoint_of_another_station_or_a_wrong_shape(server: Any) -> None:
    url = f"{server.url}/api/v1/stations/{STATION}/checkpoints"
    auth = {"Authorization": f"Bearer {BEARER}"}
    body = {"station": "MPP-OTHER", "seq": 3, "hash": "00", "at": "2026-01-01T00:00:00Z", "kid": "00",
            "signature": "AA=="}
    assert httpx.post(url, json=body, headers=auth, timeout=10).status_code == 403
    assert httpx.post(url, json={**body, "seq": "3"}, headers=auth, timeout=10).status_code == 422
    assert httpx.post(url, json={**body, "station": STATION}, timeout=10).status_code == 401
    assert httpx.post(url, json={**body, "station": STATION}, headers=auth, timeout=10).status_code == 204
