"""Slot names: `A-1-05` is bus A, board address 1, lock 5 (PROTOCOLS.md §1 names `1-05` within a bus).

The bus is part of the name so that two buses may each carry a board 1.
People may still type the short form `1-05` where only one bus has a
board 1 (`Locker.resolve`).
"""

from __future__ import annotations

import re

SLOT_NAME = re.compile(r"^([A-Za-z0-9]{1,8})-([1-9][0-9]?)-([0-9]{2})$")
SHORT_NAME = re.compile(r"^([1-9][0-9]?)-([0-9]{2})$")


class BadSlotName(ValueError):
    """Text that is not a slot name."""


def slot_name(bus: str, board: int, lock: int) -> str:
    """The name of lock `lock` on board `board` of bus `bus`: `A-1-05`."""
    if not (1 <= board <= 99 and 1 <= lock <= 99):
        raise BadSlotName(f"no slot name for board {board}, lock {lock}")
    return f"{bus}-{board}-{lock:02d}"


def parse_slot_name(text: str) -> tuple[str, int, int]:
    """`"A-1-05"` -> `("A", 1, 5)`; `BadSlotName` for anything else."""
    match = SLOT_NAME.match(text or "")
    if not match or int(match.group(3)) == 0:
        raise BadSlotName(f"bad slot name {text!r}: expected BUS-BOARD-LOCK such as A-1-05")
    return match.group(1), int(match.group(2)), int(match.group(3))


def parse_short_name(text: str) -> tuple[int, int] | None:
    """`"1-05"` -> `(1, 5)`: the bus-local form of PROTOCOLS.md §1; None if `text` is not one."""
    match = SHORT_NAME.match(text or "")
    if not match or int(match.group(2)) == 0:
        return None
    return int(match.group(1)), int(match.group(2))


def short_name(board: int, lock: int) -> str:
    """The bus-local name of PROTOCOLS.md §1: `1-05`."""
    return slot_name("x", board, lock)[2:]
