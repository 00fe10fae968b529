"""The kiosk on every common kiosk screen, in every state: usable, unclipped, reachable, accessible.

Each state is published by the stub daemon, as the counter would, and drawn
by the real page in headless Chromium. At each of six screen sizes every
state is checked for clipping, overlap, touch-target size and, for every
visible button, that a click at its centre reaches it. axe-core (WCAG 2.2
A and AA rules) runs on every state. `STATION_SCREENSHOTS=1` saves the
portrait 1080x1920 screens into docs/screenshots/.
"""

from __future__ import annotations

import re

import pytest
from kiosk_page import open_kiosk, show
from kiosk_states import STATES
from webtest_browser import only_local, screenshot
from webtest_layout import LAYOUT_PROBLEMS


pytestmark = pytest.mark.browser

SIZES = [(1080, 1920), (800, 1280), (768, 1366), (1920, 1080), (1280, 800), (1024, 768)]
PORTRAIT = (1080, 1920)
MIN_TARGET = 44
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]




def _usable(page, where: str, scope: str | None = None) -> int:
    found = page.evaluate(LAYOUT_PROBLEMS, {"scope": scope, "min": MIN_TARGET})
    assert found["problems"] == [], where
    return found["buttons"]


def _axe(page, where: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
           for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], where


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_state_is_usable_on_this_screen(station, chromium, site, size) -> None:
    page, strays, errors = open_kiosk(chromium, site, size)
    buttons = 0
    for name, view in STATES:
        show(station, page, view)
        buttons += _usable(page, f"{name} at {size}")
        if size == PORTRAIT:
            _axe(page, f"{name} at {size}")
            screenshot(page, f"kiosk-{name}")
    # The problem dialog, over a door screen.
    show(station, page, dict(STATES)["open"])
    page.click("#problem-button")
    page.wait_for_selector("#problem-dialog:not([hidden])")
    buttons += _usable(page, f"problem dialog at {size}", scope="#problem-dialog")
    if size == PORTRAIT:
        _axe(page, "problem dialog")
        screenshot(page, "kiosk-problem-dialog")
    page.keyboard.press("Escape")
    # The station gone: the page says so.
    station.daemon.stop()
    page.wait_for_selector("main[data-screen='offline']", timeout=15_000)
    _usable(page, f"offline at {size}")
    if size == PORTRAIT:
        _axe(page, "offline")
    assert buttons >= 2 * 12 + 5  # two PIN pads, the dialog's choices: the check saw them
    assert strays == [] and errors == []
    page.close()


def test_a_screen_not_enabled_as_the_kiosk(chromium, site) -> None:
    """A browser that was never paired with the station's kiosk key carries no credential and says so."""
    page = chromium.new_page(viewport={"width": 1080, "height": 1920})
    page.goto(f"{site.url}/kiosk")
    page.wait_for_selector("main[data-screen='disabled']")
    _usable(page, "disabled")
    _axe(page, "disabled")
    page.close()


def test_the_kiosk_works_from_the_keyboard_and_announces_screens(station, chromium, site) -> None:
    page, _, _ = open_kiosk(chromium, site, PORTRAIT)
    assert page.get_attribute("#announce", "aria-live") == "assertive"
    assert "Pindai kode QR" in page.inner_text("#announce")
    show(station, page, dict(STATES)["pin"])
    assert "PIN" in page.inner_text("#announce")
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => { const e = document.activeElement; const s = getComputedStyle(e);
        return {tag: e.tagName, key: e.dataset.key || null, outline: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }""")
    assert focused["tag"] == "BUTTON" and focused["outline"] != "none" and focused["width"] >= 2, focused
    for key in "1234":
        page.keyboard.press(key)
    assert page.inner_text("#pin-dots") == "●●●●"
    # Enter on a focused key presses that key (a keyboard user), typed digits still count.
    show(station, page, dict(STATES)["open"])
    page.focus("#problem-button")
    page.keyboard.press("Enter")
    page.wait_for_selector("#problem-dialog:not([hidden])")
    assert page.evaluate("document.activeElement.dataset.problem") == "door_stuck"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.problem") == "document_missing"
    page.keyboard.press("Enter")
    page.wait_for_selector("main[data-screen='problem_reported']")
    page.close()


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_ops_page_in_each_language(station, chromium, site, language) -> None:
    """axe-core finds nothing serious on the operations page; its words and times follow the choice."""
    from spool import alarms

    alarms.raise_alarm(station.conn(), "door_left_open", "Door A-1-02 open for 60 s", slot="A-1-02")
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    strays = only_local(page, site.url)
    page.goto(f"{site.url}/ops")
    if language == "en":
        page.click("button[data-language='en']")
    assert page.get_attribute("html", "lang") == language
    _axe(page, f"ops sign-in ({language})")
    page.fill("#token", station.tokens["operator"])
    page.click("#login button[type=submit]")
    page.wait_for_selector("#job-rows tr[data-job]")
    page.wait_for_selector("#alarm-list li[data-alarm]")
    page.wait_for_selector("#device-list li[data-device]")
    page.click("tr[data-job='JOB-HELD']")
    page.wait_for_selector("#audit-rows tr")
    _axe(page, f"ops dashboard ({language})")
    words = {"id": ("Pekerjaan", "ditahan", "Tanggapi"), "en": ("Jobs", "held", "Acknowledge")}[language]
    assert words[0] in page.inner_text("#jobs-title") and words[1] in page.inner_text("#detail-state")
    assert words[2] in page.inner_text("#alarm-list")
    # One time format, in the station's zone (WIB for Asia/Jakarta): job rows, audit rows, alarms.
    times = page.eval_on_selector_all("#job-rows td:nth-child(5), #audit-rows td:nth-child(2)",
                                      "cells => cells.map(c => c.textContent)")
    assert times and all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d WIB", t) for t in times), times
    screenshot(page, f"station-ops-{language}")
    assert strays == []
    page.close()
