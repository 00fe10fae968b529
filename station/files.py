"""Writing files so that a crash never leaves half of one, and keeping a station's files private."""

from __future__ import annotations

import os
import stat
from pathlib import Path

# Private by default: a station's folder holds personal data (spool, PDFs) and keys.
PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def write_atomic(path: Path, data: bytes, mode: int = PRIVATE_FILE) -> None:
    """Write a file so that a crash leaves the old or the new content, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def make_private(root: Path) -> None:
    """Take group and other permissions off `root` and everything under it (symbolic links untouched)."""
    for path in [root, *_walk(root)]:
        info = path.lstat()
        if not stat.S_ISLNK(info.st_mode) and stat.S_IMODE(info.st_mode) & 0o077:
            path.chmod(stat.S_IMODE(info.st_mode) & 0o700)


def exposed(root: Path) -> list[tuple[Path, int]]:
    """Every path under `root` (itself included) that users other than the owner may use, with its mode."""
    found = []
    for path in [root, *_walk(root)]:
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue  # gone while looking (a temp file, a WAL checkpointed away)
        if not stat.S_ISLNK(info.st_mode) and stat.S_IMODE(info.st_mode) & 0o077:
            found.append((path, stat.S_IMODE(info.st_mode)))
    return found


def _walk(root: Path) -> list[Path]:
    paths: list[Path] = []
    for folder, dirs, files in os.walk(root):
        paths += [Path(folder, name) for name in dirs + files]
    return paths
