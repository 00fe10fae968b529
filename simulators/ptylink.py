"""A pseudo-terminal whose device end is published at a symlink: where a simulator plugs in.

The simulator keeps the controller end (the master) and also holds the
device end open, so the line stays up between a driver's sessions; the
device end is put in raw mode, so no byte (0x03, 0x11, 0x13...) is ever
taken for a terminal control character before the driver configures it.
"""

from __future__ import annotations

import os
import tty
from pathlib import Path

from .errors import SimulatorError


class PtyLink:
    """One pseudo-terminal pair, its device end reachable at `link`."""

    def __init__(self, link: str | os.PathLike[str]) -> None:
        self.link = Path(link)
        self.master: int | None = None
        self.device: str | None = None
        self._slave: int | None = None

    @property
    def is_open(self) -> bool:
        """Whether the pair exists (and the link points at it)."""
        return self.master is not None

    def open(self) -> int:
        """Create the pair and the link; returns the controller end's descriptor."""
        if self.link.exists() and not self.link.is_symlink():
            raise SimulatorError(f"{self.link} exists and is not a link: refusing to replace it")
        self.link.parent.mkdir(parents=True, exist_ok=True)
        master, slave = os.openpty()
        tty.setraw(slave)
        device = os.ttyname(slave)
        temporary = self.link.with_name(f".{self.link.name}.{os.getpid()}.tmp")
        try:
            temporary.unlink(missing_ok=True)
            temporary.symlink_to(device)
            temporary.replace(self.link)  # atomic: a driver never sees a half-made link
        except OSError as err:
            os.close(master)
            os.close(slave)
            raise SimulatorError(f"cannot create the link {self.link}: {err.strerror}") from None
        self.master, self._slave, self.device = master, slave, device
        return master

    def close(self) -> None:
        """Remove the link (if it is still ours) and close both ends: to a driver, the port vanished."""
        if self.device is not None:
            try:
                if self.link.is_symlink() and os.readlink(self.link) == self.device:
                    self.link.unlink()
            except OSError:
                pass  # someone else replaced or removed it: theirs now
        for fd in (self.master, self._slave):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.master = self._slave = self.device = None
