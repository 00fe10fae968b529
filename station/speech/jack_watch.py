"""Follows the headphone jack on a thread of its own and tells the voice when a plug goes in or out."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from drivers.jack import JackSwitch

from .voice import Voice

log = logging.getLogger("station.speech.jack")
POLL_S = 0.25
RETRY_S = 5.0


class JackWatch:
    """Reads the jack's switch until `stop()`; a missing device is looked for again every few seconds."""

    def __init__(self, path: Path, voice: Voice) -> None:
        self.switch = JackSwitch(path)
        self.voice = voice
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="jack", daemon=True)

    def start(self) -> JackWatch:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.switch.close()

    def _run(self) -> None:
        warned = False
        while not self._stop.is_set():
            try:
                self.voice.set_jack(self.switch.open())
                warned = False
                while not self._stop.is_set():
                    state = self.switch.read(POLL_S)
                    if state is not None:
                        self.voice.set_jack(state)
            except OSError as err:
                if not warned:
                    log.warning("headphone jack %s unavailable: %s", self.switch.path, err.strerror or err)
                    warned = True
                self.switch.close()
                self._stop.wait(RETRY_S)
