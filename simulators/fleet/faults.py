"""Faults a technician types at a fleet simulation (or passes as `--fault`): `jam 3`, `bus-down 5`, `kill 2`.

Each names what happens and the station (1 to N, as listed at start). The
words are parsed here; `FleetSimulation.inject` carries them out on the real
parts: the printer's panel file inside that station's daemon, its lock-bus
simulator's port, its daemon process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import SimulatorError

FAULTS = {
    "jam": "the printer jams (it reports media-jam until cleared)",
    "clear": "a technician clears the printer (jam, paper and door faults go)",
    "paper-out": "the printer's tray is empty",
    "bus-down": "the lock bus's USB adapter is pulled (the port vanishes)",
    "bus-up": "the adapter is plugged back in",
    "kill": "SIGKILL the station's daemon, for good (its web process stops with it)",
    "start": "start a killed daemon again",
}


class FaultError(SimulatorError):
    """A fault command that does not parse."""


@dataclass(frozen=True)
class Fault:
    """One fault for one station (`station` counts from 1)."""

    name: str
    station: int

    def __str__(self) -> str:
        return f"{self.name} {self.station}"


def parse_fault(text: str, stations: int) -> Fault:
    """`jam 3` -> Fault("jam", 3); `FaultError` with the vocabulary for anything else."""
    words = text.split()
    if len(words) != 2 or words[0] not in FAULTS or not is_number(words[1]):
        raise FaultError(f"bad fault {text.strip()!r}: expected NAME STATION, NAME one of {', '.join(FAULTS)}")
    number = int(words[1])
    if not 1 <= number <= stations:
        raise FaultError(f"no station {number}: stations are numbered 1 to {stations}")
    return Fault(words[0], number)


def is_number(word: str) -> bool:
    """A plain decimal number a person typed (`"³".isdigit()` is true, and no number)."""
    return re.fullmatch(r"[0-9]{1,6}", word) is not None


def describe() -> str:
    """The vocabulary, one fault a line (for --help and the `help` command)."""
    return "\n".join(f"  {name + ' N':<13} {meaning}" for name, meaning in FAULTS.items())
