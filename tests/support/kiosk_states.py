"""Every state of the kiosk screen, as the daemon's counter publishes them (for the browser tests)."""

from __future__ import annotations

from station.release.kiosk import KioskView, Screen
from station.release.screens import BIN_NOT_EMPTY, DEVICE_UNKNOWN, STATE_REASONS
from station.trust.token import REASONS

DOOR = {"slot": "A-1-05", "board": 1, "door": 5, "session": "s-1"}

# (name, view): every Screen, and every refusal word with its own layout or words.
STATES: list[tuple[str, KioskView]] = [
    ("idle", KioskView(Screen.IDLE)),
    ("checking", KioskView(Screen.CHECKING)),
    ("pin", KioskView(Screen.PIN, session="s-2", reason="pin_required", job={"attempts_left": 5})),
    ("pin-wrong", KioskView(Screen.PIN, session="s-2", reason="pin_wrong", job={"attempts_left": 4, "wrong": True})),
    ("opening", KioskView(Screen.OPENING, **DOOR)),
    ("open", KioskView(Screen.OPEN, **DOOR)),
    ("printing", KioskView(Screen.PRINTING, job={"masked_name": "S*** N*********"})),
    ("presented", KioskView(Screen.PRESENTED, slot="A-1-01")),
    ("thanks", KioskView(Screen.THANKS, slot="A-1-05", job={"masked_name": "S*** N*********", "state": "collected"})),
    ("not-ready", KioskView(Screen.REFUSED, reason="not_ready", job={"state": "printing"})),
    ("held", KioskView(Screen.REFUSED, reason="held", job={"state": "held"})),
    ("not-ready-held", KioskView(Screen.REFUSED, reason="not_ready", job={"state": "held"})),
    ("busy", KioskView(Screen.REFUSED, reason="busy", retry_after_s=45)),
    ("ask-staff", KioskView(Screen.ASK_STAFF, reason="jammed")),
    ("locked-out", KioskView(Screen.LOCKED_OUT, reason="malformed", retry_after_s=60)),
    ("problem-reported", KioskView(Screen.PROBLEM_REPORTED)),
    ("out-of-service", KioskView(Screen.OUT_OF_SERVICE, reason="out_of_service")),
    *[(f"refused-{reason}", KioskView(Screen.REFUSED, reason=reason))
      for reason in dict.fromkeys((*REASONS, *STATE_REASONS, BIN_NOT_EMPTY, DEVICE_UNKNOWN))],
]
