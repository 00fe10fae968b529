"""Commands that other packages plug into `station`, through the entry-point group `mpp_station.commands`.

An installed package names each of its commands in that group (its
pyproject's `[project.entry-points."mpp_station.commands"]`, `NAME =
"module:register"`); `register(commands)` adds the command as a product
command module does. The simulation lab plugs `sim` and `simulate` in this
way, so the product names no lab module, not even as a string.

A plugin is imported only when the command line may need it: its own
command, or the list of all commands (`station`, `station --help`, an unknown
command's error). `station run` and every product command load none.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from importlib.metadata import EntryPoint, entry_points

GROUP = "mpp_station.commands"

# The top-level options that take a value (the value is not the command word).
_VALUED = {"--config"}


def installed() -> list[EntryPoint]:
    """The plugged-in commands, by name (reading the metadata imports none of them)."""
    return sorted(entry_points(group=GROUP), key=lambda point: point.name)


def register(commands: argparse._SubParsersAction, points: Sequence[EntryPoint]) -> None:
    """Add each plugged-in command that no product command has taken (a plugin cannot replace one)."""
    for point in points:
        if point.name not in commands.choices:
            point.load()(commands)


def command_word(argv: Sequence[str]) -> str | None:
    """The command the line asks for (`station --config F run` -> "run"); None for none or top-level help."""
    words = iter(argv)
    for word in words:
        if word in ("-h", "--help"):
            return None
        if word in _VALUED:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def wanted(argv: Sequence[str], product: set[str]) -> bool:
    """Whether this command line needs the plugins: anything but a product command does."""
    return command_word(argv) not in product
