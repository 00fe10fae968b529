"""The operations page of issue 25 in headless Chromium, against the stub daemon: a login page that says
nothing of the station, a login link, the station's vocabulary, whole ids, the guided take-out, and
axe-core on every view in both languages at 1280x800 and 1920x1080 (`STATION_SCREENSHOTS=1` saves them)."""

from __future__ import annotations

import os

import pytest
from webtest_browser import SCREENSHOTS, only_local
from webtest_jobs import make_job

from spool import alarms, audit, jobs, machine, slots
from spool.states import Flow, JobState
from station import operations
from station.release import take_out
from station.runtime import ops

pytestmark = pytest.mark.browser

SIZES = [(1280, 800), (1920, 1080)]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LONG_ID = "NIB-N3SB-20261207-00020"  # as the issue saw it broken: "NIB-N3SB-0002 / 0"


def _axe(page, where: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
           for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], where


def _picture(page, name: str, section: str | None = None) -> None:
    """A screenshot of what the screen shows (not the whole page), with `section` brought into view."""
    if section is not None:
        page.evaluate("(id) => document.getElementById(id).scrollIntoView({block: 'start'})", section)
    else:
        page.evaluate("window.scrollTo(0, 0)")
    page.evaluate("document.getElementById('notice').hidden = true")  # (a passing toast hides what matters)
    if os.environ.get("STATION_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _page(chromium, site, size=(1280, 800)):
    page = chromium.new_page(viewport={"width": size[0], "height": size[1]})
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    return page, only_local(page, site.url), errors


def _signed_in(page, site, token: str) -> None:
    page.goto(f"{site.url}/ops#token={token}")
    page.wait_for_selector("#dashboard:not([hidden])")
    page.wait_for_selector("#job-rows tr[data-job]")


def _tasks_in_slots(station) -> None:
    """An expired document, a cancelled one (by an operator: its take-out task), and a long id with a held
    reason that squeezes the table."""
    conn = station.conn()
    S = JobState
    make_job(conn, "JOB-EXPIRED", [S.RENDERED, S.PRINTING, S.PRINTED, S.STAGED, S.EXPIRED], slot="A-1-02")
    make_job(conn, "JOB-CANCEL", [S.RENDERED, S.PRINTING, S.PRINTED, S.STAGED], slot="A-1-03")
    operations.cancel(conn, "JOB-CANCEL", actor="operator:operator-1", reason="withdrawn at the desk")
    make_job(conn, LONG_ID, [S.RENDERED, S.PRINTING, S.PRINTED, S.STAGED], slot="A-1-10")
    make_job(conn, "NIB-HELD-20261207-00021", [S.RENDERED, S.PRINTING, S.HELD],
             reason="the printer reported media-jam three times while printing page two of three")
    alarms.raise_alarm(conn, "no_free_slot", "no free slot for printed documents")
    # A staged document with its PDF: one the page offers to reprint.
    machine.create_job(conn, "JOB-REPRINT", flow=Flow.LOCKER, template="nib", template_version=1)
    machine.transition(conn, "JOB-REPRINT", S.RENDERED, actor="system", pdf_path="/nonexistent/JOB-REPRINT.pdf")
    for state in (S.PRINTING, S.PRINTED):
        machine.transition(conn, "JOB-REPRINT", state, actor="system")
    slots.occupy(conn, "A-1-07", "JOB-REPRINT", actor="system")
    machine.transition(conn, "JOB-REPRINT", S.STAGED, actor="system")
    conn.close()
    station.daemon.devices["slots"].update({"A-1-02": {"door": "closed", "item": "present"},
                                            "A-1-03": {"door": "closed", "item": "present"}})


def _serve_take_out(station) -> None:
    """The daemon's take-out ops on the stub: the slot opens (its door reads open, the paper inside); the
    confirmation is the real settlement (`station.release.take_out.settle`) on what the sensors read."""
    sensors = station.daemon.devices["slots"]

    def open_slot(args: dict) -> dict:
        task = take_out.task_for(station.conn(), args["job"])
        sensors[task.slot] = {"door": "open", "item": "present"}
        return {**task.as_dict(), "outcome": "opened"}

    def confirm(args: dict) -> dict:
        conn = station.conn()
        task = take_out.task_for(conn, args["job"])
        now = sensors.get(task.slot, {})
        return take_out.settle(conn, task, door=now.get("door", "unknown"), item=now.get("item", "unknown"),
                               actor="operator:operator-1")

    for op, answer in ((ops.SLOT_TAKE_OUT, open_slot), (ops.SLOT_TAKE_OUT_CONFIRM, confirm)):
        station.daemon.server.register(op, station.daemon._handler(op, answer))


def test_the_login_page_says_nothing_of_the_station(station, chromium, site) -> None:
    page, strays, errors = _page(chromium, site)
    page.goto(f"{site.url}/ops")
    page.wait_for_selector("#login:not([hidden])")
    page.wait_for_timeout(300)  # (the page draws at once; nothing may appear later either)
    text = page.inner_text("body").lower()
    assert page.is_hidden("#live") and page.is_hidden("#offline-banner")
    assert "luring" not in text and "offline" not in text and "daemon" not in text
    _axe(page, "login")
    assert strays == [] and errors == []


def test_a_login_link_signs_in_and_leaves_no_token_behind(station, chromium, site) -> None:
    page, strays, errors = _page(chromium, site)
    token = station.tokens["operator"]
    _signed_in(page, site, token)
    assert token not in page.evaluate("location.href") and page.evaluate("location.hash") == ""
    page.wait_for_selector("#live.on")  # signed in, the station's state shows
    assert page.is_visible("#live")
    page.go_back()  # replaced, not pushed: Back does not bring the token back
    assert token not in page.url
    assert strays == [] and errors == []


def test_alarms_and_slots_speak_the_vocabulary_in_both_languages(station, chromium, site) -> None:
    _tasks_in_slots(station)
    page, strays, errors = _page(chromium, site)
    _signed_in(page, site, station.tokens["operator"])
    item = page.wait_for_selector("#alarm-list li[data-kind='no_free_slot']")
    assert item.inner_text().startswith("Tidak ada slot kosong")
    withdrawn = page.inner_text("#alarm-list li[data-kind='slot_withdrawn_paper']")
    assert "dokumen JOB-CANCEL dibatalkan" in withdrawn and "Keluarkan dokumen" in withdrawn
    page.wait_for_selector("button[data-slot='A-1-01'] [data-door='closed']")
    assert page.inner_text("button[data-slot='A-1-01'] [data-door]") == "pintu tertutup"
    body = page.inner_text("#dashboard")
    for raw in ("no_free_slot", "slot_withdrawn_paper", "pintu closed", "barang absent", "collect-expired`"):
        assert raw not in body, raw
    page.click("button[data-language='en']")
    page.wait_for_selector("#alarm-list li[data-kind='no_free_slot'] b:text('No free slot')")
    assert page.inner_text("button[data-slot='A-1-01'] [data-door]") == "door closed"
    page.click("button[data-slot='A-1-02']")
    assert "door closed · document inside" in page.inner_text("#slot-panel")
    assert strays == [] and errors == []


def test_ids_stay_whole_at_1280_and_up(station, chromium, site) -> None:
    _tasks_in_slots(station)
    page, _, errors = _page(chromium, site)
    _signed_in(page, site, station.tokens["operator"])
    page.wait_for_selector(f"tr[data-job='{LONG_ID}']")
    for width in (1280, 1440, 1920):
        page.set_viewport_size({"width": width, "height": 900})
        # An inline id broken over two lines has two client rectangles.
        codes = page.evaluate("""() => [...document.querySelectorAll('#job-rows code')]
            .map((node) => [node.textContent, node.getClientRects().length])""")
        assert {text for text, _ in codes} >= {LONG_ID, "A-1-10", "NIB-HELD-20261207-00021"}, width
        assert [text for text, lines in codes if lines > 1] == [], width
    assert errors == []


def test_the_guided_take_out_and_a_reprint_that_asks_for_the_old_copy(station, chromium, site) -> None:
    _tasks_in_slots(station)
    _serve_take_out(station)
    sensors = station.daemon.devices["slots"]
    page, strays, errors = _page(chromium, site)
    _signed_in(page, site, station.tokens["operator"])
    page.wait_for_selector("#take-out-rows tr[data-take-out='JOB-EXPIRED']")
    assert page.inner_text("#take-out-count") == "· 2"
    page.click("#take-out-start")
    page.wait_for_selector("#take-out-step:has-text('Slot A-1-02 terbuka')")
    assert "pintu terbuka · ada dokumen" in page.inner_text("#take-out-step")
    sensors["A-1-02"] = {"door": "closed", "item": "present"}  # shut on the paper: not done
    page.wait_for_selector("#take-out-step:has-text('pintu tertutup · ada dokumen')")
    assert jobs.get_job(station.conn(), "JOB-EXPIRED").state is JobState.EXPIRED
    sensors["A-1-02"] = {"door": "closed", "item": "absent"}
    page.wait_for_selector("#take-out-step:has-text('Slot A-1-03 terbuka')")
    assert jobs.get_job(station.conn(), "JOB-EXPIRED").state is JobState.RETURNED
    sensors["A-1-03"] = {"door": "closed", "item": "absent"}
    page.wait_for_selector("#take-out-step:has-text('Semua slot sudah kosong')")
    cancelled = jobs.get_job(station.conn(), "JOB-CANCEL")
    assert cancelled.state is JobState.CANCELLED and cancelled.slot is None
    page.wait_for_selector("#take-out-rows td:text('tidak ada dokumen yang perlu dikeluarkan')")

    # A reprint of a staged document: its slot opens for the old copy first, then it prints.
    def reprint(args: dict) -> dict:
        task = take_out.ask_reprint(station.conn(), args["job"], actor="operator:operator-1")
        sensors[task.slot] = {"door": "open", "item": "present"}
        return {"job": task.job, "state": "staged", "slot": task.slot, "old_slot": task.slot,
                "take_out": {**task.as_dict(), "outcome": "opened"}}
    station.daemon.server.register(ops.JOB_REPRINT, station.daemon._handler(ops.JOB_REPRINT, reprint))
    page.click("tr[data-job='JOB-REPRINT']")
    page.click("#detail-actions button[data-action='reprint']")
    page.wait_for_selector("#take-out-step:has-text('keluarkan dulu salinan lama dari slot A-1-07')")
    assert jobs.get_job(station.conn(), "JOB-REPRINT").state is JobState.STAGED  # nothing prints yet
    sensors["A-1-07"] = {"door": "closed", "item": "absent"}
    page.wait_for_selector("#detail-state[data-state='rendered']")
    trail = [e.action for e in audit.entries(station.conn(), job="JOB-REPRINT")]
    assert trail[-2:] == ["job.reprint_requested", "alarm.cleared"]  # the task done with the reprint, at once
    assert jobs.get_job(station.conn(), "JOB-REPRINT").slot is None
    assert alarms.open_alarms(station.conn(), take_out.REPRINT_ALARM) == []
    assert strays == [] and errors == []


def test_every_view_in_both_languages_passes_axe(station, chromium, site) -> None:
    """Login, jobs, alarms and the take-out flow at 1280x800 and 1920x1080, Indonesian and English."""
    _tasks_in_slots(station)
    _serve_take_out(station)
    for width, height in SIZES:
        page, strays, errors = _page(chromium, site, (width, height))
        page.goto(f"{site.url}/ops")
        for language in ("id", "en"):  # the login page, before anyone is known
            page.click(f"button[data-language='{language}']")
            page.wait_for_selector(f"html[lang='{language}'] #login:not([hidden])")
            _axe(page, f"login {width}x{height}-{language}")
            _picture(page, f"ops-login-{width}x{height}-{language}")
        _signed_in(page, site, station.tokens["operator"])
        for language in ("id", "en"):
            name = f"{width}x{height}-{language}"
            page.click(f"button[data-language='{language}']")
            page.click("tr[data-job='JOB-HELD']")
            page.wait_for_selector(f"html[lang='{language}'] #detail-actions button[data-action='retry']")
            _axe(page, f"jobs {name}")
            _picture(page, f"ops-jobs-{name}")
            page.wait_for_selector("#alarm-list li[data-kind='no_free_slot']")
            _axe(page, f"alarms {name}")
            _picture(page, f"ops-alarms-{name}", "slots")
            page.click("#take-out-rows button[data-take-out-one='JOB-EXPIRED']")
            page.wait_for_selector("#take-out-step [data-sensors]")
            _axe(page, f"take-out {name}")
            _picture(page, f"ops-take-out-{name}", "take-out")
            page.click("#take-out-stop")
            page.wait_for_selector("#take-out-stop", state="hidden")
            station.daemon.devices["slots"]["A-1-02"] = {"door": "closed", "item": "present"}
        assert strays == [] and errors == [], (width, height)
        page.close()
