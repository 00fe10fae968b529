"""The kiosk's voice for one citizen at a time: speech mode, volume, what was said last, chimes.

Speech mode starts when headphones go into the jack or the help key is
pressed, and ends when they come out (or, started by the key, when the visit
ends). Each visit starts at the default volume. A door that opens chimes, and
one that shuts chimes again (in speech mode into the headphones, otherwise on
the loudspeaker).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from .compose import Utterance
from .player import HEADPHONES, SPEAKER, Player
from .sounds import MAX_VOLUME, Sound

# A screen reached from another chimes: the door (or the dispenser's shutter) opened, or it shut.
CHIMES = {"open": "chime_open", "presented": "chime_open"}
SHUT_AFTER = frozenset({"open", "presented"})


class Voice:
    """Speech mode and volume, shared by the kiosk's requests and the jack's watcher."""

    def __init__(self, player: Player, *, volume_default: int,
                 on_change: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.player = player
        self.volume_default = volume_default
        self.volume = volume_default
        self.jack = False
        self.key_mode = False
        self.last: list[Utterance] = []
        self.shown = "idle"
        self.on_change = on_change
        self._lock = threading.Lock()

    @property
    def mode(self) -> bool:
        return self.jack or self.key_mode

    def state(self) -> dict[str, Any]:
        return {"mode": self.mode, "jack": self.jack, "volume": self.volume}

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(self.state())

    def _out(self) -> str:
        return HEADPHONES if self.mode else SPEAKER

    def set_jack(self, plugged: bool) -> None:
        """The jack's switch: headphones in start speech mode; out, it ends (and nothing more is said)."""
        with self._lock:
            if plugged == self.jack:
                return
            self.jack = plugged
            if not plugged:
                self.key_mode = False
                self.volume = self.volume_default
                self.player.interrupt()
        self._changed()

    def start(self, help_words: list[Utterance], screen_words: list[Utterance]) -> None:
        """The help key: speech mode on, then how the keys work and the screen's sentence."""
        with self._lock:
            self.key_mode = True
        self._changed()
        self.say(help_words + screen_words)

    def screen(self, name: str, words: list[Utterance]) -> None:
        """A new screen: its chime, if a door opened or shut, then its sentence (in speech mode)."""
        with self._lock:
            before, self.shown = self.shown, name
        if before == "thanks" and name == "idle":
            self.end_visit()
        sounds = []
        if name != before:
            if name in CHIMES:
                sounds.append(Sound(CHIMES[name]))
            elif before in SHUT_AFTER and name == "thanks":
                sounds.append(Sound("chime_shut"))
        if self.mode:
            self.last = words
            sounds += [Sound("speech", lang, text) for lang, text in words if text]
        if sounds:
            self.player.play(sounds, to=self._out(), volume=self.volume)

    def say(self, words: list[Utterance]) -> None:
        """Say `words` now (speech mode only), interrupting what was being said."""
        if not self.mode:
            return
        self.last = words
        self.player.play([Sound("speech", lang, text) for lang, text in words if text], to=HEADPHONES,
                         volume=self.volume)

    def repeat(self) -> None:
        self.say(self.last)

    def silence(self) -> None:
        self.player.interrupt()

    def tone(self) -> None:
        """A typed digit: a beep, never the digit; like any key, it stops the words being said."""
        self.player.play([Sound("tone")], to=self._out(), volume=self.volume)

    def step_volume(self, step: int) -> int:
        with self._lock:
            self.volume = max(1, min(MAX_VOLUME, self.volume + step))
        self._changed()
        return self.volume

    def end_visit(self) -> None:
        """The visit is over: the next citizen starts at the default volume; key-started speech mode ends."""
        with self._lock:
            changed = self.key_mode or self.volume != self.volume_default
            self.key_mode = False
            self.volume = self.volume_default
        if changed:
            self._changed()
