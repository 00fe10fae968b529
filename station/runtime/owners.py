"""Who owns a station's files: the station's user alone (`station doctor`, issue 21).

A trust store, a key or a folder that belongs to another user can be
changed by that user whatever its mode: they could trust their own issuer
key or swap the station key. So every path of the station must belong to
the user the station runs as, and what a symbolic link points to as well
(a link is only as private as its target). Devices are left to the serial
check: a serial port belongs to root and the `dialout` group by design.
"""

from __future__ import annotations

import os
import pwd
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

# Writable by the group or by others: anyone in them could change it.
WRITABLE_BY_OTHERS = stat.S_IWGRP | stat.S_IWOTH


def user_name(uid: int) -> str:
    """`name` for a known uid, else the number."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _paths(root: Path) -> Iterator[Path]:
    yield root
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            yield Path(folder, name)


def problems(roots: Iterable[Path], uid: int | None = None) -> Iterator[tuple[str, str]]:
    """(problem, fix) for each path under `roots` that another user owns, and each link target that
    another user owns or may write."""
    uid = os.geteuid() if uid is None else uid
    me = user_name(uid)
    targets: set[Path] = set()
    for root in roots:
        for path in _paths(root):
            try:
                info = path.lstat()
            except FileNotFoundError:
                continue  # gone while looking (a temp file, a WAL checkpointed away)
            if stat.S_ISLNK(info.st_mode):
                targets.add(path.resolve())
            elif info.st_uid != uid:
                yield (f"{path} belongs to {user_name(info.st_uid)}, not to the station's user {me}:"
                       " that user can change it", f"chown {me} {path}")
    for target in sorted(targets):
        try:
            info = target.stat()
        except OSError:
            continue  # a dangling link: the check that uses it says so
        if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
            continue  # a device (serial port, scanner): the serial check looks at those
        if info.st_uid != uid:
            yield (f"{target} (a link points there) belongs to {user_name(info.st_uid)}, not to the"
                   f" station's user {me}: that user can change it", f"chown {me} {target}")
        elif info.st_mode & WRITABLE_BY_OTHERS:
            yield (f"{target} (a link points there) is mode {stat.S_IMODE(info.st_mode):04o}: other users"
                   " can change it", f"chmod go-w {target}")
