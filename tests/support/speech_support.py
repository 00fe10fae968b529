"""Listening to what the kiosk said: the capture sink's log (speech.jsonl) and sox's measure of each WAV."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

from station import config


def speaking(cfg: config.Config, capture: Path, *, jack: Path | None = None, kind: str | None = None) -> config.Config:
    """`cfg` with its speech captured into `capture` (and its jack read from `jack`, its kind changed)."""
    speech = cfg.kiosk.speech.model_copy(update={"output": "capture", "capture_dir": capture,
                                                 "jack_device": str(jack) if jack else ""})
    update: dict[str, Any] = {"kiosk": cfg.kiosk.model_copy(update={"speech": speech})}
    if kind:
        update["station"] = cfg.station.model_copy(update={"kind": kind})
    return cfg.model_copy(update=update)


def spoken(capture: Path) -> list[dict[str, Any]]:
    """Every sound the capture sink wrote so far, in order."""
    log = capture / "speech.jsonl"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]


def rms(wav: Path) -> float:
    """The RMS amplitude of a WAV file, as `sox FILE -n stat` measures it (0 is silence)."""
    out = subprocess.run(["sox", str(wav), "-n", "stat"], capture_output=True, text=True, check=True).stderr
    found = re.search(r"RMS\s+amplitude:\s+([0-9.]+)", out)
    assert found, out
    return float(found.group(1))


# Counts pointer and touch input on the page: a keypad user's visit must need none.
NO_TOUCH = """window.__pointer = 0;
for (const kind of ['pointerdown', 'touchstart', 'mousedown']) document.addEventListener(kind, () => window.__pointer++, true);"""


def serve(station, tmp_path: Path, **kw: Any):
    """The station's web app, its speech captured under tmp_path/speech, served for real: (server, capture)."""
    from webtest_server import LiveServer

    from station.web import create_app

    capture = tmp_path / "speech"
    return LiveServer(create_app(speaking(station.cfg, capture, **kw))).start(), capture


def open_kiosk(chromium, server, size: tuple[int, int] = (1080, 1920)):
    """The kiosk page, paired and live, counting any touch: (page, stray requests, page errors)."""
    from webtest_browser import only_local

    page = chromium.new_page(viewport={"width": size[0], "height": size[1]})
    strays = only_local(page, server.url)
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    key = server.server.config.app.state.web.kiosk_key()
    page.goto(f"{server.url}/kiosk?key={key}")
    page.wait_for_selector("main[data-screen='idle']")
    page.wait_for_selector("main[data-live='true']")
    page.evaluate(NO_TOUCH)
    return page, strays, errors


def voice_state(server) -> dict[str, Any]:
    """The station's speech mode and volume, as the kiosk page reads them."""
    import httpx

    key = server.server.config.app.state.web.kiosk_key()
    return httpx.get(f"{server.url}/api/v1/kiosk/voice", headers={"Authorization": f"Bearer {key}"}).json()["speech"]


def said(capture: Path, fragment: str, lang: str) -> bool:
    """Whether a sentence holding `fragment` was spoken in `lang`."""
    return any(e["kind"] == "speech" and e["lang"] == lang and fragment in e["text"] for e in spoken(capture))
