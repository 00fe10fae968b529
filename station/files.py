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


class NotAPlainFile(OSError):
    """The path names something other than a regular file (a FIFO, a device, a folder), or one too large."""


def read_capped(path: Path, limit: int, *, follow: bool = True) -> bytes:
    """A regular file's bytes, at most `limit`: NotAPlainFile for anything else or anything larger.

    The checks are made on the opened descriptor (fstat), not on the path, and
    the read stops at `limit + 1` bytes whatever the size said: a file swapped
    or growing between a look and a read, a FIFO, or a link to /dev/zero
    costs no more than the cap. O_NONBLOCK keeps open() of a FIFO with no
    writer from waiting forever.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | (0 if follow else os.O_NOFOLLOW)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotAPlainFile(f"not a regular file ({_kind(info.st_mode)})")
        if info.st_size > limit:
            raise NotAPlainFile(f"{info.st_size} bytes, over {limit}")
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise NotAPlainFile(f"more than {limit} bytes")
    return data


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a plain file"


def make_private(root: Path) -> None:
    """Take group and other permissions off `root` and everything under it (symbolic links untouched)."""
    for path in [root, *_walk(root)]:
        try:
            info = path.lstat()
            if not stat.S_ISLNK(info.st_mode) and stat.S_IMODE(info.st_mode) & 0o077:
                path.chmod(stat.S_IMODE(info.st_mode) & 0o700)
        except FileNotFoundError:
            continue  # gone while walking: a WAL another connection checkpointed away, a temp file


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
