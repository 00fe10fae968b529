"""(issue 24) A PIN lockout is no dead end: staff hand the document over after checking the citizen's KTP."""

from __future__ import annotations

import pytest

from spool import audit, jobs, outbox
from spool.states import Action
from station import operations
from station.errors import StationError
from station.release.kiosk import Screen

from patience import wait
from .conftest import Rig

NIK = "3171234567890003"


def _lock(rig: Rig, job_id: str) -> None:
    asked = rig.scan(rig.token(job_id, pin=True))
    for _ in range(rig.cfg.release.pin_attempts):
        view = rig.counter.enter_pin(asked.session, "9999").result(timeout=10)
    assert view.reason == "pin_locked"


def _hand_over(rig: Rig, job_id: str, tail: str, actor: str = "operator:rina") -> object:
    return rig.counter.hand_over(job_id, tail, "PIN forgotten, KTP checked at the desk", actor).result(timeout=20)


def test_a_locked_document_is_handed_over_after_the_nik_tail_matches(rig: Rig) -> None:
    rig.stage("AKTA-H1", "A-1-03", pin="4821", nik=NIK)
    conn = rig.conn
    assert Action.HANDOVER not in operations.allowed(jobs.get_job(conn, "AKTA-H1"))  # not locked yet: no hand-over
    _lock(rig, "AKTA-H1")
    assert Action.HANDOVER in operations.allowed(jobs.get_job(conn, "AKTA-H1"))
    view = _hand_over(rig, "AKTA-H1", NIK[-4:])
    assert not isinstance(view, Exception) and view.screen is Screen.OPEN and view.slot == "A-1-03"
    assert rig.sim.unlock_count("A-1-03") == 1
    released = [e for e in audit.entries(conn, job="AKTA-H1") if e.action == "job.released"][0]
    assert released.actor == "operator:rina" and released.details["by"] == "staff"
    assert released.details["kid"] == "staff" and released.details["reason"].startswith("PIN forgotten")
    event = [e for e in outbox.pending(conn) if e.document_id == "AKTA-H1" and e.event == "released"][0]
    assert event.detail["by"] == "staff"
    wait(lambda: rig.state("AKTA-H1") == "collected", what="collected")
    conn.close()


def test_a_wrong_nik_tail_is_refused_and_audited_without_digits(rig: Rig) -> None:
    rig.stage("AKTA-H2", "A-1-04", pin="4821", nik=NIK)
    _lock(rig, "AKTA-H2")
    refused = _hand_over(rig, "AKTA-H2", "1234")
    assert isinstance(refused, StationError) and refused.http_status == 403 and "do not match" in str(refused)
    assert rig.sim.unlock_count("A-1-04") == 0 and rig.state("AKTA-H2") == "staged"
    conn = rig.conn
    entry = [e for e in audit.entries(conn, job="AKTA-H2") if e.action == "job.handover_refused"][0]
    assert entry.actor == "operator:rina" and entry.details["why"] == "nik_mismatch"
    trail = " ".join(str(e.details) for e in audit.entries(conn))
    assert "1234" not in trail and NIK[-4:] not in trail and NIK not in trail
    conn.close()
    assert not [k for k, d in rig.events if k == "kiosk" and d.get("reason") == "nik_mismatch"]  # staff's, not the kiosk's


@pytest.mark.parametrize("case", ["not_locked", "no_nik", "bad_tail", "unknown"])
def test_a_hand_over_is_refused_where_it_does_not_apply(rig: Rig, case: str) -> None:
    rig.stage("AKTA-H3", "A-1-05", pin="4821", nik=None if case == "no_nik" else NIK)
    if case != "not_locked":
        _lock(rig, "AKTA-H3")
    job, tail = "AKTA-H3", NIK[-4:]
    if case == "bad_tail":
        tail = "12a4"
    if case == "unknown":
        job = "NOPE-1"
    refused = _hand_over(rig, job, tail)
    assert isinstance(refused, StationError), case
    assert refused.http_status == {"not_locked": 409, "no_nik": 409, "bad_tail": 422, "unknown": 404}[case]
    assert rig.sim.unlock_count("A-1-05") == 0 and rig.state("AKTA-H3") == "staged"


def test_the_nik_fields_of_each_document_kind_are_found() -> None:
    from station.release.handover import nik_values

    assert nik_values({"data": {"nik": NIK, "nama": "Siti"}}) == [NIK]
    assert nik_values({"data": {"anggota.1.nik": NIK, "anggota.2.nik": "", "nik_pemilik": "31"}}) == [NIK]
    assert nik_values({"data": {"nik_pemilik": NIK, "teknik": NIK}}) == [NIK]  # "teknik" is no NIK field
    assert nik_values({"kind": "pdf"}) == [] and nik_values({"data": "x"}) == []
