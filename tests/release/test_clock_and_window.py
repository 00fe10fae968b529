"""Issue 22, point 2: the pickup window is decided at the counter; the clock guard survives a restart;
a checkpoint signed while the clock ran behind still verifies.

The counter takes its clock as an argument (`Counter(clock=...)`): these tests move it, as a clock
step or a wrong clock would, while the spool, the lock bus (a pty) and the release flow are real.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import spool
from spool import alarms, audit
from station.trust import checkpoint
from station.trust import token
from station.trust import store as trust
from station.release.kiosk import Screen

from patience import wait

from .conftest import Rig, make_rig, stop_rig

WEEK = 7 * 86400


def _rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _week_token(rig: Rig, job: str, issued: float) -> str:
    return token.issue(rig.issuer, "MPP-TEST-01", job, ttl_seconds=WEEK, now=int(issued))


def _open_alarms(rig: Rig, kind: str) -> list[alarms.Alarm]:
    conn = rig.conn
    try:
        return alarms.open_alarms(conn, kind)
    finally:
        conn.close()


def test_a_document_past_its_window_is_refused_expired_whatever_the_timer_did(tmp_path: Path) -> None:
    now = [time.time()]
    rig = make_rig(tmp_path, clock=lambda: now[0])
    start = now[0] = time.time()  # after the issuer key's signing window began (tokens issued now)
    try:
        rig.stage("AKTA-W1", "A-1-02", pickup_expires=_rfc3339(start + 75))  # a 75 s pickup window
        rig.stage("AKTA-W3", "A-1-04", pickup_expires=_rfc3339(start + 86400))

        now[0] = start + 76  # 1 s after the window ended; the expiry timer has not run (none runs here)
        view = rig.scan(_week_token(rig, "AKTA-W1", start))
        assert (view.screen, view.reason) == (Screen.REFUSED, "expired")
        assert rig.sim.unlock_count("A-1-02") == 0 and not rig.sim.door_open("A-1-02")
        assert rig.state("AKTA-W1") == "staged"  # the timer's move to `expired` is its own business

        now[0] = start + 2 * 86400  # the clock steps 2 days forward
        view = rig.scan(_week_token(rig, "AKTA-W3", start))
        assert (view.screen, view.reason) == (Screen.REFUSED, "expired")
        assert rig.sim.unlock_count("A-1-04") == 0 and not rig.sim.door_open("A-1-04")
    finally:
        stop_rig(rig)


def test_inside_the_window_the_door_opens(tmp_path: Path) -> None:
    now = [time.time()]
    rig = make_rig(tmp_path, clock=lambda: now[0])
    start = time.time()
    now[0] = start + 74
    try:
        rig.stage("AKTA-W4", "A-1-05", pickup_expires=_rfc3339(start + 75))
        view = rig.scan(_week_token(rig, "AKTA-W4", start))
        assert view.screen is Screen.OPEN and rig.sim.unlock_count("A-1-05") == 1
    finally:
        stop_rig(rig)


def _record_while_behind(rig: Rig, behind: float) -> None:
    """What a station whose clock runs an hour behind writes: entries stamped with that clock."""
    conn = rig.conn
    try:
        for seq in range(3):
            with spool.write(conn):
                audit.append(conn, "system", "audit.checkpoint", details={"seq": seq},
                             at=_rfc3339(behind + seq))
    finally:
        conn.close()


def test_the_clock_guard_survives_restarts_until_the_clock_passes_the_mark(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    rig.stage("AKTA-G", "A-1-06")
    stop_rig(rig)
    offset = [3600.0]  # the clock is set an hour back
    _record_while_behind(rig, time.time() - offset[0])

    for _ in range(2):  # restarted twice while behind: the guard holds each time
        rig = make_rig(tmp_path, clock=lambda: time.time() - offset[0])
        try:
            held = _open_alarms(rig, "clock_behind")
            assert held and held[0].severity == "critical"  # raised at start, before any scan
            view = rig.scan(_week_token(rig, "AKTA-G", time.time() - offset[0]))
            assert (view.screen, view.reason) == (Screen.ASK_STAFF, "clock")
            assert rig.sim.unlock_count("A-1-06") == 0
        finally:
            stop_rig(rig)

    rig = make_rig(tmp_path, clock=lambda: time.time() - offset[0])
    try:
        offset[0] = 0.0  # the technician sets the clock right: the guard lets go by itself
        wait(lambda: not _open_alarms(rig, "clock_behind"), what="clock_behind cleared")
        view = rig.scan(_week_token(rig, "AKTA-G", time.time()))
        assert view.screen is Screen.OPEN and rig.sim.unlock_count("A-1-06") == 1
    finally:
        stop_rig(rig)


def test_a_checkpoint_signed_while_the_clock_was_behind_verifies(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    stop_rig(rig)
    cfg = rig.cfg
    key = trust.load_private_key(cfg.path(cfg.paths.station_key))
    store = trust.TrustStore.load(cfg.path(cfg.paths.trust_store))
    conn = rig.conn
    try:
        behind = datetime.now(UTC) - timedelta(days=2)  # before the station key may sign
        latest = max(trust.parse_time(e.at, "at") for e in audit.entries(conn))
        made = checkpoint.make(conn, cfg.station.id, key, now=behind)
        checkpoint.verify(conn, made, store)  # no `key_window`
        assert trust.parse_time(made.at, "at") >= latest  # never behind the latest recorded time
    finally:
        conn.close()
