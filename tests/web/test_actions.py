"""Staff actions through the API: each one audited with its actor; refusals change nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from webtest_jobs import make_job

from spool import alarms, audit, machine
from spool.states import Flow, JobState
from station.runtime import ops

KIOSK = {"Authorization": "Bearer kiosk-secret-for-tests"}


def _last_audit(station, job: str | None = None):
    return list(audit.entries(station.conn(), job=job))[-1]


def _audit_count(station) -> int:
    return station.conn().execute("SELECT COUNT(*) FROM audit").fetchone()[0]


def test_job_list_filters_and_pages(station, client) -> None:
    viewer = station.auth("viewer")
    everything = client.get("/api/v1/jobs", headers=viewer).json()
    assert [j["id"] for j in everything["jobs"]] == ["JOB-DONE", "JOB-STAGED", "JOB-HELD", "JOB-RECEIVED"]
    assert everything["next_before"] is None
    first = client.get("/api/v1/jobs?limit=3", headers=viewer).json()
    assert len(first["jobs"]) == 3 and first["next_before"] == first["jobs"][-1]["seq"]
    rest = client.get(f"/api/v1/jobs?limit=3&before={first['next_before']}", headers=viewer).json()
    assert [j["id"] for j in rest["jobs"]] == ["JOB-RECEIVED"] and rest["next_before"] is None
    held = client.get("/api/v1/jobs?state=held&state=staged", headers=viewer).json()
    assert {j["id"] for j in held["jobs"]} == {"JOB-HELD", "JOB-STAGED"}
    assert client.get("/api/v1/jobs?template=nope", headers=viewer).json()["jobs"] == []
    assert "payload" not in everything["jobs"][0]
    for bad in ("limit=0", "limit=501", "state=lost", "before=0", f"before={2**64}"):
        assert client.get(f"/api/v1/jobs?{bad}", headers=viewer).status_code == 422, bad


def test_job_detail_masks_personal_data_for_viewers(station, client) -> None:
    seen = client.get("/api/v1/jobs/JOB-STAGED", headers=station.auth("viewer")).json()
    assert seen["masked"] is True
    assert seen["data"] == {"name-1": "S*** N********", "field-2": "[masked]", "field-3": "[masked]"}
    assert "3171234567890123" not in str(seen) and "Jakarta" not in str(seen)
    assert seen["actions"] == []
    assert [e["action"] for e in seen["audit"]][:2] == ["job.received", "job.rendered"]
    full = client.get("/api/v1/jobs/JOB-STAGED", headers=station.auth("operator")).json()
    assert full["masked"] is False and full["data"]["nik"] == "3171234567890123"
    assert set(full["actions"]) == {"cancel", "move", "extend"}
    assert client.get("/api/v1/jobs/NOPE", headers=station.auth("viewer")).status_code == 404


def test_retry_sends_a_held_job_back_and_audits_the_operator(station, client) -> None:
    response = client.post("/api/v1/jobs/JOB-HELD/retry", headers=station.auth("operator"))
    assert response.status_code == 200, response.text
    # Held while printing: it goes back to rendered, to be printed again.
    assert response.json()["job"]["state"] == "rendered"
    entry = _last_audit(station, "JOB-HELD")
    assert (entry.actor, entry.action, entry.details["to"]) == ("operator:operator-1", "job.retry", "rendered")
    again = client.post("/api/v1/jobs/JOB-HELD/retry", headers=station.auth("operator"))
    assert again.status_code == 409 and "not held" in again.json()["detail"]


def test_a_job_held_after_release_is_not_retried(station, client) -> None:
    S = JobState
    conn = station.conn()
    make_job(conn, "JOB-JAMMED", [S.RENDERED, S.PRINTING, S.PRINTED, S.STAGED, S.RELEASED, S.HELD], slot="A-1-09",
             reason="latch jammed")
    before = _audit_count(station)
    refused = client.post("/api/v1/jobs/JOB-JAMMED/retry", headers=station.auth("admin"))
    assert refused.status_code == 409 and "released" in refused.json()["detail"]
    assert _audit_count(station) == before


def test_cancel_needs_a_reason_and_refuses_after_release(station, client) -> None:
    operator = station.auth("operator")
    assert client.post("/api/v1/jobs/JOB-RECEIVED/cancel", headers=operator, json={}).status_code == 422
    before = _audit_count(station)
    leaky = client.post("/api/v1/jobs/JOB-RECEIVED/cancel", headers=operator,
                        json={"reason": "citizen 3171234567890123 asked"})
    assert leaky.status_code == 422 and "personal data" in leaky.json()["detail"]
    assert _audit_count(station) == before
    done = client.post("/api/v1/jobs/JOB-RECEIVED/cancel", headers=operator, json={"reason": "withdrawn"})
    assert done.status_code == 200 and done.json()["job"]["state"] == "cancelled"
    assert _last_audit(station, "JOB-RECEIVED").details["reason"] == "withdrawn"
    late = client.post("/api/v1/jobs/JOB-DONE/cancel", headers=operator, json={"reason": "too late"})
    assert late.status_code == 409 and "collected" in late.json()["detail"]
    assert client.post("/api/v1/jobs/NOPE/cancel", headers=operator, json={"reason": "x"}).status_code == 404


def test_extend_moves_the_pickup_deadline(station, client) -> None:
    operator = station.auth("operator")
    until = (datetime.now(UTC) + timedelta(days=60)).replace(microsecond=0)
    response = client.post("/api/v1/jobs/JOB-STAGED/extend", headers=operator,
                           json={"pickup_expires": until.isoformat()})
    assert response.status_code == 200, response.text
    assert response.json()["job"]["pickup_expires"] == until.strftime("%Y-%m-%dT%H:%M:%SZ")
    entry = _last_audit(station, "JOB-STAGED")
    assert entry.action == "job.pickup_extended" and entry.actor == "operator:operator-1"
    for bad in ((datetime.now(UTC) - timedelta(days=1)).isoformat(), (datetime.now(UTC) + timedelta(days=400)).isoformat()):
        assert client.post("/api/v1/jobs/JOB-STAGED/extend", headers=operator,
                           json={"pickup_expires": bad}).status_code == 409
    assert client.post("/api/v1/jobs/JOB-STAGED/extend", headers=operator,
                       json={"pickup_expires": "2026-12-31T00:00:00"}).status_code == 409  # no offset
    assert client.post("/api/v1/jobs/JOB-DONE/extend", headers=operator,
                       json={"pickup_expires": until.isoformat()}).status_code == 409


def test_daemon_actions_go_through_the_control_socket_with_the_actor(station, client) -> None:
    operator = station.auth("operator")
    moved = client.post("/api/v1/jobs/JOB-STAGED/move", headers=operator, json={"slot": "A-1-07"})
    assert moved.status_code == 200 and moved.json()["result"] == {"slot": "A-1-07"}
    reprinted = client.post("/api/v1/jobs/JOB-STAGED/reprint", headers=operator)
    assert reprinted.status_code == 200
    opened = client.post("/api/v1/slots/1-05/open", headers=station.auth("technician"), json={"reason": "latch test"})
    assert opened.json() == {"slot": "A-1-05", "outcome": "opened"}
    calls = [c for c in station.daemon.calls if c[0] in (ops.JOB_MOVE, ops.JOB_REPRINT, ops.SLOT_OPEN)]
    assert calls == [(ops.JOB_MOVE, {"job": "JOB-STAGED", "slot": "A-1-07"}, "operator:operator-1"),
                     (ops.JOB_REPRINT, {"job": "JOB-STAGED"}, "operator:operator-1"),
                     (ops.SLOT_OPEN, {"slot": "A-1-05", "reason": "latch test"}, "technician:technician-1")]
    assert client.post("/api/v1/slots/9-99/open", headers=station.auth("technician"),
                       json={"reason": "x"}).status_code == 404
    assert client.post("/api/v1/jobs/JOB-STAGED/move", headers=operator, json={"slot": "A-1"}).status_code == 422


def test_an_op_the_daemon_does_not_offer_is_501(station, client) -> None:
    del station.daemon.server.handlers[ops.JOB_REPRINT]
    response = client.post("/api/v1/jobs/JOB-STAGED/reprint", headers=station.auth("operator"))
    assert response.status_code == 501 and "does not offer 'job.reprint'" in response.json()["detail"]


def test_daemon_refusals_and_absence_are_clear(station, client) -> None:
    station.daemon.stop()
    response = client.post("/api/v1/jobs/JOB-STAGED/reprint", headers=station.auth("operator"))
    assert response.status_code == 503 and "not reachable" in response.json()["detail"]
    assert client.get("/api/v1/devices", headers=station.auth("viewer")).status_code == 503
    slots = client.get("/api/v1/slots", headers=station.auth("viewer")).json()
    assert slots["live"] is False and {s["door"] for s in slots["slots"]} == {"unknown"}
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["daemon"] is False
    assert "station_daemon_up 0" in client.get("/metrics").text


def test_slot_service_and_alarm_acknowledgement(station, client) -> None:
    operator = station.auth("operator")
    out = client.post("/api/v1/slots/1-03/service", headers=operator,
                      json={"out_of_service": True, "note": "latch sticks"})
    assert out.status_code == 200 and out.json()["slot"]["out_of_service"] is True
    assert _last_audit(station).action == "slot.out_of_service"
    back = client.post("/api/v1/slots/1-03/service", headers=operator, json={"out_of_service": False})
    assert back.json()["slot"] == {**back.json()["slot"], "out_of_service": False, "service_note": None}
    assert client.post("/api/v1/slots/9-01/service", headers=operator,
                       json={"out_of_service": True}).status_code == 404
    alarm = alarms.raise_alarm(station.conn(), "door_left_open", "Door 1-02 open for 60 s", slot="A-1-02")
    listed = client.get("/api/v1/alarms?open=true", headers=station.auth("viewer")).json()["alarms"]
    assert [a["id"] for a in listed] == [alarm.id]
    slots = {s["id"]: s for s in client.get("/api/v1/slots", headers=station.auth("viewer")).json()["slots"]}
    assert slots["A-1-02"]["open_alarms"] == 1 and slots["A-1-02"]["door"] == "open"
    assert slots["A-1-05"]["occupant"] == "JOB-STAGED" and slots["A-1-05"]["job_state"] == "staged"
    acked = client.post(f"/api/v1/alarms/{alarm.id}/acknowledge", headers=operator)
    assert acked.status_code == 200 and acked.json()["alarm"]["acknowledged_by"] == "operator:operator-1"
    assert client.post(f"/api/v1/alarms/{alarm.id}/acknowledge", headers=operator).status_code == 409
    assert client.post("/api/v1/alarms/999/acknowledge", headers=operator).status_code == 404
    assert client.get("/api/v1/alarms?open=true", headers=station.auth("viewer")).json()["alarms"] == []


def test_summary_devices_and_metrics(station, client) -> None:
    summary = client.get("/api/v1/spool", headers=station.auth("viewer")).json()
    assert summary["counts"]["held"] == 1 and summary["counts"]["collected"] == 1
    assert summary["station"] == "MPP-DEMO-01" and summary["kind"] == "locker"
    devices = client.get("/api/v1/devices", headers=station.auth("viewer")).json()
    assert devices["printer"]["state"] == "online"
    text = client.get("/metrics").text
    assert 'station_jobs{state="held"} 1' in text
    assert 'station_device_status{device="printer",status="online"} 1' in text
    assert 'station_device_status{device="bus:A",status="online"} 1' in text
    assert "station_release_latency_seconds_count 0" in text
    me = client.get("/api/v1/me", headers=station.auth("technician")).json()
    assert me == {"name": "technician-1", "role": "technician", "actor": "technician:technician-1", "masked": False}


def test_dispenser_retry_targets(station, client) -> None:
    S = JobState
    conn = station.conn()
    make_job(conn, "DISP-1", [S.RENDERED, S.HELD], flow=Flow.DISPENSER)
    make_job(conn, "DISP-2", [S.RENDERED, S.RELEASED, S.PRINTING, S.HELD], flow=Flow.DISPENSER)
    assert client.post("/api/v1/jobs/DISP-1/retry", headers=station.auth("operator")).json()["job"]["state"] == "rendered"
    assert client.post("/api/v1/jobs/DISP-2/retry", headers=station.auth("operator")).status_code == 409


def test_a_viewer_sees_no_field_name_a_nik_in_one_included(station, client) -> None:
    """(issue 21, point 10) Values were masked, names were not: a field named like this showed a NIK."""
    payload = json.dumps({"id": "JOB-NOTE", "data": {"nama": "Siti Nurhaliza",
                                                     "catatan.3175046108240003": "ditulis-tangan"}})
    conn = station.conn()
    machine.create_job(conn, "JOB-NOTE", flow=Flow.LOCKER, template="akta-kelahiran", template_version=3,
                       payload=payload, pickup_expires="2026-12-31T09:00:00Z")
    conn.close()
    seen = client.get("/api/v1/jobs/JOB-NOTE", headers=station.auth("viewer"))
    assert seen.status_code == 200
    assert seen.json()["data"] == {"name-1": "S*** N********", "field-2": "[masked]"}
    for text in ("3175046108240003", "catatan", "ditulis-tangan", "Siti"):
        assert text not in seen.text, text
    full = client.get("/api/v1/jobs/JOB-NOTE", headers=station.auth("operator")).json()
    assert full["data"]["catatan.3175046108240003"] == "ditulis-tangan"  # operators see the document as it came


def test_staff_settle_a_released_document_and_answer_a_tray_check(station, client) -> None:
    """(issue 22) `confirm_collected` / `paper_inside` on a released document; the tray check's two answers."""
    from station.release import settling
    from station.release import tray_check

    conn = station.conn()
    path = [JobState.RENDERED, JobState.PRINTING, JobState.PRINTED, JobState.STAGED, JobState.RELEASED]
    make_job(conn, "JOB-OPENED", path, slot="A-1-07")
    make_job(conn, "JOB-INSIDE", path, slot="A-1-08")
    settling.ask_staff(conn, "JOB-OPENED", "A-1-07")
    operator = station.auth("operator")
    seen = client.get("/api/v1/jobs/JOB-OPENED", headers=operator).json()
    assert set(seen["actions"]) == {"confirm_collected", "paper_inside"}
    assert client.get("/api/v1/jobs/JOB-OPENED", headers=station.auth("viewer")).json()["actions"] == []
    assert client.post("/api/v1/jobs/JOB-OPENED/confirm_collected",
                       headers=station.auth("viewer")).status_code == 403
    done = client.post("/api/v1/jobs/JOB-OPENED/confirm_collected", headers=operator)
    assert done.status_code == 200 and done.json()["job"]["state"] == "collected", done.text
    entry = [e for e in audit.entries(station.conn(), job="JOB-OPENED") if e.action == "job.confirm_collected"][-1]
    assert (entry.actor, entry.details["to"], entry.details["found"]) == ("operator:operator-1", "collected", "empty")
    assert not alarms.open_alarms(station.conn(), settling.SLOT_CHECK)
    assert client.post("/api/v1/jobs/JOB-OPENED/paper_inside", headers=operator).status_code == 409
    inside = client.post("/api/v1/jobs/JOB-INSIDE/paper_inside", headers=operator)
    assert inside.status_code == 200 and inside.json()["job"]["state"] == "staged"
    # The tray check: offered while open, answered once, audited on the job.
    tray_check.ask(conn, "JOB-INSIDE", 1)
    assert {"tray_found", "tray_none"} <= set(client.get("/api/v1/jobs/JOB-INSIDE", headers=operator).json()["actions"])
    assert client.post("/api/v1/jobs/JOB-INSIDE/tray_check", json={"found": "yes"}, headers=operator).status_code == 422
    checked = client.post("/api/v1/jobs/JOB-INSIDE/tray_check", json={"found": False}, headers=operator)
    assert checked.status_code == 200, checked.text
    assert _last_audit(station, "JOB-INSIDE").action == "alarm.acknowledged"
    assert client.post("/api/v1/jobs/JOB-INSIDE/tray_check", json={"found": True}, headers=operator).status_code == 409
    assert "tray_found" not in client.get("/api/v1/jobs/JOB-INSIDE", headers=operator).json()["actions"]
