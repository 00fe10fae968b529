"""(issue 24) A blind citizen's pickup: the kiosk driven by keypad keys only, every screen spoken on the station.

The page runs in headless Chromium against the real web app and the stub
daemon's control socket; the station speaks with the real espeak-ng and sox
into the capture sink (a WAV file per sound, a log of the texts), and sox
measures that each sentence is sound, not silence.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from patience import wait
from speech_support import open_kiosk, rms, said, serve, spoken, voice_state

from spool.rfc3339 import format_time
from station.runtime import ops
from station.runtime.control import ControlClient
from station.release.kiosk import KioskView, Screen

pytestmark = pytest.mark.browser

PERSONAL = ("Siti", "Nurhaliza", "S***", "3171234567890123", "123456", "0000")


def _press(page, keys: str) -> None:
    for key in keys:
        page.keyboard.press(key)


def _heard(capture, fragment_id: str, fragment_en: str) -> None:
    wait(lambda: said(capture, fragment_id, "id") and said(capture, fragment_en, "en"), 20,
         f"the station to say {fragment_id!r} / {fragment_en!r}")


def _all_heard_well(capture) -> list[dict]:
    """Every sound was written, is not silent, went to the headphones; no sentence holds anything personal."""
    entries = spoken(capture)
    assert entries
    for entry in entries:
        assert entry["output"] == "headphones", entry  # speech mode: the loudspeaker stays silent
        assert rms(capture / entry["file"]) > 0.005, entry
        if entry["kind"] == "speech":
            assert not any(word in entry["text"] for word in PERSONAL), entry
            assert not re.search(r"\d{4,}", entry["text"]), entry
    return entries


def test_a_blind_citizen_collects_at_a_locker(station, chromium, tmp_path) -> None:
    server, capture = serve(station, tmp_path)
    try:
        page, strays, errors = open_kiosk(chromium, server)
        page.keyboard.press("F1")  # the keypad's help key starts speech mode
        _heard(capture, "Mode suara aktif", "Speech mode is on")
        _heard(capture, "Pindai kode QR", "Scan the QR code")
        ControlClient(station.daemon.path).call(ops.KIOSK_SCAN, {"text": "MPP1:PIN"})  # the scanner's scan
        page.wait_for_selector("main[data-screen='pin']")
        _heard(capture, "Masukkan PIN Anda", "Enter your PIN")
        _press(page, "+")  # louder
        _heard(capture, "Volume 6", "Volume 6")
        _press(page, "0000")
        page.keyboard.press("Enter")
        page.wait_for_selector("#pin-wrong")
        _heard(capture, "PIN salah. Sisa percobaan: 4", "Wrong PIN. Attempts left: 4")
        page.keyboard.press("*")  # repeat
        wait(lambda: sum(said_once for said_once in (e["text"].startswith("PIN salah") for e in spoken(capture))) >= 2,
             20, "the sentence repeated")
        _press(page, "1234567")
        page.keyboard.press("Backspace")
        page.keyboard.press("Enter")
        page.wait_for_selector("main[data-screen='opening']")
        _heard(capture, "pintu nomor 3, kolom ketiga dari kiri, baris pertama dari atas, di sebelah kanan layar",
               "door number 3, third column from the left, first row from the top, to the right of the screen")
        station.daemon.show(KioskView(Screen.OPEN, slot="A-1-03", board=1, door=3, session="s-2"))
        _heard(capture, "Ambil dokumen Anda, lalu tutup pintunya", "Take your document, then close the door")
        station.daemon.show(KioskView(Screen.THANKS, slot="A-1-03", session="s-2",
                                      job={"masked_name": "S*** N********", "state": "collected"}))
        _heard(capture, "Terima kasih", "Thank you")
        entries = _all_heard_well(capture)
        kinds = [e["kind"] for e in entries]
        assert kinds.count("tone") == 11  # every digit beeped, none was spoken
        assert kinds.index("chime_open") < kinds.index("chime_shut")  # the door opened, then shut
        assert page.evaluate("window.__pointer") == 0
        # The next citizen starts at the default volume, speech mode off.
        station.daemon.show(KioskView(Screen.IDLE))
        wait(lambda: voice_state(server) == {"mode": False, "jack": False, "volume": 5}, 10, "the visit's end")
        assert strays == [] and errors == []
        page.close()
    finally:
        server.stop()


def test_a_blind_citizen_collects_at_a_dispenser(station, chromium, tmp_path) -> None:
    server, capture = serve(station, tmp_path, kind="dispenser")
    daemon = station.daemon

    async def pin_then_print(args, actor):
        daemon.calls.append((ops.KIOSK_PIN, args, actor))
        daemon.show(KioskView(Screen.PRINTING, session=args["session"], progress={"page": 1, "pages": 2, "eta_s": 9.0}))
        return daemon.view.as_event()

    daemon.server.register(ops.KIOSK_PIN, pin_then_print)
    try:
        page, strays, errors = open_kiosk(chromium, server)
        page.keyboard.press("F1")
        _heard(capture, "Pindai kode QR", "Scan the QR code")
        ControlClient(daemon.path).call(ops.KIOSK_SCAN, {"text": "MPP1:PIN"})
        page.wait_for_selector("main[data-screen='pin']")
        _heard(capture, "Masukkan PIN Anda", "Enter your PIN")
        _press(page, "123456")
        page.keyboard.press("Enter")
        page.wait_for_selector("main[data-screen='printing']")
        page.wait_for_selector("#print-progress")
        _heard(capture, "Halaman 1 dari 2", "Page 1 of 2")
        retain = format_time(datetime.now(UTC) + timedelta(seconds=60))
        daemon.show(KioskView(Screen.PRESENTED, slot="A-1-01", session="s-2", retain_at=retain))
        page.wait_for_selector("#retain-countdown")
        assert page.locator("svg #tray").count() == 1  # the drawing shows where the tray is
        assert "Kertas disimpan mesin dalam" in page.inner_text("#retain-countdown")
        _heard(capture, "Ambil dokumen Anda dari baki di bawah layar", "Take your document from the tray below")
        _heard(capture, "akan disimpan oleh mesin", "is kept by the machine")
        daemon.show(KioskView(Screen.THANKS, slot="A-1-01", session="s-2",
                              job={"masked_name": "S*** N********", "state": "collected"}))
        _heard(capture, "Terima kasih", "Thank you")
        kinds = [e["kind"] for e in _all_heard_well(capture)]
        assert kinds.count("tone") == 6 and kinds.index("chime_open") < kinds.index("chime_shut")
        assert page.evaluate("window.__pointer") == 0
        assert strays == [] and errors == []
        page.close()
    finally:
        server.stop()
