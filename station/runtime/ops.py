"""The control socket's command names, one scheme: `noun.verb` (ADR 0262).

The noun is what the command is about (`job`, `slot`, `alarm`, `kiosk`,
`station`, a part's name), the verb what it does, in snake_case when it
needs two words (`job.confirm_collected`). Every caller names a command
through these constants, so a rename is one edit and a typo is an import
error, not a 404 at run time. `ControlServer.register` refuses a name
outside the scheme.
"""

from __future__ import annotations

import re
from typing import Final

NAME: Final = re.compile(r"^[a-z]+\.[a-z]+(?:_[a-z]+)*$")

# The station as a whole.
STATION_PING: Final = "station.ping"
STATION_STATUS: Final = "station.status"
STATION_READINESS: Final = "station.readiness"
EVENTS_SUBSCRIBE: Final = "events.subscribe"  # served by the socket itself: the live event stream

# What a part reports of itself.
DEVICES_STATUS: Final = "devices.status"
DISK_STATUS: Final = "disk.status"
BACKOFFICE_STATUS: Final = "backoffice.status"
SCANNER_NOISE: Final = "scanner.noise"

# The citizen at the kiosk.
KIOSK_VIEW: Final = "kiosk.view"
KIOSK_SCAN: Final = "kiosk.scan"
KIOSK_PIN: Final = "kiosk.pin"
KIOSK_CODE: Final = "kiosk.code"              # (issue 24) the typed pickup code, PROTOCOLS §4.1
KIOSK_PIN_CANCEL: Final = "kiosk.pin_cancel"  # (issue 24) the citizen leaves the PIN pad

# Staff actions.
JOB_RETRY: Final = "job.retry"
JOB_CANCEL: Final = "job.cancel"
JOB_EXTEND: Final = "job.extend"
JOB_REPRINT: Final = "job.reprint"
JOB_MOVE: Final = "job.move"
JOB_CONFIRM_COLLECTED: Final = "job.confirm_collected"
JOB_PAPER_INSIDE: Final = "job.paper_inside"
JOB_TRAY_CHECKED: Final = "job.tray_checked"
JOB_HANDOVER: Final = "job.handover"  # (issue 24) a PIN-locked document, after staff checked the KTP
SLOT_OPEN: Final = "slot.open"
SLOT_TAKE_OUT: Final = "slot.take_out"                  # open a take-out task's slot (ADR 0321)
SLOT_TAKE_OUT_CONFIRM: Final = "slot.take_out_confirm"  # its sensors say empty: record it
ALARM_LIST: Final = "alarm.list"
ALARM_ACK: Final = "alarm.ack"

ALL: Final = frozenset(value for key, value in dict(globals()).items() if key.isupper() and isinstance(value, str))


def check(op: str) -> str:
    """`op`, once it follows the scheme (`ValueError` otherwise: a programming error, caught at start)."""
    if not NAME.match(op):
        raise ValueError(f"control command {op!r} does not follow the noun.verb scheme (station/runtime/ops.py)")
    return op
