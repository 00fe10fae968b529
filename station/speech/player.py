"""The station's voice: one worker thread plays sounds in order; a new screen or any key interrupts.

Where sound goes: in speech mode into the headphones only (the loudspeaker
stays silent, ADA 707.4); outside it only chimes and tones, on the
loudspeaker. With `output = "capture"` every sound is written to a WAV file
instead and logged, one JSON line each (`speech.jsonl`: what was said, in
which language, to which output), so tests can listen to what a citizen hears.
"""

from __future__ import annotations

import json
import logging
import queue
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .sounds import MAX_VOLUME, Sound, speech_command, synth_command

log = logging.getLogger("station.speech")

HEADPHONES, SPEAKER = "headphones", "speaker"
LOG_NAME = "speech.jsonl"
SOUND_TIMEOUT_S = 60.0


class Player:
    """Plays `Sound`s one after another on a thread of its own; `interrupt()` stops what plays and what waits."""

    def __init__(self, *, output: str, capture_dir: Path | None, voices: dict[str, str], words_per_minute: int,
                 devices: dict[str, str]) -> None:
        self.output = output
        self.capture_dir = capture_dir
        self.voices = voices
        self.words_per_minute = words_per_minute
        self.devices = devices
        self._queue: queue.Queue[tuple[int, Sound, str, int] | None] = queue.Queue()
        self._generation = 0
        self._lock = threading.Lock()
        self._current: subprocess.Popen[bytes] | None = None  # the words being said now (tones finish)
        self._count = 0
        self._thread: threading.Thread | None = None
        self._warned = False  # a missing sound device is said once, not for every sound
        if output == "capture" and capture_dir is not None:
            capture_dir.mkdir(parents=True, exist_ok=True)
            self._count = sum(1 for _ in capture_dir.glob("*.wav"))

    def play(self, sounds: list[Sound], *, to: str, volume: int, interrupt: bool = True) -> None:
        """Queue `sounds` for `to` (headphones or speaker); by default what played before stops first."""
        if self.output == "off":
            return
        if interrupt:
            self.interrupt()
        with self._lock:
            generation = self._generation
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="speech", daemon=True)
                self._thread.start()
        for sound in sounds:
            self._queue.put((generation, sound, to, max(1, min(MAX_VOLUME, volume))))

    def interrupt(self) -> None:
        """Stop the words being said and drop those waiting; a tone or chime always sounds in full."""
        with self._lock:
            self._generation += 1
            current = self._current
        if current is not None and current.poll() is None:
            current.terminate()

    def close(self) -> None:
        """Stop at once; the thread ends."""
        self.interrupt()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            generation, sound, to, volume = item
            if generation != self._generation and sound.kind == "speech":
                continue
            try:
                self._play_one(sound, to, volume, lambda: generation == self._generation)
            except (OSError, subprocess.SubprocessError) as err:
                self._warn("speech: cannot play a %s sound: %s", sound.kind, err)

    def _play_one(self, sound: Sound, to: str, volume: int, current: Callable[[], bool]) -> None:
        wav = None
        if self.output == "capture" and self.capture_dir is not None:
            self._count += 1
            wav = self.capture_dir / f"{self._count:04d}-{sound.kind}{'-' + sound.lang if sound.lang else ''}.wav"
        device = self.devices.get(to, "")
        if sound.kind == "speech":
            command = speech_command(sound, voice=self.voices[sound.lang], words_per_minute=self.words_per_minute,
                                     volume=volume, wav=wav, device=device)
        else:
            command = synth_command(sound, volume=volume, wav=wav, device=device)
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE)
        if sound.kind == "speech":
            with self._lock:
                self._current = process
        try:
            _, err = process.communicate(timeout=SOUND_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise
        finally:
            with self._lock:
                if self._current is process:
                    self._current = None
        if process.returncode != 0:
            if current():  # not an interrupt: the tool failed
                self._warn("speech: %s exited %s: %s", command[0], process.returncode,
                           err.decode("utf-8", "replace").strip().splitlines()[-1:])
            return
        if wav is not None:
            self._log({"n": self._count, "kind": sound.kind, "lang": sound.lang, "text": sound.text,
                       "file": wav.name, "output": to, "volume": volume})

    def _warn(self, message: str, *args: Any) -> None:
        (log.debug if self._warned else log.warning)(message, *args)
        self._warned = True

    def _log(self, entry: dict[str, Any]) -> None:
        assert self.capture_dir is not None
        with (self.capture_dir / LOG_NAME).open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")
