"""The station's cursors and facts, each behind one named, typed accessor.

The `station` table is a key-value store. Code outside this module never
names a key: a cursor read or written under two spellings, or parsed two
ways, would silently move the wrong mark. The keys and stored forms are
those spools have always had (no migration: an old spool keeps its values).

- `FEED`: the back office's page cursor after the last page taken (opaque text);
- `LAST_VACUUM`: when retention last rebuilt the file (a UTC time);
- `STATION_ID`: the station's id, written once by `station init`;
- `template_version(...)`: the highest accepted version of each template.

(`audit.LATEST_KEY`, the clock guard, stays with the audit chain that keeps it.)
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from . import rfc3339
from .db import write
from .errors import SpoolError

T = TypeVar("T")


class BadCursor(SpoolError):
    """A stored value cannot be read as its cursor's type."""

    def __init__(self, key: str, text: str) -> None:
        super().__init__(f"spool: {key} holds {text!r}, which cannot be read")
        self.key = key
        self.text = text


def _read(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM station WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def _upsert(conn: sqlite3.Connection, key: str, text: str) -> None:
    with write(conn):
        conn.execute("INSERT INTO station (key, value) VALUES (?, ?)"
                     " ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, text))


@dataclass(frozen=True)
class Cursor(Generic[T]):
    """One key of the `station` table, read as `T` and written from it."""

    key: str
    parse: Callable[[str], T]
    format: Callable[[T], str]

    def get(self, conn: sqlite3.Connection) -> T | None:
        """The stored value, None when never set; `BadCursor` when it cannot be read."""
        text = _read(conn, self.key)
        if text is None:
            return None
        try:
            return self.parse(text)
        except (TypeError, ValueError):
            raise BadCursor(self.key, text) from None

    def set(self, conn: sqlite3.Connection, value: T) -> None:
        """Store the value (joins the caller's transaction, else one of its own)."""
        _upsert(conn, self.key, self.format(value))


def utc_text(moment: datetime) -> str:
    """RFC 3339, UTC, whole seconds: `2026-01-01T00:00:00Z` (the form `last_vacuum` has always had)."""
    return rfc3339.format_time(moment, "seconds")


def utc_time(text: str) -> datetime:
    """An RFC 3339 time (the spool's one reader)."""
    return rfc3339.parse(text)


FEED: Cursor[str] = Cursor("backoffice.cursor", str, str)
LAST_VACUUM: Cursor[datetime] = Cursor("last_vacuum", utc_time, utc_text)
STATION_ID: Cursor[str] = Cursor("id", str, str)


def template_version(template: str) -> Cursor[int]:
    """The highest version of `template` this station accepted (key `template.<id>.version`)."""
    return Cursor(f"template.{template}.version", int, str)
