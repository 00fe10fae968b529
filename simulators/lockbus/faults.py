"""The lock-bus simulator's fault vocabulary: `NAME[@TARGET][=VALUE]`.

TARGET is a board address (`2`) or a slot (`1-05`); without it a fault
applies to every board (or lock). The same text works on the command line
(`--fault late@1=2000`) and, while the simulator runs, on its standard input
(`fault late@1=2000`, `clear late@1`, `clear`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import SimulatorError


@dataclass(frozen=True)
class FaultKind:
    """What a fault name means and which targets and values it takes."""

    name: str
    target: str        # "bus", "board" or "slot" (a slot fault also takes a whole board)
    value: str | None  # what VALUE is: "ms", "s", "count", or None
    default: float | None
    oneshot: bool      # an action done once, not a lasting condition
    help: str


KINDS = {kind.name: kind for kind in (
    FaultKind("noreply", "board", "count", None, False,
              "the board acts on requests but drops its replies (=N: the next N only)"),
    FaultKind("late", "board", "ms", 2000, False, "replies come VALUE ms late"),
    FaultKind("burst", "board", "ms", 10, False, "replies are split into bursts VALUE ms apart"),
    FaultKind("badsum", "board", "count", None, False, "replies carry a wrong checksum (=N: the next N)"),
    FaultKind("echo", "bus", None, None, False, "the adapter echoes every byte the host sends"),
    FaultKind("silent", "board", None, None, False, "the board is dead: no reply, no action"),
    FaultKind("vanish", "bus", "s", 2, True, "the port disappears for VALUE s (0: until cleared)"),
    FaultKind("invert", "board", None, None, False, "the board reports inverted feedback polarity"),
    FaultKind("jam", "slot", None, None, False, "the latch is jammed: unlocks do not open the door"),
    FaultKind("forced", "slot", None, None, True, "the door is opened by hand, with no unlock"),
    FaultKind("leftopen", "slot", None, None, False, "a door that opened is never closed again"),
    FaultKind("keepitem", "slot", None, None, False, "the item is not taken out when the door opens"),
    FaultKind("powercycle", "board", "s", 1, True, "the board loses power for VALUE s, then restarts"),
)}

# A slot may be named with its station bus too (`jam@A-1-05`): the simulator is one bus.
_SPEC = re.compile(r"^(?P<name>[a-z]+)(?:@(?:[A-Za-z0-9]{1,8}-(?=[0-9]{1,2}-))?(?P<board>[0-9]{1,2})"
                   r"(?:-(?P<lock>[0-9]{1,2}))?)?"
                   r"(?:=(?P<value>[0-9]+(?:\.[0-9]+)?))?$")


class FaultError(SimulatorError):
    """A fault text that does not parse."""


@dataclass(frozen=True)
class Fault:
    """One fault: a kind, where it applies and its value."""

    name: str
    board: int | None = None
    lock: int | None = None
    value: float | None = None

    @property
    def kind(self) -> FaultKind:
        """What this fault's name means."""
        return KINDS[self.name]

    def applies(self, board: int, lock: int | None = None) -> bool:
        """Whether it touches this board (and lock)."""
        if self.board is not None and self.board != board:
            return False
        return self.lock is None or lock is None or self.lock == lock

    def __str__(self) -> str:
        text = self.name
        if self.board is not None:
            text += f"@{self.board}" + (f"-{self.lock:02d}" if self.lock is not None else "")
        if self.value is not None:
            text += f"={self.value:g}"
        return text


def parse_fault(spec: str) -> Fault:
    """`late@1=2000` -> Fault; `FaultError` with the list of names for anything else."""
    match = _SPEC.match(spec.strip())
    if not match or match["name"] not in KINDS:
        raise FaultError(f"bad fault {spec!r}: expected NAME[@BOARD[-LOCK]][=VALUE], NAME one of "
                         f"{', '.join(KINDS)}")
    kind = KINDS[match["name"]]
    board = int(match["board"]) if match["board"] else None
    lock = int(match["lock"]) if match["lock"] else None
    if kind.target == "bus" and board is not None:
        raise FaultError(f"fault {kind.name} applies to the whole bus: no @TARGET")
    if kind.target == "board" and lock is not None:
        raise FaultError(f"fault {kind.name} applies to a board: use @BOARD, not a slot")
    if kind.name == "forced" and lock is None:
        raise FaultError("fault forced needs a slot: forced@1-05")
    if board == 0 or lock == 0:
        raise FaultError(f"bad fault {spec!r}: boards and locks count from 1")
    if match["value"] is not None and kind.value is None:
        raise FaultError(f"fault {kind.name} takes no value")
    value = float(match["value"]) if match["value"] is not None else kind.default
    return Fault(kind.name, board, lock, value)


def describe() -> str:
    """The vocabulary, one fault a line (for --help)."""
    width = max(len(name) for name in KINDS) + 9
    lines = []
    for kind in KINDS.values():
        target = {"bus": "", "board": "@B", "slot": "@B-LL"}[kind.target]
        value = f"={kind.value.upper()}" if kind.value else ""
        lines.append(f"  {(kind.name + target + value):<{width}} {kind.help}")
    return "\n".join(lines)
