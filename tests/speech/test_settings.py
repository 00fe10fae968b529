"""(issue 24) The [kiosk.*] configuration: the example file's values, and a key map that cannot be ambiguous."""

from __future__ import annotations

import pytest

from station import config


def test_the_example_describes_the_kiosk() -> None:
    cfg = config.load(config.EXAMPLE, environ={})
    assert cfg.kiosk.speech.output == "audio" and cfg.kiosk.speech.volume_default == 5
    assert cfg.kiosk.keypad.help == "F1" and cfg.kiosk.screen.min_char_mm == 4.8
    assert cfg.kiosk.locker.cabinets_side == "right"


@pytest.mark.parametrize("keypad", [{"help": "Enter"}, {"repeat": "5"}, {"volume_up": "-"}])
def test_a_key_map_where_one_key_means_two_things_is_refused(tmp_path, keypad) -> None:
    with pytest.raises(config.ConfigError, match="a key of its own"):
        config.from_dict({"kiosk": {"keypad": keypad}}, base_dir=tmp_path, environ={})


def test_a_bad_voice_or_volume_is_refused(tmp_path) -> None:
    for speech in ({"voice_id": "id; rm -rf /"}, {"volume_default": 11}, {"output": "loud"}):
        with pytest.raises(config.ConfigError, match="kiosk.speech"):
            config.from_dict({"kiosk": {"speech": speech}}, base_dir=tmp_path, environ={})


def test_the_environment_sets_a_kiosk_setting(tmp_path) -> None:
    cfg = config.load(config.EXAMPLE, environ={"STATION_KIOSK_SPEECH_OUTPUT": "capture",
                                               "STATION_KIOSK_KEYPAD_HELP": "F9",
                                               "STATION_KIOSK_SCREEN_DIAGONAL_INCHES": "43"})
    assert (cfg.kiosk.speech.output, cfg.kiosk.keypad.help, cfg.kiosk.screen.diagonal_inches) == ("capture", "F9", 43)
