"""The whole station on simulators, attacked as issue 13 found it: revocation with no restart, a
poisoned document beside a good one, and private files while it runs. The physical truth is the
lock-bus simulator's count of unlocks per slot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import spool
from spool import audit
from spool.states import JobState
from station.trust import store as trust
from station.backoffice import document
from station.runtime.control import ControlClient
from station.files import exposed
from simulators.station.simulate import Options, SimulatedStation

from station_support import job, state, wait
from station.runtime import ops

STATION = str(Path(sys.executable).with_name("station"))
POISON_FIELD = "nik.3174012345678901"  # a field name holding a 16-digit run (a NIK's shape)


def _cli(sim: SimulatedStation, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([STATION, "--config", str(sim.config_path), *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "STATION_CONFIG": ""})
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def _entries(sim: SimulatedStation, action: str, job: str | None = None) -> list[audit.Entry]:
    conn = spool.connect(sim.cfg.spool_path)
    try:
        return [e for e in audit.entries(conn, job=job) if e.action == action] if job else \
            [e for e in audit.entries(conn) if e.action == action]
    finally:
        conn.close()


def _import(sim: SimulatedStation, folder: Path, name: str, docs: list[dict[str, Any]]) -> str:
    path = folder / f"{name}.json"
    path.write_text(json.dumps(docs))
    return _cli(sim, "spool", "import", str(path)).stdout


def _resigned(sim: SimulatedStation, base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    fields = {k: v for k, v in base.items() if k not in ("kid", "signature")}
    return document.sign({**fields, **changes}, sim.office.issuer_key)


@pytest.mark.timeout(600)
def test_revocation_poison_and_private_files_on_a_running_station(tmp_path: Path) -> None:
    sim = SimulatedStation(Options(folder=tmp_path / "station", documents=2, port=0, pin_ratio=0.0,
                                   printer_ppm=600, seed=13, fast=True))
    sim.start()
    try:
        approvals = sim.office.approvals()
        wait(lambda: all(state(sim, a.id) is JobState.STAGED for a in approvals), 240, "two staged documents")
        # While it runs (spool with WAL and SHM open, control socket, web process): nothing open to others.
        assert (sim.folder / "spool.db-wal").exists()
        assert exposed(sim.folder) == []

        # 1. A poisoned document ahead of a good one, through `station spool import`.
        base = approvals[0].document
        poison = _resigned(sim, base, id="POISON-1", data={**base["data"], POISON_FIELD: "x"})
        good = _resigned(sim, base, id="GOOD-1")
        assert "2 stored" in _import(sim, tmp_path, "poisoned", [poison, good])
        held = wait(lambda: _entries(sim, "job.held", "POISON-1"), 120, "the poisoned document held")
        assert held[0].details["reason"] == "unknown_field"
        wait(lambda: state(sim, "GOOD-1") is JobState.STAGED, 120, "the good document staged")
        assert job(sim, "POISON-1").state in (JobState.HELD, JobState.RECEIVED)  # simulated staff retry it

        # 2. A revoked template key renders nothing new (no restart).
        store_path = sim.cfg.path(sim.cfg.paths.trust_store)
        template_kid = next(k.kid for k in trust.TrustStore.load(store_path).keys if k.purpose == "template")
        _cli(sim, "keys", "trust", "revoke", "--store", str(store_path), template_kid)
        assert "1 stored" in _import(sim, tmp_path, "after-template-revocation",
                                     [_resigned(sim, base, id="GOOD-2")])
        held = wait(lambda: _entries(sim, "job.held", "GOOD-2"), 120, "the new document held")
        assert held[0].details["reason"] == "revoked_key"
        assert _entries(sim, "job.rendered", "GOOD-2") == []

        # 3. A revoked issuer key opens no door (no restart): refused as revoked_key, the job stays staged.
        target = approvals[1]
        slot = job(sim, target.id).slot
        unlocks = sim.bus.unlock_count(slot)
        _cli(sim, "keys", "trust", "revoke", "--store", str(store_path), sim.office.kid)
        view = ControlClient(sim.cfg.path(sim.cfg.paths.control_socket), timeout=10).call(
            ops.KIOSK_SCAN, {"text": target.token}, actor="citizen")
        assert view["screen"] == "refused" and view["reason"] == "revoked_key"
        time.sleep(1.0)  # a door the counter opened anyway would show by now
        assert sim.bus.unlock_count(slot) == unlocks
        assert job(sim, target.id).state is JobState.STAGED

        # Each change of the trust store was audited: counts and kids, nothing else.
        changes = wait(lambda: len(_entries(sim, "trust.changed")) >= 2 and _entries(sim, "trust.changed"), 10,
                        "both revocations audited")
        assert [e.details["changes"] for e in changes] == [{template_kid: "revoked"}, {sim.office.kid: "revoked"}]
        assert set(changes[0].details) == {"keys", "active", "revoked", "changes"}

        # The audit verifies, and no text of the poisoned document reached it or the log.
        conn = spool.connect(sim.cfg.spool_path)
        try:
            assert audit.verify(conn).ok
            exported = json.dumps([e.to_json() for e in audit.entries(conn)])
        finally:
            conn.close()
        log_text = (sim.folder / "daemon.log").read_text()
        for text in (exported, log_text):
            assert "nik." not in text and "3174012345678901" not in text
    finally:
        sim.stop()
