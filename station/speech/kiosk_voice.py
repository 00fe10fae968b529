"""The kiosk's voice as a station's configuration describes it: player, geometry, jack."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from station.config import Config

from .jack_watch import JackWatch
from .place import Cabinet, Geometry
from .player import HEADPHONES, SPEAKER, Player
from .voice import Voice


@dataclass
class KioskVoice:
    """What the web process holds for speech: the voice, the locker's geometry, the jack's watcher."""

    voice: Voice
    geometry: Geometry
    tray_below: bool
    jack: JackWatch | None

    def close(self) -> None:
        if self.jack is not None:
            self.jack.stop()
        self.voice.player.close()


def build(cfg: Config, on_change: Callable[[dict[str, Any]], None] | None = None) -> KioskVoice:
    """The voice for `cfg` (its jack followed, if one is configured)."""
    speech = cfg.kiosk.speech
    player = Player(output=speech.output, capture_dir=cfg.path(speech.capture_dir),
                    voices={"id": speech.voice_id, "en": speech.voice_en},
                    words_per_minute=speech.words_per_minute,
                    devices={HEADPHONES: speech.headphone_device, SPEAKER: speech.speaker_device})
    voice = Voice(player, volume_default=speech.volume_default, on_change=on_change)
    cabinets = tuple(Cabinet(board.address, board.locks) for bus in cfg.bus for board in bus.boards)
    geometry = Geometry(cabinets, cfg.api.kiosk_columns, cfg.kiosk.locker.cabinets_side)
    jack = JackWatch(cfg.path(Path(speech.jack_device)), voice).start() if speech.jack_device else None  # type: ignore[arg-type]
    return KioskVoice(voice, geometry, cfg.kiosk.locker.tray_below_screen, jack)
