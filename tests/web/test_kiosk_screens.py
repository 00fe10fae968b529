"""The kiosk on every common kiosk screen, in every state: usable, unclipped, reachable, accessible.

Each state is published by the stub daemon, as the counter would, and drawn
by the real page in headless Chromium. At each of six screen sizes every
state is checked for clipping, overlap, touch-target size and, for every
visible button, that a click at its centre reaches it. axe-core (WCAG 2.2
A and AA rules) runs on every state. `STATION_SCREENSHOTS=1` saves the
portrait 1080x1920 screens into docs/screenshots/.
"""

from __future__ import annotations

import pytest
from kiosk_states import STATES
from webtest_browser import launch, only_local, screenshot
from webtest_layout import LAYOUT_PROBLEMS
from webtest_server import LiveServer

from station.kiosk import KioskView, Screen
from station.web import create_app

pytestmark = pytest.mark.browser

SIZES = [(1080, 1920), (800, 1280), (768, 1366), (1920, 1080), (1280, 800), (1024, 768)]
PORTRAIT = (1080, 1920)
MIN_TARGET = 44
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture
def site(station):
    server = LiveServer(create_app(station.cfg)).start()
    try:
        yield server
    finally:
        server.stop()


def _open(chromium, site, size: tuple[int, int]):
    page = chromium.new_page(viewport={"width": size[0], "height": size[1]})
    strays = only_local(page, site.url)
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(f"{site.url}/kiosk")
    page.wait_for_selector("main[data-screen='idle']")
    return page, strays, errors


def _show(station, page, view: KioskView) -> None:
    if view.screen is not Screen.IDLE:
        station.daemon.show(KioskView(Screen.IDLE))
        page.wait_for_selector("main[data-screen='idle']")
    station.daemon.show(view)
    page.wait_for_selector(f"main[data-screen='{view.screen.value}']")


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
    page, strays, errors = _open(chromium, site, size)
    buttons = 0
    for name, view in STATES:
        _show(station, page, view)
        buttons += _usable(page, f"{name} at {size}")
        if size == PORTRAIT:
            _axe(page, f"{name} at {size}")
            screenshot(page, f"kiosk-{name}")
    # The problem dialog, over a door screen.
    _show(station, page, dict(STATES)["open"])
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
    """Loaded from elsewhere than the kiosk's own machine, the page carries no credential and says so."""
    page = chromium.new_page(viewport={"width": 1080, "height": 1920})

    def without_token(route) -> None:
        response = route.fetch()
        route.fulfill(response=response, body=response.text().replace(
            'name="kiosk-token" content="', 'name="kiosk-token" data-was="'))

    page.route("**/kiosk", without_token)
    page.goto(f"{site.url}/kiosk")
    page.wait_for_selector("main[data-screen='disabled']")
    _usable(page, "disabled")
    _axe(page, "disabled")
    page.close()


def test_the_kiosk_works_from_the_keyboard_and_announces_screens(station, chromium, site) -> None:
    page, _, _ = _open(chromium, site, PORTRAIT)
    assert page.get_attribute("#announce", "aria-live") == "assertive"
    assert "Pindai kode QR" in page.inner_text("#announce")
    _show(station, page, dict(STATES)["pin"])
    assert "PIN" in page.inner_text("#announce")
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => { const e = document.activeElement; const s = getComputedStyle(e);
        return {tag: e.tagName, key: e.dataset.key || null, outline: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }""")
    assert focused["tag"] == "BUTTON" and focused["outline"] != "none" and focused["width"] >= 2, focused
    for key in "1234":
        page.keyboard.press(key)
    assert page.inner_text("#pin-dots") == "●●●●"
    # Enter on a focused key presses that key (a keyboard user), typed digits still count.
    _show(station, page, dict(STATES)["open"])
    page.focus("#problem-button")
    page.keyboard.press("Enter")
    page.wait_for_selector("#problem-dialog:not([hidden])")
    assert page.evaluate("document.activeElement.dataset.problem") == "door_stuck"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.problem") == "document_missing"
    page.keyboard.press("Enter")
    page.wait_for_selector("main[data-screen='problem_reported']")
    page.close()
