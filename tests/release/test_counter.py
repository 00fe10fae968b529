"""The release flow against a simulated CU16 bus on a real pseudo-terminal."""

from __future__ import annotations

import time
from pathlib import Path

import spool
from spool import alarms, audit, intents  # noqa: F401 - spool.intents below
from station.trust import store as trust
from station.release.kiosk import Screen

from patience import wait
from .conftest import Rig, make_rig, stop_rig


def _audit_actions(rig: Rig, job: str) -> list[str]:
    conn = rig.conn
    try:
        return [e.action for e in audit.entries(conn, job=job)]
    finally:
        conn.close()


def test_valid_scan_opens_the_door_and_collection_is_recorded(rig: Rig) -> None:
    rig.stage("AKTA-1", "A-1-03")
    view = rig.scan(rig.token("AKTA-1"))
    assert view.screen is Screen.OPEN and view.slot == "A-1-03" and view.door == 3
    assert view.job["masked_name"] == "S*** A*****"
    assert rig.sim.unlock_count("A-1-03") == 1
    wait(lambda: rig.state("AKTA-1") == "collected", what="collected")
    actions = _audit_actions(rig, "AKTA-1")
    assert actions[-3:] == ["job.released", "unlock.opened", "job.collected"]
    kiosk = [d["screen"] for k, d in rig.events if k == "kiosk"]
    assert "opening" in kiosk and "thanks" in kiosk


def test_replay_forgery_and_wrong_document_never_open(rig: Rig) -> None:
    rig.stage("AKTA-2", "A-1-04")
    rig.stage("AKTA-3", "A-1-05")
    rig.counter.repeats.window_s = 0.0  # a used token presented later (repeats: test_scanner_noise.py)
    text = rig.token("AKTA-2")
    assert rig.scan(text).screen is Screen.OPEN
    wait(lambda: rig.state("AKTA-2") == "collected")
    assert rig.scan(text).reason == "already_used"
    forged = rig.token("AKTA-3", key=trust.new_private_key())
    assert rig.scan(forged).reason == "unknown_key"
    assert rig.scan(rig.token("NOPE-9")).reason == "unknown_document"
    for typed in ("MPP1:garbage", ""):  # typed at the kiosk; from the scanner such lines are dropped as noise
        assert rig.counter.scan(typed, typed=True).result(timeout=20).reason == "malformed"
    assert rig.sim.unlock_count("A-1-04") == 1 and rig.sim.unlock_count("A-1-05") == 0
    assert rig.state("AKTA-3") == "staged"


def test_item_left_in_slot_goes_back_to_staged(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    try:
        rig.stage("KK-1", "A-1-06")
        rig.sim.add_fault("keepitem@1-06")
        assert rig.scan(rig.token("KK-1")).screen is Screen.OPEN
        wait(lambda: rig.state("KK-1") == "staged", what="back to staged")
        assert "release.closed_with_item" in _audit_actions(rig, "KK-1")
        # the same token is spent; a fresh one opens again
        assert rig.scan(rig.token("KK-1")).screen is Screen.OPEN
    finally:
        stop_rig(rig)


def test_jammed_latch_holds_the_job_and_raises_an_alarm(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    try:
        rig.stage("NIB-1", "A-1-07")
        rig.sim.add_fault("jam@1-07")
        view = rig.scan(rig.token("NIB-1"))
        assert view.screen is Screen.ASK_STAFF and view.reason == "jammed"
        assert rig.state("NIB-1") == "held"
        conn = rig.conn
        assert any(a.kind == "latch_jammed" for a in alarms.list_alarms(conn, open_only=True))
        conn.close()
    finally:
        stop_rig(rig)


def test_pin_pad_right_wrong_and_locked(rig: Rig) -> None:
    rig.stage("AKTA-P", "A-1-08", pin="4821")
    asked = rig.scan(rig.token("AKTA-P", pin=True))
    assert asked.screen is Screen.PIN and asked.session
    wrong = rig.counter.enter_pin(asked.session, "0000").result(timeout=10)
    assert wrong.screen is Screen.PIN and wrong.job["attempts_left"] == 4
    right = rig.counter.enter_pin(asked.session, "4821").result(timeout=10)
    assert right.screen is Screen.OPEN
    rig.stage("AKTA-Q", "A-1-09", pin="1111")
    asked = rig.scan(rig.token("AKTA-Q", pin=True))
    for _ in range(5):
        view = rig.counter.enter_pin(asked.session, "9999").result(timeout=10)
    assert view.reason == "pin_locked"
    again = rig.scan(rig.token("AKTA-Q", pin=True))
    assert again.reason == "pin_locked"
    assert rig.sim.unlock_count("A-1-09") == 0


def test_clock_going_back_stops_releases(rig: Rig) -> None:
    rig.stage("AKTA-C", "A-1-10")
    rig.counter.clock = lambda: time.time() - 3600
    view = rig.scan(rig.token("AKTA-C", now=int(time.time()) - 3600))
    assert view.screen is Screen.ASK_STAFF and view.reason == "clock"
    assert rig.sim.unlock_count("A-1-10") == 0
    conn = rig.conn
    assert any(a.kind == "clock_behind" and a.severity == "critical" for a in alarms.list_alarms(conn))
    conn.close()


def test_refused_scans_lock_the_scanner_out(tmp_path: Path) -> None:
    rig = make_rig(tmp_path, env={"STATION_RELEASE_REFUSED_SCANS_PER_MINUTE": "3"})
    try:
        rig.stage("AKTA-L", "A-1-11")
        views = [rig.scan(rig.token("AKTA-L", key=trust.new_private_key())) for _ in range(3)]  # forgeries
        assert views[-1].screen is Screen.LOCKED_OUT
        # even a valid token is ignored while locked out
        assert rig.scan(rig.token("AKTA-L")).screen is Screen.LOCKED_OUT
        assert rig.sim.unlock_count("A-1-11") == 0
    finally:
        stop_rig(rig)


def test_grace_reopen_once(tmp_path: Path) -> None:
    rig = make_rig(tmp_path, env={"STATION_RELEASE_REOPEN_GRACE_SECONDS": "120"})
    try:
        _grace_reopen_once(rig)
    finally:
        stop_rig(rig)


def _grace_reopen_once(rig: Rig) -> None:
    rig.counter.repeats.window_s = 0.0  # the last scan is a used token presented later (not a repeat)
    rig.stage("AKTA-G", "A-1-12")
    text = rig.token("AKTA-G")
    assert rig.scan(text).screen is Screen.OPEN
    wait(lambda: rig.state("AKTA-G") == "collected")
    assert rig.scan(text).screen is Screen.OPEN  # forgot something: once more
    assert rig.sim.unlock_count("A-1-12") == 2
    wait(lambda: not rig.sim.door_open("A-1-12"))
    assert rig.scan(text).reason == "already_used"
    assert "job.reopened" in _audit_actions(rig, "AKTA-G")


def test_replay_after_crash_between_record_and_unlock(tmp_path: Path) -> None:
    """The token id is durable before the lock moves: a replay after a crash is already_used."""
    rig = make_rig(tmp_path)
    rig.stage("AKTA-X", "A-1-13")
    text = rig.token("AKTA-X")
    # The crash: the release was recorded, then the station died before driving the lock.
    claims = __import__("station.trust.token", fromlist=["verify"]).verify(text, rig.counter.trust, "MPP-TEST-01")
    conn = rig.conn
    with spool.write(conn):
        spool.tokens.record_use(conn, claims.cti_hex, "AKTA-X")
        spool.machine.transition(conn, "AKTA-X", "released", actor="citizen")
        spool.intents.record(conn, spool.intents.Kind.UNLOCK, job="AKTA-X", slot="A-1-13")
    conn.close()
    stop_rig(rig)
    again = make_rig(tmp_path, items=("A-1-13",))
    try:
        assert again.state("AKTA-X") == "staged"  # recovery saw the paper still inside
        assert again.scan(text).reason == "already_used"
        assert again.sim.unlock_count("A-1-13") == 0
    finally:
        stop_rig(again)
