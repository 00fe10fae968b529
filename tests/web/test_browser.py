"""The kiosk screen and the operations page in headless Chromium, against the stub daemon."""

from __future__ import annotations

import pytest
from webtest_browser import only_local, screenshot

from spool import alarms, audit
from station.runtime.control import ControlClient
from station.release.kiosk import KioskView, Screen
from station.runtime import ops

pytestmark = pytest.mark.browser


@pytest.fixture
def kiosk(chromium, site):
    page = chromium.new_page(viewport={"width": 1280, "height": 800})
    strays = only_local(page, site.url)
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    key = site.server.config.app.state.web.kiosk_key()  # the kiosk's browser is paired once with the station's kiosk key
    page.goto(f"{site.url}/kiosk?key={key}")
    page.wait_for_selector("main[data-screen='idle']")
    page.wait_for_selector("main[data-live='true']")  # the event stream listens: a scan now is seen
    yield page
    assert strays == [] and errors == []
    page.close()


def _scan(station, text: str) -> None:
    """A scan as the scanner (or the simulator) hands it to the daemon, not through the page."""
    ControlClient(station.daemon.path).call(ops.KIOSK_SCAN, {"text": text})


def _screen(page, name: str) -> None:
    page.wait_for_selector(f"main[data-screen='{name}']", timeout=10_000)


def test_a_citizen_release(station, kiosk) -> None:
    assert "Pindai kode QR" in kiosk.inner_text("#msg-id")
    _scan(station, "MPP1:GOOD")
    _screen(kiosk, "opening")
    assert kiosk.inner_text("#door-number") == "5"
    assert kiosk.get_attribute("#slot-1-05", "class") == "lit"
    assert "Door 5 is opening" in kiosk.inner_text("#msg-en")
    station.daemon.show(KioskView(Screen.OPEN, slot="A-1-05", board=1, door=5, session="s-1"))
    _screen(kiosk, "open")
    assert "tutup pintu 5" in kiosk.inner_text("#msg-id")
    station.daemon.show(KioskView(Screen.THANKS, slot="A-1-05", session="s-1",
                                  job={"masked_name": "S*** N********", "state": "collected"}))
    _screen(kiosk, "thanks")
    assert kiosk.inner_text("#msg-id") == "Terima kasih" and "S*** N********" in kiosk.inner_text("#extra")
    # Full screen, no scrolling, also on a portrait kiosk display.
    for size in ({"width": 1280, "height": 800}, {"width": 1080, "height": 1920}, {"width": 800, "height": 600}):
        kiosk.set_viewport_size(size)
        assert kiosk.evaluate("document.documentElement.scrollHeight <= window.innerHeight + 1"), size


def test_a_refused_token_typed_by_a_wedge_scanner(station, kiosk) -> None:
    kiosk.keyboard.type("NOT-A-TOKEN-AT-ALL")
    kiosk.keyboard.press("Enter")
    _screen(kiosk, "refused")
    assert kiosk.inner_text("#msg-id").startswith("Kode QR tidak dapat dibaca")
    assert kiosk.inner_text("#msg-en").startswith("The QR code could not be read")
    assert (ops.KIOSK_SCAN, {"text": "NOT-A-TOKEN-AT-ALL"}, "citizen") in station.daemon.calls
    station.daemon.show(KioskView(Screen.REFUSED, reason="not_staged", job={"state": "printing"}))
    kiosk.wait_for_selector("#progress li.now")
    assert "Dicetak" in kiosk.inner_text("#progress li.now")
    screenshot(kiosk, "kiosk-not-ready")


def test_the_pin_pad(station, kiosk) -> None:
    _scan(station, "MPP1:PIN")
    _screen(kiosk, "pin")
    for key in "0000":  # by keyboard: a wrong PIN
        kiosk.keyboard.press(key)
    assert kiosk.inner_text("#pin-dots") == "●●●●"
    kiosk.keyboard.press("Enter")
    kiosk.wait_for_selector("#pin-wrong")
    assert "Attempts left: 4" in kiosk.inner_text("#pin-wrong")
    for key in "1234567":  # by touch, with a correction
        kiosk.click(f"button[data-key='{key}']")
    kiosk.click("button[data-key='erase']")
    kiosk.click("button[data-key='ok']")
    _screen(kiosk, "opening")
    assert kiosk.inner_text("#door-number") == "3"
    pins = [c[1]["pin"] for c in station.daemon.calls if c[0] == ops.KIOSK_PIN]
    assert pins == ["0000", "123456"]


def test_report_a_problem(station, kiosk) -> None:
    _scan(station, "MPP1:GOOD")
    _screen(kiosk, "opening")
    # The dialog works by keyboard, and Escape closes it.
    kiosk.focus("#problem-button")
    kiosk.keyboard.press("Enter")
    kiosk.wait_for_selector("#problem-dialog:not([hidden])")
    kiosk.keyboard.press("Escape")
    kiosk.wait_for_selector("#problem-dialog", state="hidden")
    kiosk.click("#problem-button")
    kiosk.wait_for_selector("#problem-dialog:not([hidden])")
    kiosk.click("button[data-problem='door_stuck']")
    _screen(kiosk, "problem_reported")
    [alarm] = alarms.list_alarms(station.conn(), open_only=True)
    assert (alarm.kind, alarm.job_id, alarm.slot_id) == ("citizen_door_stuck", "JOB-STAGED", "A-1-05")


def test_the_kiosk_says_when_the_station_is_offline(station, kiosk) -> None:
    station.daemon.stop()
    _screen(kiosk, "offline")
    assert "tidak dapat digunakan" in kiosk.inner_text("#msg-id")


def _sign_in(chromium, site, token: str):
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    strays = only_local(page, site.url)
    page.goto(f"{site.url}/ops")
    page.fill("#token", token)
    page.click("#login button[type=submit]")
    page.wait_for_selector("#dashboard:not([hidden])")
    page.wait_for_selector("#job-rows tr[data-job]")
    return page, strays


def test_an_operator_acknowledges_an_alarm_and_retries_a_held_job(station, chromium, site) -> None:
    alarm = alarms.raise_alarm(station.conn(), "door_left_open", "Door 1-02 open for 60 s", slot="A-1-02")
    page, strays = _sign_in(chromium, site, station.tokens["operator"])
    page.wait_for_selector(f"#alarm-list li[data-alarm='{alarm.id}']")
    assert page.inner_text("b[data-count='held']") == "1"
    page.click("tr[data-job='JOB-HELD']")
    page.wait_for_selector("#detail-actions button[data-action='retry']")
    assert page.inner_text("#detail-data") .count("3171234567890123") == 1  # operators see the data
    page.click(f"button[data-ack='{alarm.id}']")
    page.wait_for_selector(f"#alarm-list li[data-alarm='{alarm.id}']", state="detached")
    assert alarms.get_alarm(station.conn(), alarm.id).acknowledged_by == "operator:operator-1"
    page.click("#detail-actions button[data-action='retry']")
    page.wait_for_selector("#detail-state[data-state='rendered']")
    entry = list(audit.entries(station.conn(), job="JOB-HELD"))[-1]
    assert (entry.actor, entry.action) == ("operator:operator-1", "job.retry")
    page.wait_for_selector("b[data-count='held']:text('0')")  # the spool view followed
    assert strays == []


def test_a_viewer_sees_masked_data_and_no_actions(station, chromium, site) -> None:
    page, _ = _sign_in(chromium, site, station.tokens["viewer"])
    page.click("tr[data-job='JOB-STAGED']")
    page.wait_for_selector("#detail:not([hidden])")
    assert "S*** N********" in page.inner_text("#detail-data")
    assert "3171234567890123" not in page.content()
    assert page.query_selector_all("#detail-actions button") == []
    page.click("button[data-slot='A-1-05']")
    assert page.query_selector_all("#slot-panel button[data-slot-action]") == []


def test_a_bad_token_is_refused_at_sign_in(chromium, site) -> None:
    page = chromium.new_page()
    page.goto(f"{site.url}/ops")
    page.fill("#token", "not-a-token")
    page.click("#login button[type=submit]")
    page.wait_for_selector("#login-error:text('tidak berlaku')")  # Indonesian first
    page.click("button[data-language='en']")
    page.fill("#token", "not-a-token")
    page.click("#login button[type=submit]")
    page.wait_for_selector("#login-error:text('not valid')")


def test_an_operator_answers_a_tray_check_and_settles_a_released_document(station, chromium, site) -> None:
    """(issue 22) The ops page offers the answers of the station's tasks: the tray, then the slot."""
    from webtest_jobs import make_job

    from spool.states import JobState
    from station.release import settling
    from station.release import tray_check

    conn = station.conn()
    make_job(conn, "JOB-OPENED", [JobState.RENDERED, JobState.PRINTING, JobState.PRINTED, JobState.STAGED,
                                  JobState.RELEASED], slot="A-1-07")
    settling.ask_staff(conn, "JOB-OPENED", "A-1-07")
    tray_check.ask(conn, "JOB-OPENED", 1)
    page, strays = _sign_in(chromium, site, station.tokens["operator"])
    page.click("tr[data-job='JOB-OPENED']")
    page.click("#detail-actions button[data-action='tray_found']")
    page.wait_for_selector("#detail-actions button[data-action='tray_found']", state="detached")
    assert "print.extra_copy_destroyed" in [e.action for e in audit.entries(station.conn(), job="JOB-OPENED")]
    page.click("#detail-actions button[data-action='confirm_collected']")
    page.wait_for_selector("#detail-state[data-state='collected']")
    entry = [e for e in audit.entries(station.conn(), job="JOB-OPENED") if e.action == "job.confirm_collected"][-1]
    assert entry.actor == "operator:operator-1"
    assert strays == []


def test_the_api_docs_render_openapi_3_1_offline(station, chromium, site) -> None:
    """(issue 25) `/docs` read "Unable to render this definition": Swagger UI 4 does not read OpenAPI 3.1."""
    page = chromium.new_page(viewport={"width": 1280, "height": 800})
    strays = only_local(page, site.url)
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(f"{site.url}/docs")
    readyz = page.wait_for_selector(".opblock-summary:has-text('/readyz')")
    readyz.click()  # expand one operation: its responses, with the 503 the document declares
    page.wait_for_selector(".opblock.is-open .responses-table:has-text('503')")
    assert "Unable to render" not in page.content()
    assert page.evaluate("() => fetch('/openapi.json').then(r => r.json()).then(d => d.openapi)").startswith("3.1")
    assert strays == [] and errors == [], (strays, errors)
    page.close()
