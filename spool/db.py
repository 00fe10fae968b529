"""Opening the spool: SQLite in WAL mode with durable commits, migrated.

The database file is created owner-only (0600); SQLite creates its WAL and
SHM files with the same mode. Every change goes through `write()`, one `BEGIN IMMEDIATE` transaction that
commits with `synchronous=FULL`, so that a commit that returned is on disk.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import SpoolError
from .schema import MIGRATIONS, SCHEMA_VERSION

BUSY_TIMEOUT_MS = 10_000


def connect(path: str | Path, *, create: bool = False, readonly: bool = False) -> sqlite3.Connection:
    """Open the spool at `path`, applying any pending migrations.

    `create=False` refuses a path that does not exist yet, so that a typo in
    a configuration never silently starts an empty spool.
    """
    path = Path(path)
    if not create and not path.exists():
        raise SpoolError(f"no spool at {path} (run 'station init' first, or check --config)")
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Owner-only from the first byte: SQLite gives the WAL and SHM files the database's mode.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    try:
        if readonly:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None,
                                   check_same_thread=False)
        else:
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        # (issue 22) What is deleted or overwritten (personal data cleared by retention) is zeroed on disk,
        # not left in free space for anyone who reads the file.
        conn.execute("PRAGMA secure_delete = ON")
        if not readonly:
            _migrate(conn)
        else:
            _check_version(conn)
    except sqlite3.DatabaseError as err:
        raise SpoolError(f"cannot open spool {path}: {err}") from err
    return conn


def _check_version(conn: sqlite3.Connection) -> int:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise SpoolError(
            f"spool schema version {version} is newer than this station software "
            f"understands ({SCHEMA_VERSION}); upgrade the software")
    return version


def _migrate(conn: sqlite3.Connection) -> None:
    version = _check_version(conn)
    for number in range(version, SCHEMA_VERSION):
        with write(conn):
            # Another process (the daemon, its web process, a command) may have applied it since we
            # looked: look again under the write lock.
            if conn.execute("PRAGMA user_version").fetchone()[0] > number:
                continue
            for statement in _statements(MIGRATIONS[number]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number + 1}")


def _statements(script: str) -> Iterator[str]:
    """Split a migration into statements (executescript would commit early)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                yield buffer
            buffer = ""
    if buffer.strip():
        yield buffer


# Callbacks waiting for the commit of a connection's transaction (by connection id).
_AFTER_COMMIT: dict[int, list[Callable[[], None]]] = {}
# One write transaction at a time in this process (re-entrant: a thread may write two spools at once).
_WRITERS = threading.RLock()


def after_commit(conn: sqlite3.Connection, callback: Callable[[], None]) -> None:
    """Run `callback` once the transaction in progress has committed (at once if none is open).

    What is announced after a commit is durable: a rolled-back change is never announced.
    """
    if conn.in_transaction:
        _AFTER_COMMIT.setdefault(id(conn), []).append(callback)
    else:
        callback()


def truncate_wal(conn: sqlite3.Connection) -> bool:
    """Copy the WAL into the database and truncate it to zero bytes; False when a reader kept it from finishing.

    (issue 22) The WAL keeps old page images (personal data that retention cleared) until it is
    checkpointed and cut: after each retention pass.
    """
    busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return not busy


def vacuum(conn: sqlite3.Connection) -> None:
    """Rebuild the database file (free pages dropped), then cut the WAL the rebuild wrote."""
    conn.execute("VACUUM")
    truncate_wal(conn)


# (issue 22) Who hears that the disk refused a write: a read-only file system, an I/O error, a full disk.
_STORAGE_LISTENERS: list[Callable[[str, str], None]] = []
# SQLite's primary result codes for each (the extended code's low byte).
_STORAGE_CODES = {8: "read_only", 10: "io_error", 13: "disk_full", 14: "io_error"}


def on_storage_error(listener: Callable[[str, str], None]) -> Callable[[], None]:
    """Call `listener(word, detail)` whenever a spool write fails for the disk's sake; returns the unsubscribe."""
    _STORAGE_LISTENERS.append(listener)
    return lambda: _STORAGE_LISTENERS.remove(listener) if listener in _STORAGE_LISTENERS else None


def storage_error(err: BaseException) -> str | None:
    """`read_only`, `io_error` or `disk_full` when `err` is the disk refusing a write, else None."""
    code = getattr(err, "sqlite_errorcode", None)
    return _STORAGE_CODES.get(code & 0xFF) if isinstance(err, sqlite3.Error) and isinstance(code, int) else None


def _report(err: BaseException) -> None:
    word = storage_error(err)
    if word is not None:
        for listener in list(_STORAGE_LISTENERS):
            listener(word, str(err))


@contextlib.contextmanager
def write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One durable write transaction: all of it commits, or none of it."""
    if conn.in_transaction:
        # Nested use joins the outer transaction (savepoints are not needed:
        # an error anywhere rolls the whole unit back).
        yield conn
        return
    # Writers of this process take turns on a lock first: a waiter wakes the moment the other commits,
    # where SQLite's busy handler would sleep 1, 2, 5 ms... (a release behind a render commit paid that).
    # Other processes still meet SQLite's own lock. A turn not had in time falls back to SQLite's handler.
    turn = _WRITERS.acquire(timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as err:
            _report(err)
            raise
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as err:
            _AFTER_COMMIT.pop(id(conn), None)
            if conn.in_transaction:  # a failed COMMIT (disk I/O) may have rolled back already
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            _report(err)
            raise
    finally:
        if turn:
            _WRITERS.release()
    for callback in _AFTER_COMMIT.pop(id(conn), ()):
        callback()


@contextlib.contextmanager
def savepoint(conn: sqlite3.Connection, name: str = "step") -> Iterator[sqlite3.Connection]:
    """A part of the caller's transaction that an error undoes alone (the error still propagates)."""
    if not name.isidentifier():
        raise ValueError(f"bad savepoint name {name!r}")
    conn.execute(f"SAVEPOINT {name}")
    try:
        yield conn
    except BaseException:
        conn.execute(f"ROLLBACK TO {name}")
        conn.execute(f"RELEASE {name}")
        raise
    conn.execute(f"RELEASE {name}")
