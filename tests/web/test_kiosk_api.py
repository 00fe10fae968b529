"""The kiosk's routes: its credential, its views (nothing personal), scans, the PIN, problem reports."""

from __future__ import annotations

from spool import alarms, audit
from station.release.kiosk import KioskView, Screen
from station.trust.token import citizen_message
from station.runtime import ops

KIOSK = {"Authorization": "Bearer kiosk-secret-for-tests"}


def test_the_kiosk_page_carries_its_credential_only_for_a_paired_browser(station, client) -> None:
    from fastapi.testclient import TestClient

    # Coming from this machine proves nothing (a reverse proxy or a port forward is "local" too).
    local = TestClient(client.app, client=("127.0.0.1", 50000))
    assert "kiosk-secret-for-tests" not in local.get("/kiosk").text
    # A wrong key pairs nothing; the right one is traded for an HttpOnly cookie and leaves the address.
    wrong = local.get("/kiosk?key=not-the-key", follow_redirects=False)
    assert wrong.status_code == 303 and "set-cookie" not in wrong.headers
    paired = local.get("/kiosk?key=kiosk-secret-for-tests", follow_redirects=False)
    assert paired.status_code == 303 and paired.headers["location"] == "/kiosk"
    cookie = paired.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/kiosk" in cookie
    page = local.get("/kiosk")  # the client keeps the cookie, as the kiosk's browser does
    assert 'content="kiosk-secret-for-tests"' in page.text and page.headers["referrer-policy"] == "no-referrer"
    assert "kiosk-secret-for-tests" not in local.get("/ops").text
    assert "kiosk-secret-for-tests" not in client.get("/kiosk").text  # another browser: not paired


def test_a_scan_returns_the_view_without_personal_data(station, client) -> None:
    view = client.post("/api/v1/kiosk/scan", headers=KIOSK, json={"text": "MPP1:GOOD"}).json()
    assert (view["screen"], view["door"], view["slot"]) == ("opening", 5, "A-1-05")
    # The stub daemon put a clear name, a NIK and the job id into the view: none reach the screen.
    assert view["job"] == {"masked_name": "S*** N********", "state": "released"}
    assert (ops.KIOSK_SCAN, {"text": "MPP1:GOOD"}, "citizen") in station.daemon.calls
    assert client.get("/api/v1/kiosk", headers=KIOSK).json()["screen"] == "opening"


def test_a_refusal_always_says_what_to_do_next(station, client) -> None:
    station.daemon.show(KioskView(Screen.REFUSED, reason="already_used"))  # the daemon sent no sentence
    view = client.get("/api/v1/kiosk", headers=KIOSK).json()
    assert view["message"] == {"id": citizen_message("already_used", "id"), "en": citizen_message("already_used", "en")}
    refused = client.post("/api/v1/kiosk/scan", headers=KIOSK, json={"text": "garbage"}).json()
    assert refused["screen"] == "refused" and refused["message"]["en"].startswith("The QR code could not be read")


def test_the_pin_reaches_the_daemon_for_its_session(station, client) -> None:
    asked = client.post("/api/v1/kiosk/scan", headers=KIOSK, json={"text": "MPP1:PIN"}).json()
    assert asked["screen"] == "pin" and asked["session"] == "s-2"
    wrong = client.post("/api/v1/kiosk/pin", headers=KIOSK, json={"session": "s-2", "pin": "0000"}).json()
    assert wrong["screen"] == "pin" and wrong["job"] == {"attempts_left": 4, "wrong": True}
    right = client.post("/api/v1/kiosk/pin", headers=KIOSK, json={"session": "s-2", "pin": "123456"}).json()
    assert right["screen"] == "opening" and right["door"] == 3
    stale = client.post("/api/v1/kiosk/pin", headers=KIOSK, json={"session": "old", "pin": "123456"})
    assert stale.status_code == 409 and "PIN" in stale.json()["detail"]
    for bad in ({"session": "s-2", "pin": "12a4"}, {"session": "s-2", "pin": "123"}, {"pin": "1234"}):
        assert client.post("/api/v1/kiosk/pin", headers=KIOSK, json=bad).status_code == 422


def test_a_problem_report_raises_an_alarm_with_the_job(station, client) -> None:
    client.post("/api/v1/kiosk/scan", headers=KIOSK, json={"text": "MPP1:GOOD"})
    reported = client.post("/api/v1/kiosk/problem", headers=KIOSK,
                           json={"problem": "door_stuck", "session": "s-1"})
    assert reported.status_code == 200, reported.text
    body = reported.json()
    assert body["job"] == "JOB-STAGED" and body["message"]["id"] == "Pintu tidak terbuka"
    alarm = alarms.get_alarm(station.conn(), body["alarm"])
    assert (alarm.kind, alarm.job_id, alarm.slot_id, alarm.severity) == \
        ("citizen_door_stuck", "JOB-STAGED", "A-1-05", "critical")
    entry = list(audit.entries(station.conn(), job="JOB-STAGED"))[-1]
    assert (entry.actor, entry.action) == ("citizen", "alarm.raised")


def test_a_problem_after_collection_finds_the_job_that_left_the_slot(station, client) -> None:
    station.daemon.show(KioskView(Screen.THANKS, slot="A-1-06", session="s-9"))
    body = client.post("/api/v1/kiosk/problem", headers=KIOSK,
                       json={"problem": "wrong_document", "session": "s-9"}).json()
    assert body["job"] == "JOB-DONE"


def test_a_problem_on_the_idle_screen_soon_after_a_release_is_that_release(station, client) -> None:
    station.daemon.show(KioskView(Screen.IDLE))  # the thanks screen has gone: the citizen turned back late
    body = client.post("/api/v1/kiosk/problem", headers=KIOSK, json={"problem": "document_missing"}).json()
    assert body["job"] == "JOB-DONE"  # the newest release in the ledger, a moment ago
    assert alarms.get_alarm(station.conn(), body["alarm"]).slot_id == "A-1-06"


def test_a_problem_on_the_idle_screen_long_after_any_release_names_nobody(station, client) -> None:
    conn = station.conn()
    with conn:
        conn.execute("UPDATE intents SET created_at = '2020-01-01T00:00:00.000Z'")  # every release long ago
    station.daemon.show(KioskView(Screen.IDLE))
    body = client.post("/api/v1/kiosk/problem", headers=KIOSK, json={"problem": "document_missing"}).json()
    assert body["job"] is None


def test_a_problem_is_reported_even_with_the_daemon_down(station, client) -> None:
    station.daemon.stop()
    body = client.post("/api/v1/kiosk/problem", headers=KIOSK, json={"problem": "other"}).json()
    assert body["job"] is None and alarms.get_alarm(station.conn(), body["alarm"]).kind == "citizen_other"
    assert client.get("/api/v1/kiosk", headers=KIOSK).status_code == 503
    assert client.post("/api/v1/kiosk/problem", headers=KIOSK, json={"problem": "on_fire"}).status_code == 422


def test_the_kiosk_cannot_read_the_spool(station, client) -> None:
    for path in ("/api/v1/jobs", "/api/v1/jobs/JOB-STAGED", "/api/v1/slots", "/api/v1/alarms", "/api/v1/devices",
                 "/api/v1/spool", "/api/v1/events"):
        assert client.get(path, headers=KIOSK).status_code == 403, path
    layout = client.get("/api/v1/kiosk/layout", headers=KIOSK).json()
    assert layout["boards"] == [{"address": 1, "locks": 16, "columns": 4}]


def test_a_typed_code_reaches_the_daemon_and_a_wrong_shape_is_a_422(station, client) -> None:
    """(issue 24) `/kiosk/code`: 12 digits, dashes and spaces ignored; anything else is refused before the daemon."""
    asked = client.post("/api/v1/kiosk/code", headers=KIOSK, json={"code": "1234 5678-9012"}).json()
    assert asked["screen"] == "pin" and asked["reset_at"] and asked["session"] == "s-2"
    assert (ops.KIOSK_CODE, {"code": "1234 5678-9012"}, "citizen") in station.daemon.calls
    wrong = client.post("/api/v1/kiosk/code", headers=KIOSK, json={"code": "1234-5678-0000"}).json()
    assert wrong["reason"] == "bad_code" and wrong["message"]["en"].startswith("The pickup code is wrong")
    calls = len(station.daemon.calls)
    for bad in ({"code": "1234-5678-901"}, {"code": "1234-5678-90123"}, {"code": "١٢٣٤٥٦٧٨٩٠١٢"},
                {"code": "1234x5678x9012"}, {"code": 123456789012}, {}, {"code": "1" * 12, "pin": "1"}):
        refused = client.post("/api/v1/kiosk/code", headers=KIOSK, json=bad)
        assert refused.status_code == 422, bad
        assert "Traceback" not in refused.text
    assert len(station.daemon.calls) == calls  # nothing reached the daemon
    assert client.post("/api/v1/kiosk/code", json={"code": "1234-5678-9012"}).status_code == 401


def test_cancel_on_the_pin_pad_ends_the_session(station, client) -> None:
    """(issue 24) `/kiosk/pin/cancel`: the citizen leaves the PIN screen, the kiosk goes back to idle."""
    client.post("/api/v1/kiosk/scan", headers=KIOSK, json={"text": "MPP1:PIN"})
    left = client.post("/api/v1/kiosk/pin/cancel", headers=KIOSK, json={"session": "s-2"}).json()
    assert left["screen"] == "idle"
    assert (ops.KIOSK_PIN_CANCEL, {"session": "s-2"}, "citizen") in station.daemon.calls
    assert client.post("/api/v1/kiosk/pin/cancel", headers=KIOSK, json={}).status_code == 422
