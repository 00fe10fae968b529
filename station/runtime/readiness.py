"""One truth for readiness: could a citizen be served now, and if not, why (docs/adr/0330).

`station status`'s headline, `/readyz` and the `station_ready` metric all come
from `assess` here. The daemon assesses (it holds the devices, the trust store
and the disk watch) and answers `station.readiness` and `station.status` with
the same verdict; the web process adds only what the daemon cannot know about
itself: that it did not answer, or that the spool does not open from the web
side (`overall`). Before this, `status` said "ready" as soon as the daemon
had started, while `/readyz` said not ready because a lock bus was unreachable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Readiness:
    """The verdict: ready, or the reasons it is not (each a short line a technician reads)."""

    ready: bool
    started: bool = True
    missing: list[str] = field(default_factory=list)  # devices (and the trust store) a release needs
    reasons: list[str] = field(default_factory=list)  # everything that stops a release, missing included
    disk_ok: bool | None = None  # None: not known

    def as_dict(self) -> dict[str, Any]:
        """The control socket's answer (`station.readiness`, and `readiness` inside `station.status`)."""
        return {"ready": self.ready, "started": self.started, "missing": list(self.missing),
                "reasons": list(self.reasons), "disk": self.disk_ok}

    def headline(self) -> str:
        """`ready`, `starting`, or `not ready: WHY; WHY` (the first line of `station status`)."""
        if self.ready:
            return "ready"
        if not self.started:
            return "starting"
        return "not ready: " + "; ".join(self.reasons)


def assess(*, started: bool, devices: dict[str, Any] | None, kind: str, disk: dict[str, Any] | None = None,
           trust_unreadable: bool = False) -> Readiness:
    """The daemon's verdict from what it knows now (THE readiness function)."""
    missing = missing_for_release(devices or {}, kind)
    if trust_unreadable:  # (issue 21) nothing verifies: no release
        missing.append("trust store (unreadable: no token verifies)")
    reasons = [] if started else ["daemon: starting"]
    reasons += [f"missing: {m}" for m in missing]
    disk_ok = None if not isinstance(disk, dict) else not disk.get("critical")
    if disk_ok is False:
        reasons.append(str(disk.get("reason") or "disk: critical") if isinstance(disk, dict) else "disk: critical")
    return Readiness(ready=not reasons, started=started, missing=missing, reasons=reasons, disk_ok=disk_ok)


def from_reply(reply: Any) -> Readiness:
    """The daemon's verdict read back from its answer (anything unexpected: not ready, and says so)."""
    if not isinstance(reply, dict) or not isinstance(reply.get("ready"), bool):
        return unreachable("daemon: no readiness in its answer")
    missing = [str(m) for m in reply.get("missing") or [] if isinstance(m, str)]
    reasons = [str(r) for r in reply.get("reasons") or [] if isinstance(r, str)]
    disk = reply.get("disk")
    return Readiness(ready=reply["ready"] and not reasons, started=bool(reply.get("started", True)),
                     missing=missing, reasons=reasons, disk_ok=disk if isinstance(disk, bool) else None)


def unreachable(detail: str) -> Readiness:
    """Not ready because the daemon did not answer (or answered nonsense)."""
    return Readiness(ready=False, started=False, reasons=[detail])


def overall(daemon: Readiness, spool_error: str | None = None) -> Readiness:
    """The web process's verdict: the daemon's, and the spool must open from here too."""
    if spool_error is None:
        return daemon
    return Readiness(ready=False, started=daemon.started, missing=daemon.missing,
                     reasons=[f"spool: {spool_error}", *daemon.reasons], disk_ok=daemon.disk_ok)


def missing_for_release(devices: dict[str, Any], kind: str) -> list[str]:
    """The devices a release needs that are not usable now, each named with why (empty: all there)."""
    missing = []
    scanner = devices.get("scanner") or {}
    if isinstance(scanner, dict) and scanner.get("state") not in ("online", "none", None):
        missing.append(f"scanner ({scanner.get('detail') or scanner.get('state')})")
    for bus in devices.get("buses") or []:
        if isinstance(bus, dict) and bus.get("state") != "online":
            missing.append(f"lock bus {bus.get('name')} ({bus.get('state')})")
    printer = devices.get("printer") or {}
    if kind == "dispenser" and isinstance(printer, dict) and printer.get("state") in ("offline", "hardware_error"):
        missing.append(f"printer ({printer.get('state')})")
    return missing
