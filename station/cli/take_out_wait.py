"""The shell's half of a take-out (ADR 0321): the slot is open, the technician empties it, the sensors confirm.

`station jobs reprint` of a staged document ends here: the daemon opened
the slot for the old copy; this waits until the door is shut with no paper
inside, then asks the daemon to record it (and print again).
"""

from __future__ import annotations

import sys
import time
from typing import Any

from station.config import Config
from station.runtime import ops
from station.vocabulary import door_word, item_word

from . import shell

POLL_S = 0.3


def finish(cfg: Config, opened: dict[str, Any], *, actor: str, timeout: float, say: Any = None) -> dict[str, Any]:
    """Wait (up to `timeout` s) for the slot of `opened` (a `slot.take_out` answer) to be shut and empty, then
    confirm; a `DaemonRefused` (exit 1) naming the door and item when it never is."""
    say = say or (lambda text: print(text, file=sys.stderr))
    slot, job = opened["slot"], opened["job"]
    if opened.get("outcome") not in ("opened", "already_open"):
        raise shell.DaemonRefused(f"slot {slot} did not open ({opened.get('outcome')}): the old copy of {job} is"
                                  " still inside; tell maintenance")
    say(f"slot {slot} is open: take the old copy of {job} out and close the door")
    deadline = time.monotonic() + timeout
    door, item = _sensors(cfg, slot)
    while (door != "closed" or item == "present") and time.monotonic() < deadline:
        time.sleep(POLL_S)
        door, item = _sensors(cfg, slot)
    if door != "closed" or item == "present":
        raise shell.DaemonRefused(f"slot {slot} not confirmed empty ({door_word(door, 'en')}, {item_word(item, 'en')})"
                                  f" after {timeout:g} s: {job} stays staged; run the command again")
    done = shell.call(cfg, ops.SLOT_TAKE_OUT_CONFIRM, {"job": job}, actor=actor)
    say(f"slot {slot}: the old copy of {job} is out; the slot is free")
    return {"job": job, "state": done["state"], "slot": None, "old_slot": slot, "result": done["result"]}


def _sensors(cfg: Config, slot: str) -> tuple[str, str]:
    found = shell.call(cfg, ops.DEVICES_STATUS).get("slots", {}).get(slot, {})
    return str(found.get("door", "unknown")), str(found.get("item", "unknown"))
