"""The command lines that make each sound: espeak-ng for words, sox for tones and chimes.

One place says how a sound is made; `player` decides where it goes (a sound
device, or a WAV file when capturing).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Tones and chimes: sox's synth. A digit is a short beep; a door opening rises, a door shutting falls.
SYNTH = {
    "tone": ["synth", "0.08", "sine", "1200"],
    "chime_open": ["synth", "0.45", "sine", "660-1320"],
    "chime_shut": ["synth", "0.45", "sine", "1320-660"],
}
MAX_VOLUME = 10


@dataclass(frozen=True)
class Sound:
    """One thing to play: words in a language, or a named tone or chime."""

    kind: str          # "speech" or a SYNTH name
    lang: str = ""
    text: str = ""


def speech_command(sound: Sound, *, voice: str, words_per_minute: int, volume: int,
                   wav: Path | None, device: str) -> list[str]:
    """espeak-ng for one sentence: to `wav` when capturing, else to the ALSA `device` (empty: default)."""
    amplitude = str(round(200 * volume / MAX_VOLUME))
    command = ["espeak-ng", "-v", voice, "-s", str(words_per_minute), "-a", amplitude]
    if wav is not None:
        command += ["-w", str(wav)]
    elif device:
        command += ["-d", device]
    return [*command, "--", sound.text]


def synth_command(sound: Sound, *, volume: int, wav: Path | None, device: str) -> list[str]:
    """sox for a tone or chime: into `wav` when capturing, else to the ALSA `device`."""
    target = [str(wav)] if wav is not None else ["-t", "alsa", device or "default"]
    return ["sox", "-q", "-n", "-r", "22050", "-c", "1", *target, *SYNTH[sound.kind], "vol",
            f"{volume / MAX_VOLUME:.2f}"]
