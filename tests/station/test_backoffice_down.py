"""While the back office is down, staged documents are still released; events wait, then arrive once."""

from __future__ import annotations

from pathlib import Path

import pytest
from patience import wait

import spool
from spool import jobs
from spool.states import JobState
from simulators.station.report import report
from simulators.station.simulate import Options, SimulatedStation


@pytest.mark.timeout(600)
def test_releases_go_on_without_the_back_office(tmp_path: Path) -> None:
    station = SimulatedStation(Options(folder=tmp_path / "station", documents=6, port=0, pin_ratio=0.0,
                                       printer_ppm=600, seed=3))
    station.start()
    try:
        wait(lambda: station.counts().get("staged", 0) == 6, 240, "six staged documents")
        station.server.stop()  # the back office goes away (connection refused)
        for approval in station.office.approvals():
            station.world.scan(approval.id, approval.token)  # the citizen, at the kiosk
            wait(lambda: approval.id not in _staged(station), 60, f"{approval.id} released")
        wait(lambda: station.counts().get("collected", 0) == 6, 120, "all collected")
        heard = {(e["document_id"], e["event"]) for e in station.office.events()}
        assert not any(event == "collected" for _, event in heard)  # nothing could reach it
        station.server.start()  # back: the outbox delivers what waited, once each
        wait(lambda: station.done(), 120, "every event delivered")
        summary, good = report(station)
        assert summary["events_duplicated"] == [] and summary["audit_intact"] and good
    finally:
        station.stop()


def _staged(station: SimulatedStation) -> set[str]:
    conn = spool.connect(station.cfg.spool_path)
    try:
        return {j.id for j in jobs.jobs_in(conn, JobState.STAGED)}
    finally:
        conn.close()
