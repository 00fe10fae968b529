"""(issue 24) Large text and high contrast: one key or touch toggles it; at six screen sizes every state stays
usable (nothing clipped, every target hit-tested), every character is at least 4.8 mm high on the configured
screen (ADA 707.7.2), and axe-core finds nothing serious. `STATION_SCREENSHOTS=1` saves the new states at
1080x1920, normal and large, into docs/screenshots/."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from kiosk_page import open_kiosk, show
from kiosk_states import STATES
from webtest_browser import screenshot
from webtest_layout import LAYOUT_PROBLEMS

from spool.rfc3339 import format_time
from station.release.kiosk import KioskView, Screen
from station.trust.token import citizen_message

pytestmark = pytest.mark.browser

SIZES = [(1080, 1920), (800, 1280), (768, 1366), (1920, 1080), (1280, 800), (1024, 768)]
PORTRAIT = (1080, 1920)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _words(reason: str) -> dict[str, str]:
    return {"id": citizen_message(reason, "id"), "en": citizen_message(reason, "en")}


def _in(seconds: float) -> str:
    return format_time(datetime.now(UTC) + timedelta(seconds=seconds))


def new_states() -> list[tuple[str, KioskView]]:
    """The states issue 24 adds (the typed code screen is reached by key), their countdowns starting now."""
    return [
        ("pin-countdown", KioskView(Screen.PIN, session="s-2", reason="pin_wrong", reset_at=_in(25),
                                    job={"attempts_left": 2, "wrong": True})),
        ("locked-out-until", KioskView(Screen.LOCKED_OUT, reason="malformed", until=_in(45))),
        ("printing-progress", KioskView(Screen.PRINTING, session="s-1", progress={"page": 2, "pages": 5, "eta_s": 40})),
        ("presented-tray", KioskView(Screen.PRESENTED, slot="A-1-01", retain_at=_in(55))),
        ("banner", KioskView(Screen.PRINTING, session="s-1", progress={"page": 1, "pages": 2},
                             banner={"id": "Mohon tunggu, seseorang sedang dilayani.",
                                     "en": "Please wait, someone is being served."}, banner_until=_in(60))),
        ("refused-bad_code", KioskView(Screen.REFUSED, reason="bad_code", message=_words("bad_code"))),
    ]


NEW = {name for name, _ in new_states()}
OLD = dict(STATES)
# "thanks" last: the visit's end puts the next citizen back to normal text.
SOME_OLD = [(name, OLD[name]) for name in ("idle", "pin", "open", "not-ready", "busy", "ask-staff",
                                            "refused-wrong_station", "thanks")]

# The smallest capital on the page, in mm: every visible text's "H" measured with its own font (drawings excluded).
SMALLEST_CAPITAL = """
(pxPerMm) => {
  const canvas = document.createElement("canvas").getContext("2d");
  let least = Infinity, where = "";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const host = node.parentElement;
    if (!node.textContent.trim() || host.closest("svg, .visually-hidden, [hidden]")) continue;
    const box = host.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || getComputedStyle(host).visibility === "hidden") continue;
    const style = getComputedStyle(host);
    canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const mm = canvas.measureText("H").actualBoundingBoxAscent / pxPerMm;
    if (mm < least) { least = mm; where = `${host.id || host.className || host.tagName}: ${node.textContent.trim().slice(0, 30)}`; }
  }
  return [least, where];
}
"""




def _axe(page, where: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
           for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], where


def _states(station, page):
    """Each state in turn (the typed code screen by its keys); yields its name once it shows."""
    for key in "12345678":
        page.keyboard.press(key)
    page.wait_for_selector("main[data-screen='code']")
    yield "code"
    page.keyboard.press("Escape")
    page.wait_for_selector("main[data-screen='idle']")
    for name, view in [*new_states(), *SOME_OLD]:
        show(station, page, view)
        yield name


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_large_text_on_this_screen(station, chromium, site, size) -> None:
    screen = station.cfg.kiosk.screen
    px_per_mm = math.hypot(*size) / (screen.diagonal_inches * 25.4)  # the page fills the configured screen
    page, strays, errors = open_kiosk(chromium, site, size)
    if size == PORTRAIT:  # the new states in normal text: clean, and pictured
        for name in _states(station, page):
            if name in NEW or name == "code":
                _axe(page, f"{name} normal")
                screenshot(page, f"kiosk-{name}")
        normal, _ = page.evaluate(SMALLEST_CAPITAL, px_per_mm)
        assert normal < screen.min_char_mm  # the measure sees the small print of the normal mode
        show(station, page, KioskView(Screen.IDLE))
    page.keyboard.press(station.cfg.kiosk.keypad.large_text)  # one key
    page.wait_for_function("document.body.classList.contains('large')")
    assert page.get_attribute("#large-button", "aria-pressed") == "true"
    buttons = 0
    for name in _states(station, page):
        found = page.evaluate(LAYOUT_PROBLEMS, {"scope": None, "min": 44})
        assert found["problems"] == [], f"{name} large at {size}"
        buttons += found["buttons"]
        least, where = page.evaluate(SMALLEST_CAPITAL, px_per_mm)
        assert least >= screen.min_char_mm, f"{name} at {size}: {least:.2f} mm ({where})"
        if size == PORTRAIT:
            _axe(page, f"{name} large")
            screenshot(page, f"kiosk-{name}-large")
    assert buttons >= 3 * 12  # the pads were there and were hit-tested
    show(station, page, KioskView(Screen.IDLE))  # after "thanks": the next citizen
    assert not page.evaluate("document.body.classList.contains('large')")
    page.click("#large-button")  # one touch turns it on
    page.wait_for_function("document.body.classList.contains('large')")
    assert strays == [] and errors == []
    page.close()
