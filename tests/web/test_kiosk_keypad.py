"""(issue 24) The kiosk's new ways and screens, by keypad: the typed code, the PIN screen's ways out and
countdown, the lockout countdown that never jumps back, the dispenser's queue banner, the headphone jack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from patience import wait
from speech_support import open_kiosk, said, serve, spoken, voice_state

from spool.rfc3339 import format_time
from station.runtime import ops
from station.release.kiosk import KioskView, Screen

pytestmark = pytest.mark.browser


def _in(seconds: float) -> str:
    return format_time(datetime.now(UTC) + timedelta(seconds=seconds))


@pytest.fixture
def kiosk(station, chromium, tmp_path):
    """A speaking station's kiosk page at 1080x1920, with its headphone jack simulated on a FIFO."""
    from simulators.jack import JackSim

    jack = JackSim(tmp_path / "jack").start()
    server, capture = serve(station, tmp_path, jack=jack.path)
    page, strays, errors = open_kiosk(chromium, server)
    try:
        yield page, server, capture, jack
        assert strays == [] and errors == []
        assert page.evaluate("window.__pointer") == 0  # no test here touched the screen
    finally:
        page.close()
        server.stop()
        jack.stop()


def _count(page) -> int:
    return int(page.inner_text("#countdown .count"))


def test_a_citizen_without_a_phone_types_the_code_and_can_go_back(station, kiosk) -> None:
    page, _, _, _ = kiosk
    for key in "1234":  # a digit on the idle screen starts the typed code
        page.keyboard.press(key)
    page.wait_for_selector("main[data-screen='code']")
    assert page.inner_text("#code-digits") == "1234-____-____"
    for key in "56789019":
        page.keyboard.press(key)
    page.keyboard.press("Backspace")  # Clear takes the last digit back
    page.keyboard.press("2")
    page.keyboard.press("3")  # a 13th digit is not taken
    assert page.inner_text("#code-digits") == "1234-5678-9012"
    page.keyboard.press("Enter")
    page.wait_for_selector("main[data-screen='pin']")
    assert (ops.KIOSK_CODE, {"code": "123456789012"}, "citizen") in station.daemon.calls
    assert "Tidak punya PIN?" in page.inner_text("#pin-hint") and "No PIN?" in page.inner_text("#pin-hint")
    page.keyboard.press("#")  # Back: the session ends, the typed code comes back to be corrected
    page.wait_for_selector("main[data-screen='code']")
    assert page.inner_text("#code-digits") == "1234-5678-9012"
    assert [c for c in station.daemon.calls if c[0] == ops.KIOSK_PIN_CANCEL]
    page.keyboard.press("Enter")
    page.wait_for_selector("main[data-screen='pin']")
    page.keyboard.press("Escape")  # Cancel: back to the start
    page.wait_for_selector("main[data-screen='idle']")
    for key in "999999999999":
        page.keyboard.press(key)
    page.keyboard.press("Enter")
    page.wait_for_selector("main[data-screen='refused']")
    assert "kode" in page.inner_text("#msg-id").lower()
    page.keyboard.press("Enter")
    page.wait_for_selector("main[data-screen='idle']")


def test_a_short_code_is_spoken_not_sent(station, kiosk) -> None:
    page, _, capture, _ = kiosk
    page.keyboard.press("F1")
    page.keyboard.press("Enter")  # Enter on the idle screen: type a code
    page.wait_for_selector("main[data-screen='code']")
    wait(lambda: said(capture, "Ketik kode pengambilan", "id"), 20, "the code screen spoken")
    for key in "12345":
        page.keyboard.press(key)
    page.keyboard.press("Enter")
    wait(lambda: said(capture, "Kode belum lengkap", "id") and said(capture, "not complete", "en"), 20, "a short code")
    assert not [c for c in station.daemon.calls if c[0] == ops.KIOSK_CODE]
    assert all(not any(d in e["text"] for d in ("12345", "1 2 3")) for e in spoken(capture) if e["kind"] == "speech")


def test_the_pin_screen_counts_down_before_it_resets(station, kiosk) -> None:
    page, _, capture, _ = kiosk
    page.keyboard.press("F1")
    station.daemon.show(KioskView(Screen.PIN, session="s-2", reason="pin_wrong", reset_at=_in(12),
                                  job={"attempts_left": 2, "wrong": True}))
    page.wait_for_selector("#reset-countdown:not([hidden])")
    first = page.inner_text("#reset-countdown")
    assert "detik" in first and "resets in" in first
    # The warning stands above the pad, in the largest type.
    warning, pad = page.eval_on_selector("#pin-wrong", "e => e.getBoundingClientRect().bottom"), \
        page.eval_on_selector(".keypad", "e => e.getBoundingClientRect().top")
    assert warning <= pad
    assert page.eval_on_selector("#pin-wrong", "e => parseFloat(getComputedStyle(e).fontSize)") >= \
        page.eval_on_selector("#msg-en", "e => parseFloat(getComputedStyle(e).fontSize)")
    wait(lambda: said(capture, "Layar kembali ke awal dalam 10 detik", "id")
         and said(capture, "goes back to the start in 10 seconds", "en"), 20, "the countdown spoken")


def test_the_lockout_countdown_is_large_and_never_jumps_back(station, kiosk) -> None:
    page, _, _, _ = kiosk
    station.daemon.show(KioskView(Screen.LOCKED_OUT, reason="malformed", until=_in(40), retry_after_s=40))
    page.wait_for_selector("#countdown .count")
    assert 38 <= _count(page) <= 40
    assert page.get_attribute("#countdown", "aria-hidden") is None  # screen readers hear it
    assert page.eval_on_selector("#countdown .count", "e => parseFloat(getComputedStyle(e).fontSize)") >= 100
    # A scan during the lockout: the view comes again, with the old server's fresh 60 s, or a later end.
    station.daemon.show(KioskView(Screen.LOCKED_OUT, reason="malformed", retry_after_s=60))
    station.daemon.show(KioskView(Screen.LOCKED_OUT, reason="malformed", until=_in(60), retry_after_s=60))
    page.wait_for_timeout(300)
    assert _count(page) <= 40


def test_a_second_scan_at_a_dispenser_leaves_the_first_persons_screen(station, chromium, tmp_path) -> None:
    """The screenshot of the first person's screen is the same, pixel for pixel, with the banner beside it."""
    from speech_support import open_kiosk as open_page
    from webtest_browser import screenshot

    server, capture = serve(station, tmp_path, kind="dispenser")
    page, strays, errors = open_page(chromium, server)
    try:
        printing = KioskView(Screen.PRINTING, session="s-1", progress={"page": 2, "pages": 3})
        station.daemon.show(printing)
        page.wait_for_selector("#print-progress")
        assert "Halaman 2 dari 3" in page.inner_text("#print-pages")
        before = page.locator("#screen").screenshot()
        spoken_before = len(spoken(capture))
        station.daemon.show(KioskView(Screen.PRINTING, session="s-1", progress={"page": 2, "pages": 3},
                                      banner={"id": "Mohon tunggu, seseorang sedang dilayani.",
                                              "en": "Please wait, someone is being served."},
                                      banner_until=_in(8)))
        page.wait_for_selector("#banner:not([hidden])")
        assert "Mohon tunggu" in page.inner_text("#banner") and "Please wait" in page.inner_text("#banner")
        assert page.get_attribute("#screen", "data-screen") == "printing"
        assert page.locator("#screen").screenshot() == before
        screenshot(page, "kiosk-banner")
        assert len(spoken(capture)) == spoken_before  # nothing new said to the first person
        page.wait_for_selector("#banner", state="hidden", timeout=15_000)  # it clears itself
        assert strays == [] and errors == []
    finally:
        page.close()
        server.stop()


def test_headphones_in_the_jack_start_speech_mode_and_silence_the_loudspeaker(station, kiosk) -> None:
    page, server, capture, jack = kiosk
    station.daemon.show(KioskView(Screen.OPEN, slot="A-1-05", board=1, door=5, session="s-1"))
    wait(lambda: [e for e in spoken(capture) if e["kind"] == "chime_open"], 20, "the door's chime")
    assert [e["output"] for e in spoken(capture)] == ["speaker"]  # no speech mode: a chime only, no words
    jack.plug()
    page.wait_for_selector("main[data-speech='on']")
    assert voice_state(server)["jack"] is True
    station.daemon.show(KioskView(Screen.PIN, session="s-2", reason="pin_required", job={"attempts_left": 5}))
    wait(lambda: said(capture, "Masukkan PIN Anda", "id"), 20, "the PIN screen spoken")
    page.keyboard.press("/")  # screen off for privacy
    page.wait_for_selector("#privacy:not([hidden])")
    assert page.evaluate("document.body.classList.contains('blank')")
    wait(lambda: said(capture, "Layar dimatikan untuk privasi", "id") and said(capture, "off for privacy", "en"), 20,
         "the screen off, said")
    assert {e["output"] for e in spoken(capture)[1:]} == {"headphones"}
    jack.unplug()
    page.wait_for_selector("main[data-speech='off']")
    count = len(spoken(capture))
    station.daemon.show(KioskView(Screen.IDLE))
    page.wait_for_selector("main[data-screen='idle']")
    page.wait_for_timeout(500)
    assert [e for e in spoken(capture)[count:] if e["kind"] == "speech"] == []


def test_the_clock_shows_the_stations_own_zone(station, chromium, tmp_path) -> None:
    """A station in Makassar shows WITA time, whatever zone the kiosk's browser runs in (UTC here)."""
    import re
    from zoneinfo import ZoneInfo

    cfg = station.cfg
    station.cfg = cfg.model_copy(update={"station": cfg.station.model_copy(update={"timezone": "Asia/Makassar"})})
    server, _ = serve(station, tmp_path)
    page, _, _ = open_kiosk(chromium, server)
    try:
        page.wait_for_function("document.getElementById('clock').textContent.endsWith('WITA')")
        shown = page.inner_text("#clock")
        local = datetime.now(ZoneInfo("Asia/Makassar"))
        hours = {local.strftime("%H"), (local - timedelta(minutes=1)).strftime("%H")}
        assert re.fullmatch(r"\d\d[.:]\d\d WITA", shown) and shown[:2] in hours, shown
    finally:
        page.close()
        server.stop()


def test_a_problem_is_reported_by_keys_alone(station, kiosk) -> None:
    page, _, capture, _ = kiosk
    page.keyboard.press("F1")
    station.daemon.show(KioskView(Screen.OPEN, slot="A-1-05", board=1, door=5, session="s-1"))
    page.wait_for_selector("main[data-screen='open']")
    page.keyboard.press(station.cfg.kiosk.keypad.problem)
    page.wait_for_selector("#problem-dialog:not([hidden])")
    wait(lambda: said(capture, "Tekan satu: pintu tidak terbuka", "id") and said(capture, "Press one", "en"), 20,
         "the problem menu spoken")
    page.keyboard.press("1")
    page.wait_for_selector("main[data-screen='problem_reported']")
    from spool import alarms

    [alarm] = alarms.list_alarms(station.conn(), open_only=True)
    assert (alarm.kind, alarm.slot_id) == ("citizen_door_stuck", "A-1-05")
