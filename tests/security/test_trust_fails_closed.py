"""(issue 21, point 4) A trust store that does not read fails closed, on a running station.

Broken three ways (a revocation beside a malformed entry, a truncated file,
a deleted file), the revoked issuer's token opens no door: the lock-bus
simulator counts no unlock and shows the door shut. Each time a critical
alarm is raised and `/readyz` is false, naming the trust store; when the
store is restored the alarm clears by itself and the station is ready again.
The old station kept the last store that loaded: the first break opened the
door, the other two refused as `revoked_key`, with no alarm.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

import spool
from spool import alarms
from spool.states import JobState
from station.trust import store as trust
from station.runtime.control import ControlClient
from simulators.station.simulate import Options, SimulatedStation

from station_support import job, state, wait
from station.runtime import ops


def _readyz(sim: SimulatedStation) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{sim.options.port}/readyz", timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())
    except OSError:
        return 0, {}


def _trust_alarms(sim: SimulatedStation) -> list[alarms.Alarm]:
    conn = spool.connect(sim.cfg.spool_path)
    try:
        return alarms.open_alarms(conn, "trust_store_unreadable")
    finally:
        conn.close()


def _breaks(path: Path, revoked: trust.TrustStore) -> dict[str, Any]:
    text = path.read_text()

    def malformed() -> None:  # the revocation, and beside it one entry that does not parse
        data = revoked.to_json()
        data["keys"].append({"kid": "00", "purpose": "issuer", "public_key": "not a key"})
        path.write_text(json.dumps(data))

    return {"revocation beside a malformed entry": malformed,
            "truncated": lambda: path.write_text(text[: len(text) // 2]),
            "deleted": path.unlink}


@pytest.mark.timeout(600)
def test_a_broken_trust_store_opens_no_door_raises_an_alarm_and_is_not_ready(tmp_path: Path) -> None:
    sim = SimulatedStation(Options(folder=tmp_path / "station", documents=1, port=0, pin_ratio=0.0,
                                   printer_ppm=600, seed=21, fast=True))
    sim.start()
    try:
        approval = sim.office.approvals()[0]
        wait(lambda: state(sim, approval.id) is JobState.STAGED, 240, "the document staged")
        wait(lambda: _readyz(sim)[0] == 200, 60, "the station ready")
        slot = job(sim, approval.id).slot
        path = sim.cfg.path(sim.cfg.paths.trust_store)
        revoked = trust.TrustStore.load(path).with_revoked(sim.office.kid)
        control = ControlClient(sim.cfg.path(sim.cfg.paths.control_socket), timeout=10)
        unlocks = sim.bus.unlock_count(slot)
        for name, break_it in _breaks(path, revoked).items():
            break_it()
            view = control.call(ops.KIOSK_SCAN, {"text": approval.token}, actor="citizen")
            assert (view["screen"], view["reason"]) == ("refused", "trust_store_unreadable"), name
            found = wait(lambda: _trust_alarms(sim), 30, f"a trust-store alarm ({name})")
            assert [a.severity for a in found] == ["critical"]
            status, body = wait(lambda: (r := _readyz(sim))[0] == 503 and r, 30, f"/readyz false ({name})")
            assert "trust store" in body["detail"], body
            # The physical truth: no unlock reached the bus, the door is shut, the job still waits.
            assert sim.bus.unlock_count(slot) == unlocks and not sim.bus.door_open(slot), name
            assert state(sim, approval.id) is JobState.STAGED
            revoked.save(path)  # restored (with the revocation it was meant to carry)
            wait(lambda: not _trust_alarms(sim), 30, f"the alarm cleared ({name})")
            wait(lambda: _readyz(sim)[0] == 200, 30, f"ready again ({name})")
        # Restored, the store is in force: the revoked issuer's token is refused for that, and nothing opened.
        view = control.call(ops.KIOSK_SCAN, {"text": approval.token}, actor="citizen")
        assert view["reason"] == "revoked_key"
        assert sim.bus.unlock_count(slot) == unlocks and not sim.bus.door_open(slot)
    finally:
        sim.stop()
