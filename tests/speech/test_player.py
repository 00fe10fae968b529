"""(issue 24) The station's voice through the real espeak-ng and sox, into the capture sink."""

from __future__ import annotations

import pytest
from patience import wait
from speech_support import rms, spoken

from station.speech.player import HEADPHONES, SPEAKER, Player
from station.speech.sounds import Sound
from station.speech.voice import Voice

pytestmark = pytest.mark.integration  # espeak-ng and sox are child processes


def _player(tmp_path, output: str = "capture") -> Player:
    return Player(output=output, capture_dir=tmp_path, voices={"id": "id", "en": "en-us"}, words_per_minute=170,
                  devices={HEADPHONES: "", SPEAKER: ""})


def test_each_sound_is_a_wav_that_sox_hears_and_louder_is_louder(tmp_path) -> None:
    player = _player(tmp_path)
    try:
        player.play([Sound("speech", "id", "Ambil dokumen Anda"), Sound("tone")], to=HEADPHONES, volume=2)
        wait(lambda: len(spoken(tmp_path)) == 2, 20, "two sounds")
        player.play([Sound("speech", "id", "Ambil dokumen Anda")], to=HEADPHONES, volume=10)
        wait(lambda: len(spoken(tmp_path)) == 3, 20, "the louder one")
    finally:
        player.close()
    quiet, tone, loud = spoken(tmp_path)
    assert (quiet["kind"], quiet["lang"], quiet["output"]) == ("speech", "id", "headphones")
    assert tone["kind"] == "tone" and tone["text"] == ""
    assert 0 < rms(tmp_path / quiet["file"]) < rms(tmp_path / loud["file"])
    assert rms(tmp_path / tone["file"]) > 0.01


def test_off_is_silent(tmp_path) -> None:
    player = _player(tmp_path, "off")
    player.play([Sound("speech", "en", "Hello")], to=SPEAKER, volume=5)
    player.close()
    assert spoken(tmp_path) == []


def test_speech_mode_volume_and_the_next_citizen(tmp_path) -> None:
    changes: list[dict] = []
    voice = Voice(_player(tmp_path), volume_default=5, on_change=changes.append)
    try:
        voice.screen("idle", [("id", "Selamat datang"), ("en", "Welcome")])  # not in speech mode: nothing
        voice.start([("id", "Mode suara aktif"), ("en", "Speech mode is on")], [])
        assert voice.mode and changes[-1]["mode"] is True
        assert voice.step_volume(+1) == 6 and voice.step_volume(+9) == 10
        wait(lambda: len(spoken(tmp_path)) == 2, 30, "help")  # (a new screen would cut it short)
        voice.screen("open", [("id", "Pintu terbuka"), ("en", "The door is open")])
        wait(lambda: len(spoken(tmp_path)) == 5, 30, "a chime, the door")
        voice.screen("thanks", [("id", "Terima kasih"), ("en", "Thank you")])
        wait(lambda: len(spoken(tmp_path)) == 8, 30, "a chime, thanks")
        voice.screen("idle", [("id", "Selamat datang"), ("en", "Welcome")])
        assert voice.state() == {"mode": False, "jack": False, "volume": 5}  # the next citizen
        voice.set_jack(True)
        assert voice.mode
    finally:
        voice.player.close()
    kinds = [(e["kind"], e["lang"]) for e in spoken(tmp_path)]
    assert kinds == [("speech", "id"), ("speech", "en"), ("chime_open", ""), ("speech", "id"), ("speech", "en"),
                     ("chime_shut", ""), ("speech", "id"), ("speech", "en")]
    assert not any("Selamat datang" in e["text"] for e in spoken(tmp_path))


def test_any_key_cuts_the_words_short(tmp_path) -> None:
    player = _player(tmp_path)
    long = "Selamat datang di Mal Pelayanan Publik. " * 40
    try:
        player.play([Sound("speech", "id", long)] * 3, to=HEADPHONES, volume=5)
        player.interrupt()
        player.play([Sound("speech", "en", "Volume six.")], to=HEADPHONES, volume=6)
        wait(lambda: any(e["text"] == "Volume six." for e in spoken(tmp_path)), 30, "the new words")
    finally:
        player.close()
    assert sum(e["text"] == long for e in spoken(tmp_path)) <= 1
