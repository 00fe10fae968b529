"""(issue 24) Refusals that say enough: who cancelled, which station the document waits at, when it is ready."""

from __future__ import annotations

import json
import re
from pathlib import Path

from spool import cancel as cancelling
from spool import machine
from spool.states import Flow
from station import operations
from station.release.kiosk import Screen
from station.trust import token

from .conftest import STATION, Rig, make_rig, stop_rig


def test_a_cancel_by_staff_sends_the_citizen_to_the_desk_and_one_by_the_office_to_the_office(rig: Rig) -> None:
    rig.stage("AKTA-C1", "A-1-03")
    rig.stage("AKTA-C2", "A-1-04")
    conn = rig.conn
    operations.cancel(conn, "AKTA-C1", actor="operator:rina", reason="citizen-asked")
    cancelling.cancel(conn, "AKTA-C2", actor="system", by="office", reason="withdrawn_by_office")
    conn.close()
    by_staff = rig.scan(rig.token("AKTA-C1"))
    assert (by_staff.reason, by_staff.cancelled_by) == ("cancelled", "staff")
    assert "meja layanan" in by_staff.message["id"] and "service desk" in by_staff.message["en"]
    assert "issuing office" not in by_staff.message["en"]
    by_office = rig.scan(rig.token("AKTA-C2"))
    assert (by_office.reason, by_office.cancelled_by) == ("cancelled", "office")
    assert "issuing office" in by_office.message["en"] and "kantor penerbit" in by_office.message["id"]


def test_a_token_for_another_station_names_it(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    stop_rig(rig)
    toml = rig.folder / "station.toml"
    toml.write_text(re.sub(r"(?m)^\[release\]\n", '[release]\nstation_names = { "MPP-JKS-02" = "MPP Jakarta'
                                                  ' Selatan" }\n', toml.read_text(), count=1))
    rig = make_rig(tmp_path)
    try:
        named = rig.scan(token.issue(rig.issuer, "MPP-JKS-02", "AKTA-W1", ttl_seconds=3600))
        assert named.reason == "wrong_station"
        assert "MPP Jakarta Selatan" in named.message["id"] and "waits at MPP Jakarta Selatan" in named.message["en"]
        unnamed = rig.scan(token.issue(rig.issuer, "MPP-BDG-07", "AKTA-W2", ttl_seconds=3600))
        assert "MPP-BDG-07" in unnamed.message["en"] and "MPP-BDG-07" in unnamed.message["id"]
        assert STATION not in unnamed.message["en"]
    finally:
        stop_rig(rig)


def _received(rig: Rig, job_id: str, state: str = "received", pages: int | None = None) -> None:
    conn = rig.conn
    machine.create_job(conn, job_id, flow=Flow.LOCKER, template="akta-kelahiran", template_version=1,
                       payload=json.dumps({"id": job_id, "data": {}}))
    if state != "received":
        machine.transition(conn, job_id, state, actor="system", pages=pages)
    conn.close()


def test_not_ready_gives_an_estimate_from_the_queue_ahead_and_the_printer_rate(rig: Rig) -> None:
    _received(rig, "AKTA-N1", "rendered", pages=2)
    alone = rig.scan(rig.token("AKTA-N1"))
    assert alone.reason == "not_ready" and alone.screen is Screen.REFUSED
    ppm = rig.cfg.printer.pages_per_minute
    assert alone.estimate_s == round(2 * 60 / ppm + 60, 1)
    assert "menit" in alone.message["id"] and "minute" in alone.message["en"]
    for n in range(3):
        _received(rig, f"AKTA-N{n + 2}", "rendered", pages=4)
    _received(rig, "AKTA-N9")
    behind = rig.scan(rig.token("AKTA-N9"))
    assert behind.estimate_s == round((2 + 3 * 4 + 1) * 60 / ppm + 60, 1) > alone.estimate_s
