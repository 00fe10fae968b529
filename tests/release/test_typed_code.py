"""(issue 24) The typed pickup code (PROTOCOLS §4.1) at the counter, on a real pseudo-terminal lock bus.

A right code opens the door once (its use in the ledger before the lock
moves); a document with a PIN asks for it after the code; wrong codes lock the
document as wrong PINs do, and the kiosk as attack-like refusals do; the code
is refused after the pickup window; Cancel leaves the PIN pad.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from spool import alarms, audit, tokens
from spool.rfc3339 import format_time, parse
from station.release.kiosk import Screen
from station.trust import pickup_code

from patience import wait
from .conftest import Rig, make_rig, stop_rig


def _code(ref: str) -> pickup_code.IssuedCode:
    return pickup_code.issue(ref, ln=4)  # a cheap scrypt cost: the check is the same code path


def _wrong(issued: pickup_code.IssuedCode) -> str:
    secret = issued.code.secret
    return f"{issued.code.ref}-{secret[:4]}-{(int(secret[4:]) + 1) % 10000:04d}"


def test_a_right_code_opens_the_door_once_and_the_use_is_in_the_ledger(rig: Rig) -> None:
    issued = _code("0042")
    rig.stage("AKTA-K1", "A-1-03", code=issued)
    view = rig.type_code(issued.code.text().replace("-", " "))  # spaces or dashes: the same code
    assert view.screen is Screen.OPEN and view.slot == "A-1-03"
    assert rig.sim.unlock_count("A-1-03") == 1
    conn = rig.conn
    try:
        assert tokens.owner(conn, pickup_code.use_id(issued.verifier)) == "AKTA-K1"
        released = [e for e in audit.entries(conn, job="AKTA-K1") if e.action == "job.released"]
        assert released[0].details["kid"] == "code"
        # the use was recorded before the unlock intent, in the same commit as the release
        assert [e.action for e in audit.entries(conn, job="AKTA-K1")].index("job.released") < \
            [e.action for e in audit.entries(conn, job="AKTA-K1")].index("unlock.opened")
    finally:
        conn.close()
    wait(lambda: rig.state("AKTA-K1") == "collected", what="collected")
    again = rig.type_code(issued.code.text())
    assert again.reason in ("already_used", "collected") and rig.sim.unlock_count("A-1-03") == 1


def test_a_document_with_a_pin_asks_for_it_after_the_code_and_cancel_leaves(rig: Rig) -> None:
    issued = _code("0043")
    rig.stage("AKTA-K2", "A-1-04", code=issued, pin="4821")
    asked = rig.type_code(issued.code.text())
    assert asked.screen is Screen.PIN and asked.session
    reset = parse(asked.reset_at).timestamp()
    assert 80 <= reset - time.time() <= 91  # the PIN pad's 90 s, as a time the page counts down to
    left = rig.counter.cancel_pin(asked.session).result(timeout=10)
    assert left.screen is Screen.IDLE
    stale = rig.counter.enter_pin(asked.session, "4821").result(timeout=10)
    assert stale.screen is not Screen.OPEN and rig.sim.unlock_count("A-1-04") == 0
    asked = rig.type_code(issued.code.text())  # nothing was spent: the code still works
    right = rig.counter.enter_pin(asked.session, "4821").result(timeout=10)
    assert right.screen is Screen.OPEN and rig.sim.unlock_count("A-1-04") == 1


def test_wrong_codes_lock_the_document_like_wrong_pins(rig: Rig) -> None:
    issued = _code("0044")
    rig.stage("AKTA-K3", "A-1-05", code=issued, pin="1111")
    for _ in range(3):
        assert rig.type_code(_wrong(issued)).reason == "bad_code"
    asked = rig.type_code(issued.code.text())  # 3 wrong codes, then 2 wrong PINs: the same count of 5
    assert asked.job["attempts_left"] == 2
    rig.counter.enter_pin(asked.session, "9999").result(timeout=10)
    locked = rig.counter.enter_pin(asked.session, "9999").result(timeout=10)
    assert locked.reason == "pin_locked"
    assert rig.type_code(issued.code.text()).reason == "pin_locked"  # even the right code now
    assert rig.sim.unlock_count("A-1-05") == 0
    conn = rig.conn
    try:
        opened = [a for a in alarms.list_alarms(conn) if a.kind == "pin_locked" and a.job_id == "AKTA-K3"]
        assert opened and "ID" in opened[0].message
    finally:
        conn.close()
    # wrong codes alone lock a document too
    other = _code("0045")
    rig.stage("AKTA-K4", "A-1-06", code=other)
    views = [rig.type_code(_wrong(other)) for _ in range(5)]
    assert [v.reason for v in views] == ["bad_code"] * 4 + ["pin_locked"]
    assert rig.type_code(other.code.text()).reason == "pin_locked"
    # a reference nobody holds is a wrong code, and locks no document
    assert rig.type_code("9999-0000-0000").reason == "bad_code"


def test_wrong_codes_lock_the_kiosk_out_and_the_lockout_end_never_moves(tmp_path: Path) -> None:
    rig = make_rig(tmp_path, env={"STATION_RELEASE_REFUSED_SCANS_PER_MINUTE": "3"})
    try:
        issued = _code("0046")
        rig.stage("AKTA-K5", "A-1-07", code=issued)
        views = [rig.type_code(f"99{n:02d}-1234-5678") for n in range(3)]
        locked = views[-1]
        assert locked.screen is Screen.LOCKED_OUT and locked.until
        until = parse(locked.until).timestamp()
        assert 55 <= until - time.time() <= 61
        time.sleep(0.05)  # (only so a lockout moved by the next inputs would show a later time)
        during = [rig.type_code(issued.code.text()), rig.scan(rig.token("AKTA-K5"))]
        assert all(v.screen is Screen.LOCKED_OUT and v.until == locked.until for v in during)
        assert rig.sim.unlock_count("A-1-07") == 0
    finally:
        stop_rig(rig)


def test_a_code_is_refused_after_the_pickup_window(rig: Rig) -> None:
    issued = _code("0047")
    past = format_time(datetime.now(UTC) - timedelta(minutes=1))
    rig.stage("AKTA-K6", "A-1-08", code=issued, pickup_expires=past)
    assert rig.type_code(issued.code.text()).reason == "expired"
    assert rig.sim.unlock_count("A-1-08") == 0
    conn = rig.conn
    try:
        assert not tokens.is_used(conn, pickup_code.use_id(issued.verifier))
    finally:
        conn.close()


def test_nothing_of_the_secret_reaches_the_audit(rig: Rig) -> None:
    issued = _code("0048")
    rig.stage("AKTA-K7", "A-1-09", code=issued)
    rig.type_code(_wrong(issued))
    rig.type_code(issued.code.text())
    conn = rig.conn
    try:
        text = " ".join(str(e.details) for e in audit.entries(conn))
    finally:
        conn.close()
    assert issued.code.secret not in text and "code" in text  # the release says how, never the digits
