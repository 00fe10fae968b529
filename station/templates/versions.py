"""The highest version of each template this station has accepted: a rollback guard.

A bundle whose version is lower than one already accepted is refused
(`rollback`), so that an old template, however well signed, cannot come
back. A station keeps the record in its spool (`station` table, key
`template.<id>.version`, each raise audited); tools run without a station
keep it in a JSON file beside the trust store (`trust.json` ->
`trust.versions.json`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import spool
from spool import audit, cursors

from ..errors import StationError
from ..files import write_atomic
from .bundle import BundleRefused


class VersionLedger(Protocol):
    """Where the highest accepted version of each template is kept."""

    def highest(self, template: str) -> int | None:
        """The highest version accepted so far, if any."""

    def record(self, template: str, version: int) -> None:
        """Remember `version` as accepted (a lower one never lowers the record)."""


def check_not_older(ledger: VersionLedger, template: str, version: int) -> None:
    """BundleRefused('rollback') when a higher version of `template` was accepted before."""
    highest = ledger.highest(template)
    if highest is not None and version < highest:
        raise BundleRefused("rollback", f"{template} version {version} is lower than version {highest},"
                                        " already accepted by this station")


class MemoryLedger:
    """A ledger that lives as long as the process (tests, one-off tools)."""

    def __init__(self) -> None:
        self.versions: dict[str, int] = {}

    def highest(self, template: str) -> int | None:
        """The highest version accepted so far, if any."""
        return self.versions.get(template)

    def record(self, template: str, version: int) -> None:
        """Remember `version` as accepted."""
        self.versions[template] = max(version, self.versions.get(template, 0))


class SpoolLedger:
    """The station's own record, in its spool; every raise is audited."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def highest(self, template: str) -> int | None:
        """The highest version accepted so far, if any."""
        try:
            return cursors.template_version(template).get(self.conn)
        except cursors.BadCursor as err:
            raise StationError(f"spool: {err.key} holds {err.text!r}, not a version number") from None

    def record(self, template: str, version: int) -> None:
        """Remember `version` as accepted, in one durable transaction with its audit entry."""
        with spool.write(self.conn):
            current = self.highest(template)
            if current is not None and current >= version:
                return
            cursors.template_version(template).set(self.conn, version)
            audit.append(self.conn, "system", "template.accepted",
                         details={"template": template, "version": version, "previous": current})


class FileLedger:
    """A JSON file `{"templates": {"akta-kelahiran": 3}}`, written atomically under a lock."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @classmethod
    def beside(cls, trust_store: str | Path) -> FileLedger:
        """The ledger that goes with a trust store file: `trust.json` -> `trust.versions.json`."""
        trust_store = Path(trust_store)
        return cls(trust_store.with_name(f"{trust_store.stem}.versions.json"))

    def _read(self) -> dict[str, int]:
        try:
            body = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            # Never start afresh silently: that would let an old version back in.
            raise StationError(f"template version record {self.path} is unreadable ({err});"
                               " fix or remove it deliberately") from None
        versions = body.get("templates") if isinstance(body, dict) else None
        if not isinstance(versions, dict) or not all(
                isinstance(k, str) and type(v) is int for k, v in versions.items()):
            raise StationError(f"template version record {self.path} is malformed;"
                               " fix or remove it deliberately")
        return versions

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            yield

    def highest(self, template: str) -> int | None:
        """The highest version accepted so far, if any."""
        return self._read().get(template)

    def record(self, template: str, version: int) -> None:
        """Remember `version` as accepted."""
        with self._locked():
            versions = self._read()
            if versions.get(template, 0) >= version:
                return
            versions[template] = version
            body = {"templates": dict(sorted(versions.items()))}
            write_atomic(self.path, (json.dumps(body, indent=2) + "\n").encode("utf-8"))
