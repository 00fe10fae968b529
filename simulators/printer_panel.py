"""A simulated printer's front panel as a file: how a fleet run reaches the printer inside each daemon.

The in-process printer (`simulators/printer.py`) lives in the station
daemon, a process of its own. A technician's hands on it (a jam, an empty
tray, an open door, the plug) are written to a small `key=value` file,
as the CUPS lab's control file does for ippeveprinter:

    jam=1          the paper path is jammed now (0: a person cleared it)
    paper=empty    the tray is empty (loaded: paper is back)
    door=open      a door is open (closed)
    power=off      the printer is off (on)

`write_panel` also writes which settings a person just set (`set=jam`):
the printer reads the file when it changed (a `stat` per status poll) and
applies those settings, so "jam=0" clears a jam that happened while
printing, and loading paper does not. (In a file edited by hand, without
`set=`, the settings whose values changed are applied.)
"""

from __future__ import annotations

import os
from pathlib import Path

# The daemon's environment names the panel file of its simulated printer.
PANEL_ENV = "MPP_SIM_PRINTER_PANEL"
SETTINGS = {"jam": ("1", "0"), "paper": ("empty", "loaded"), "door": ("open", "closed"), "power": ("off", "on")}


class PanelError(ValueError):
    """A panel setting that does not exist."""


def write_panel(path: Path, **settings: str) -> None:
    """Change settings on the panel file (atomically; the others stay as they are)."""
    for key, value in settings.items():
        if key not in SETTINGS or value not in SETTINGS[key]:
            raise PanelError(f"bad panel setting {key}={value}: one of "
                             + ", ".join(f"{k}={'|'.join(v)}" for k, v in SETTINGS.items()))
    state = {**read_panel(path), **settings}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(f"{key}={value}\n" for key, value in state.items()) + f"set={','.join(settings)}\n")
    tmp.replace(path)


def read_panel(path: Path) -> dict[str, str]:
    """The settings in a panel file (unknown lines ignored; a missing file says nothing)."""
    return _read(path)[0]


def _read(path: Path) -> tuple[dict[str, str], set[str] | None]:
    """The settings, and which of them were just set (None: the file does not say)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return {}, None
    state: dict[str, str] = {}
    just_set: set[str] | None = None
    for line in text.splitlines():
        key, _, value = line.strip().partition("=")
        if key in SETTINGS and value in SETTINGS[key]:
            state[key] = value
        elif key == "set":
            just_set = set(value.split(",")) & set(SETTINGS)
    return state, just_set


class PanelWatch:
    """Tells the printer what changed on its panel since the last look."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: tuple[int, int] | None = None
        self._state: dict[str, str] = {}

    @classmethod
    def from_environment(cls) -> PanelWatch | None:
        """The watch of the panel file `$MPP_SIM_PRINTER_PANEL` names, if it names one."""
        where = os.environ.get(PANEL_ENV)
        return cls(Path(where)) if where else None

    def changes(self) -> dict[str, bool]:
        """Each setting that changed: True when it became the fault (`jam=1`, `paper=empty`, ...)."""
        try:
            info = self.path.stat()
            mark = (info.st_mtime_ns, info.st_size)
        except OSError:
            return {}
        if mark == self._seen:
            return {}
        self._seen = mark
        state, just_set = _read(self.path)
        changed = {key: value == SETTINGS[key][0] for key, value in state.items()
                   if (key in just_set if just_set is not None else self._state.get(key) != value)}
        self._state = state
        return changed
