"""The daemon's commands for a technician's shell (`station status|jobs|alarms`), on the control socket.

Like `lpstat` and `cancel` for CUPS: the shell asks the running daemon, and
the daemon decides and records. Job actions follow the same rules as the
operations page (`station.web.actions`), every change is audited with the
actor the shell names (`technician:NAME`), and the pages hear of it through
the event bus.

    status      devices, jobs per state, open alarms, the feed and the outbox
    cancel_job  {"job", "reason"}        a job before release
    retry_job   {"job"}                  a held job, back to the stage that failed
    alarms      {"open": bool, "limit"}  newest first
    ack_alarm   {"alarm": int}
    readiness   whether a citizen could be served now, and which device is missing
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from spool import alarms, jobs

from station.backoffice import complaints
from station.errors import StationError

if TYPE_CHECKING:
    from station.runtime.daemon import Daemon

STAFF = ("operator:", "technician:", "admin:")


class TechnicianPart:
    """Registers the technician's commands; owns no thread or device."""

    name = "technician"

    async def start(self, daemon: Daemon) -> None:
        self.daemon = daemon
        for op, handler in (("status", self._status), ("alarms", self._alarms), ("ack_alarm", self._ack),
                            ("readiness", self._readiness)):
            daemon.control.register(op, handler)

    async def stop(self) -> None:
        """Nothing to stop."""

    async def _status(self, args: dict, actor: str) -> dict[str, Any]:
        """What `station status` shows, in one call."""
        conn = self.daemon.conn
        found: dict[str, Any] = {"station": self.daemon.cfg.station.id, "kind": self.daemon.cfg.station.kind,
                                 "ready": self.daemon.ready_at is not None,
                                 "jobs": {k: v for k, v in jobs.count_by_state(conn).items() if v},
                                 "alarms": [a.as_dict() for a in alarms.list_alarms(conn, open_only=True, limit=50)],
                                 "complaints_pending": complaints.pending_count(conn)}
        for op in ("devices", "backoffice"):
            handler = self.daemon.control.handlers.get(op)
            try:
                found[op] = await handler(args, actor) if handler else None
            except StationError as err:
                found[op] = {"error": str(err)}
        return found

    async def _readiness(self, args: dict, actor: str) -> dict[str, Any]:
        """`/readyz`: ready only when every device a release needs is there."""
        handler = self.daemon.control.handlers.get("devices")
        devices = await handler(args, actor) if handler else {}
        missing = missing_for_release(devices, self.daemon.cfg.station.kind)
        trust = getattr(self.daemon, "trust", None)
        if trust is not None and trust.unreadable is not None:  # (issue 21) nothing verifies: no release
            missing.append("trust store (unreadable: no token verifies)")
        return {"ready": self.daemon.ready_at is not None and not missing, "missing": missing}

    async def _alarms(self, args: dict, actor: str) -> dict[str, Any]:
        limit = args.get("limit", 100)
        if type(limit) is not int or not 1 <= limit <= 1000:
            raise StationError("limit must be 1 to 1000", http_status=422)
        found = alarms.list_alarms(self.daemon.conn, open_only=bool(args.get("open", True)), limit=limit)
        return {"alarms": [a.as_dict() for a in found]}

    async def _ack(self, args: dict, actor: str) -> dict[str, Any]:
        _need_staff(actor, "acknowledging an alarm")
        alarm_id = args.get("alarm")
        if type(alarm_id) is not int:
            raise StationError("ack_alarm needs an alarm number", http_status=422)
        alarms.get_alarm(self.daemon.conn, alarm_id)  # unknown: a clear refusal
        alarm = alarms.acknowledge(self.daemon.conn, alarm_id, actor=actor)
        self.daemon.events.publish("alarm", {"alarm": alarm.id, "open": False})
        return alarm.as_dict()


def missing_for_release(devices: dict[str, Any], kind: str) -> list[str]:
    """The devices a release needs that are not usable now, each named with why (empty: all there)."""
    missing = []
    scanner = devices.get("scanner") or {}
    if scanner.get("state") not in ("online", "none", None):
        missing.append(f"scanner ({scanner.get('detail') or scanner.get('state')})")
    for bus in devices.get("buses") or []:
        if bus.get("state") != "online":
            missing.append(f"lock bus {bus.get('name')} ({bus.get('state')})")
    printer = devices.get("printer") or {}
    if kind == "dispenser" and isinstance(printer, dict) and printer.get("state") in ("offline", "hardware_error"):
        missing.append(f"printer ({printer.get('state')})")
    return missing


def _need_staff(actor: str, what: str) -> None:
    if not actor.startswith(STAFF):
        raise StationError(f"{what} needs an operator, technician or admin", http_status=403)
