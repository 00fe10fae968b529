"""(issue 24) `/api/v1/kiosk/voice`: the page names screens and keys, never words; bad input changes nothing."""

from __future__ import annotations

import pytest
from speech_support import speaking

KIOSK = {"Authorization": "Bearer kiosk-secret-for-tests"}


@pytest.fixture
def quiet_client(station, tmp_path):
    """The web app with its speech off (no child process): the route's answers, not the sound."""
    from fastapi.testclient import TestClient

    from station.web import create_app

    cfg = speaking(station.cfg, tmp_path / "speech")
    cfg = cfg.model_copy(update={"kiosk": cfg.kiosk.model_copy(update={
        "speech": cfg.kiosk.speech.model_copy(update={"output": "off"})})})
    with TestClient(create_app(cfg, kiosk_secret="kiosk-secret-for-tests")) as client:
        yield client


def test_the_page_reads_its_key_map_and_screen(quiet_client, station) -> None:
    body = quiet_client.get("/api/v1/kiosk/voice", headers=KIOSK).json()
    assert body["speech"] == {"mode": False, "jack": False, "volume": 5}
    assert body["keys"]["help"] == "F1" and body["keys"]["enter"] == "Enter"
    assert body["screen"]["min_char_mm"] == 4.8


def test_help_volume_and_the_visits_end(quiet_client) -> None:
    post = lambda **body: quiet_client.post("/api/v1/kiosk/voice", headers=KIOSK, json=body)  # noqa: E731
    assert post(action="help", screen="idle").json()["mode"] is True
    assert post(action="volume_up").json()["volume"] == 6
    assert post(action="tone").status_code == 200 and post(action="repeat").status_code == 200
    assert post(action="end_visit").json() == {"mode": False, "jack": False, "volume": 5}


@pytest.mark.parametrize("body", [{"action": "speak", "screen": "idle"}, {"action": "say", "screen": "Halo"},
                                  {"screen": "idle"}, {"action": "screen", "screen": "Pintu 5"},
                                  {"action": "screen", "screen": "idle", "text": "Halo Siti"},
                                  {"action": "screen", "screen": "idle", "seconds": -1}])
def test_no_words_come_from_the_page(quiet_client, body) -> None:
    answer = quiet_client.post("/api/v1/kiosk/voice", headers=KIOSK, json=body)
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("application/problem+json")
    assert quiet_client.get("/api/v1/kiosk/voice", headers=KIOSK).json()["speech"]["mode"] is False


def test_staff_below_technician_cannot_make_the_kiosk_speak(quiet_client, station) -> None:
    answer = quiet_client.post("/api/v1/kiosk/voice", headers=station.auth("operator"), json={"action": "help"})
    assert answer.status_code == 403


def test_a_screen_the_station_is_not_showing_says_nothing_and_is_no_error(quiet_client) -> None:
    """The API fuzz asked, in speech mode, for the "open" screen while the station showed no door: the
    sentence's door place was missing and the answer was a 500. Now nothing is said, and the answer is 200."""
    post = lambda **body: quiet_client.post("/api/v1/kiosk/voice", headers=KIOSK, json=body)  # noqa: E731
    assert post(action="help", screen="idle").json()["mode"] is True
    assert post(action="screen", screen="open").status_code == 200
    post(action="end_visit")
