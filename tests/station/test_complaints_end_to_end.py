"""A citizen's report at the kiosk reaches the back office exactly once, through daemon kills.

The whole station on simulators, in process (`SimulatedStation`): a citizen
collects a document and reports it missing while the back office is down;
the daemon is killed with the complaint still queued; the back office comes
back but its answers are lost, so the complaint is delivered without the
station knowing; the daemon is killed again; then everything works. The back
office lists the complaint once, about that document.
"""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest
from station_support import wait

import spool
from spool.states import JobState
from station.backoffice import complaints
from simulators.station.simulate import Options, SimulatedStation
from spool.users import add_user


def _pending(station: SimulatedStation) -> int:
    conn = spool.connect(station.cfg.spool_path)
    try:
        return complaints.pending_count(conn)
    finally:
        conn.close()


def _serving(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def _kill(station: SimulatedStation) -> None:
    assert station.daemon is not None
    station.daemon.send_signal(signal.SIGKILL)
    station.daemon.wait(30)


@pytest.mark.timeout(600)
def test_a_report_reaches_the_back_office_once_through_kills(tmp_path: Path) -> None:
    station = SimulatedStation(Options(folder=tmp_path / "station", documents=1, port=0, pin_ratio=0.0,
                                       printer_ppm=600, seed=7))
    station.start()
    try:
        conn = spool.connect(station.cfg.spool_path)
        token = add_user(conn, "kiosk-tech", "technician")
        conn.close()
        base = f"http://127.0.0.1:{station.options.port}"
        wait(lambda: station.counts().get("staged", 0) == 1, 240, "the document staged")
        [approval] = station.office.approvals()
        station.office.set_faults(down=True)
        station.scanner.send(approval.token)
        wait(lambda: station.counts().get("collected", 0) == 1, 60, "the document collected")
        # The web process starts beside the daemon, and may come up later than the counter on a busy machine.
        wait(lambda: _serving(base), 60, "the web app")

        reply = httpx.post(f"{base}/api/v1/kiosk/problem", json={"problem": "document_missing"},
                           headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert reply.status_code == 200 and reply.json()["job"] == approval.id, reply.text
        assert _pending(station) == 1
        _kill(station)  # between the report and its delivery

        station.office.set_faults(down=False, lost_reply_rate=1.0)
        station.start_daemon()
        wait(lambda: station.office.complaints.listed(), 60, "the complaint at the back office")
        _kill(station)  # delivered, but the station never heard so
        assert _pending(station) == 1

        station.office.set_faults(lost_reply_rate=0.0)
        station.start_daemon()
        wait(lambda: _pending(station) == 0, 60, "the complaint recorded as delivered")
        [kept] = station.office.complaints.listed()
        assert (kept["document_id"], kept["problem"], kept["station"]) == (approval.id, "document_missing",
                                                                           station.cfg.station.id)
        assert kept["deliveries"] >= 2
        assert set(kept) == {"station", "document_id", "problem", "slot", "at", "received_at", "deliveries"}
        conn = spool.connect(station.cfg.spool_path)
        try:
            state = conn.execute("SELECT state FROM jobs WHERE id = ?", (approval.id,)).fetchone()["state"]
        finally:
            conn.close()
        assert state == JobState.COLLECTED.value
    finally:
        station.stop()
