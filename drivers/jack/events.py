"""Linux `struct input_event` (linux/input.h): a timeval, then type, code and value.

    struct input_event { struct timeval time; __u16 type; __u16 code; __s32 value; };

Native sizes and alignment (`@`): 24 bytes on 64-bit Linux, 16 on 32-bit. A
jack reports SW_HEADPHONE_INSERT with value 1 when a plug goes in, 0 when it
comes out, each followed by an EV_SYN report.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

EV_SYN = 0x00
EV_SW = 0x05
SW_HEADPHONE_INSERT = 0x02
FORMAT = struct.Struct("@llHHi")
SIZE = FORMAT.size


@dataclass(frozen=True)
class InputEvent:
    seconds: int
    microseconds: int
    type: int
    code: int
    value: int


def decode(data: bytes) -> tuple[list[InputEvent], bytes]:
    """The whole events in `data`, and the bytes left over (the start of the next one)."""
    whole = len(data) - len(data) % SIZE
    events = [InputEvent(*FORMAT.unpack_from(data, at)) for at in range(0, whole, SIZE)]
    return events, data[whole:]


def encode(event: InputEvent) -> bytes:
    return FORMAT.pack(event.seconds, event.microseconds, event.type, event.code, event.value)
