"""The daemon watches its trust store: each change is logged and audited, in a fixed vocabulary.

Every user of the trust store (the counter, the feed, the render worker)
reads it live through its own `TrustFile`, so a revocation counts from the
next use on. This part only records that the store changed: counts of keys
and, per key id, what happened to it (`added`, `removed`, `revoked`,
`reinstated`, `changed`). Nothing else from the file reaches the log or the
audit.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import spool
from spool import alarms, audit

from station.trust.store import TrustFile, TrustStore

if TYPE_CHECKING:
    from station.runtime.daemon import Daemon

log = logging.getLogger("station.trust")

# How often the daemon looks for a change to record (users of the store look on every use).
WATCH_S = 0.25


def describe_change(old: TrustStore, new: TrustStore) -> dict[str, Any]:
    """What changed between two trust stores: counts, and `{kid: what}` (kids as keys, never as values)."""
    def by_kid(store: TrustStore) -> dict[str, set[tuple[str, bytes, str]]]:
        keys: dict[str, set[tuple[str, bytes, str]]] = {}
        for key in store.keys:
            keys.setdefault(key.kid, set()).add((key.purpose, key.raw, key.status))
        return keys

    before, after = by_kid(old), by_kid(new)
    changes: dict[str, str] = {}
    for kid in sorted(set(before) | set(after)):
        was, now = before.get(kid), after.get(kid)
        if was == now:
            continue
        if was is None:
            changes[kid] = "added"
        elif now is None:
            changes[kid] = "removed"
        elif {k[:2] for k in was} == {k[:2] for k in now}:
            revoked_now = {k[:2] for k in now if k[2] == "revoked"}
            revoked_was = {k[:2] for k in was if k[2] == "revoked"}
            changes[kid] = "revoked" if revoked_now > revoked_was else "reinstated"
        else:
            changes[kid] = "changed"
    return {"keys": len(new.keys), "active": sum(k.status == "active" for k in new.keys),
            "revoked": sum(k.status == "revoked" for k in new.keys), "changes": changes}


class TrustWatch:
    """Daemon part: logs and audits each change of the trust store within `WATCH_S`.

    A store that does not read (missing, truncated, a bad entry) verifies
    nothing anywhere (`TrustFile`): this part raises a critical alarm for
    it, which `/readyz` and `station status` show, and clears it by itself
    once the file reads again.
    """

    name = "trust"
    ALARM = "trust_store_unreadable"

    async def start(self, daemon: Daemon) -> None:
        self.daemon = daemon
        cfg = daemon.cfg
        self.conn = spool.connect(cfg.spool_path)
        path: Path = cfg.path(cfg.paths.trust_store)  # type: ignore[assignment]
        self.file = TrustFile(path, on_change=self._changed)
        await asyncio.to_thread(self.file)  # known before the station says ready; the loop alarms
        daemon.loop("trust-watch", self.step)

    @property
    def unreadable(self) -> str | None:
        """Why the trust store does not read now (None: it reads)."""
        return self.file.unreadable

    async def step(self) -> float:
        await asyncio.to_thread(self.file)
        event = await asyncio.to_thread(self._alarm, self.file.unreadable)
        if event is not None:
            self.daemon.events.publish("alarm", event)
        return WATCH_S

    def _alarm(self, why: str | None) -> dict[str, Any] | None:
        """Raise the alarm while the store does not read, clear it once it does; the event to publish, if any."""
        if why is None:
            cleared = alarms.clear(self.conn, self.ALARM, device="trust", why="the trust store reads again")
            return {"cleared": [a.id for a in cleared]} if cleared else None
        if alarms.open_alarms(self.conn, self.ALARM, device="trust"):
            return None
        return alarms.raise_alarm(self.conn, self.ALARM, "the trust store cannot be read: no token, document or"
                                  " template verifies until it is fixed (station doctor)",
                                  severity="critical", device="trust").as_dict()

    def _changed(self, old: TrustStore, new: TrustStore) -> None:
        details = describe_change(old, new)
        log.warning("trust store changed", extra={"fields": details})
        with spool.write(self.conn):
            audit.append(self.conn, "system", "trust.changed", details=details)

    async def stop(self) -> None:
        self.conn.close()
