"""(issue 24) The ops page's "hand over after an ID check": offered for a PIN-locked document only, two inputs,
the call the daemon gets, a wrong NIK tail refused in words; and the API's role and body rules."""

from __future__ import annotations

import pytest
from webtest_browser import only_local
from webtest_jobs import make_job

from spool import machine
from spool.states import JobState
from station.runtime import ops

STAGED = [JobState.RENDERED, JobState.PRINTING, JobState.PRINTED, JobState.STAGED]


def _locked(station, job_id: str, slot: str) -> None:
    conn = station.conn()
    make_job(conn, job_id, STAGED, slot=slot)
    machine.annotate(conn, job_id, "release.pin_wrong", actor="citizen", details={"failures": 5}, pin_failures=5)


def test_the_api_offers_and_takes_a_hand_over_for_operators_only(station, client) -> None:
    _locked(station, "JOB-LOCKED", "A-1-06")
    operator, viewer = station.auth("operator"), station.auth("viewer")
    assert "handover" in client.get("/api/v1/jobs/JOB-LOCKED", headers=operator).json()["actions"]
    assert "handover" not in client.get("/api/v1/jobs/JOB-STAGED", headers=operator).json()["actions"]  # not locked
    body = {"nik_last4": "0123", "reason": "KTP checked at the desk"}
    assert client.post("/api/v1/jobs/JOB-LOCKED/handover", headers=viewer, json=body).status_code == 403
    for bad in ({"nik_last4": "0123"}, {"nik_last4": "123", "reason": "x"}, {"nik_last4": "12a4", "reason": "x"},
                {"nik_last4": "0123", "reason": "x", "pin": "1"}):
        assert client.post("/api/v1/jobs/JOB-LOCKED/handover", headers=operator, json=bad).status_code == 422
    wrong = client.post("/api/v1/jobs/JOB-LOCKED/handover", headers=operator, json={**body, "nik_last4": "9999"})
    assert wrong.status_code == 403 and "do not match" in wrong.json()["detail"]
    done = client.post("/api/v1/jobs/JOB-LOCKED/handover", headers=operator, json=body)
    assert done.status_code == 200, done.text
    assert (ops.JOB_HANDOVER, {"job": "JOB-LOCKED", **body}, "operator:operator-1") in station.daemon.calls


@pytest.mark.browser
def test_the_ops_page_hands_a_locked_document_over_with_its_two_inputs(station, chromium, site) -> None:
    _locked(station, "JOB-LOCKED", "A-1-06")
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    strays = only_local(page, site.url)
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(f"{site.url}/ops")
    page.fill("#token", station.tokens["operator"])
    page.click("#login button[type=submit]")
    page.wait_for_selector("#job-rows tr[data-job='JOB-LOCKED']")
    page.click("tr[data-job='JOB-LOCKED']")
    button = page.wait_for_selector("#detail-actions button[data-action='handover']")
    assert "KTP" in button.inner_text()  # Indonesian first: "Serahkan setelah cek KTP"
    button.click()
    page.wait_for_selector("#handover[open]")
    page.fill("#handover-nik", "9999")
    page.fill("#handover-reason", "KTP checked at the desk")
    page.click("#handover-ok")
    page.wait_for_selector("#notice.error:text('do not match')")
    page.click("#detail-actions button[data-action='handover']")
    page.fill("#handover-nik", "12")  # not 4 digits: the dialog stays, nothing is sent
    page.fill("#handover-reason", "KTP checked at the desk")
    page.click("#handover-ok")
    assert page.is_visible("#handover")
    page.fill("#handover-nik", "0123")
    page.click("#handover-ok")
    page.wait_for_selector("#notice:not(.error)")
    assert [c[1]["nik_last4"] for c in station.daemon.calls if c[0] == ops.JOB_HANDOVER] == ["9999", "0123"]
    assert page.input_value("#handover-nik") == ""  # the digits do not stay on the page
    page.click("button[data-language='en']")
    page.wait_for_selector("#detail-actions button[data-action='handover']:text('Hand over after ID check')")
    assert strays == [] and errors == []
    page.close()
