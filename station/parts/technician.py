"""The daemon's commands for a technician's shell (`station status|jobs|alarms`), on the control socket.

Like `lpstat` and `cancel` for CUPS: the shell asks the running daemon, and
the daemon decides and records. Job actions follow the same rules as the
operations page (`station.web.actions`), every change is audited with the
actor the shell names (`technician:NAME`), and the pages hear of it through
the event bus.

    station.status     devices, jobs per state, open alarms, the feed and the outbox
    station.readiness  whether a citizen could be served now, and which device is missing
    alarm.list         {"open": bool, "limit"}  newest first
    alarm.ack          {"alarm": int}

(The job actions, `job.*`, are `JobOpsPart`'s.) The parts it reports on are
given to it at construction: it calls their methods, not their commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from spool import alarms, jobs

from station.backoffice import complaints
from station.errors import StationError
from station.runtime import ops, readiness
from station.runtime.parts import DiskState
from station.runtime.readiness import Readiness
from station.runtime.roles import Actor, Role

if TYPE_CHECKING:
    from station.runtime.daemon import Daemon
    from station.parts.devices import DevicesPart
    from station.trust.watch import TrustWatch


class Reporter(Protocol):
    """A part that says how it is (the back-office feed: `FeedPart.report`)."""

    async def report(self) -> dict[str, Any] | None:
        """Its state now, JSON-able (None: it is not serving)."""


class TechnicianPart:
    """Registers the technician's commands; owns no thread or device."""

    name = "technician"

    def __init__(self, devices: DevicesPart | None = None, trust: TrustWatch | None = None,
                 backoffice: Reporter | None = None) -> None:
        self.devices, self.trust, self.backoffice = devices, trust, backoffice

    async def start(self, daemon: Daemon) -> None:
        self.daemon = daemon
        for op, handler in ((ops.STATION_STATUS, self._status), (ops.ALARM_LIST, self._alarms),
                            (ops.ALARM_ACK, self._ack), (ops.STATION_READINESS, self._readiness)):
            daemon.control.register(op, handler)

    async def stop(self) -> None:
        """Nothing to stop."""

    async def _status(self, args: dict, actor: str) -> dict[str, Any]:
        """What `station status` shows, in one call."""
        conn = self.daemon.conn
        found: dict[str, Any] = {"station": self.daemon.cfg.station.id, "kind": self.daemon.cfg.station.kind,
                                 "jobs": {k: v for k, v in jobs.count_by_state(conn).items() if v},
                                 "alarms": [a.as_dict() for a in alarms.list_alarms(conn, open_only=True, limit=50)],
                                 "complaints_pending": complaints.pending_count(conn)}
        for key, part in (("devices", self.devices), ("backoffice", self.backoffice)):
            try:
                found[key] = await part.report() if part is not None else None
            except StationError as err:
                found[key] = {"error": str(err)}
        devices = found.get("devices")
        verdict = self._assess(devices if isinstance(devices, dict) and "error" not in devices else None)
        # The headline's verdict is `/readyz`'s and `station_ready`'s: one function (docs/adr/0330).
        found["ready"], found["readiness"] = verdict.ready, verdict.as_dict()
        return found

    async def _readiness(self, args: dict, actor: str) -> dict[str, Any]:
        """`/readyz`: ready only when every device a release needs is there."""
        devices = await self.devices.report() if self.devices is not None else {}
        return self._assess(devices).as_dict()

    def _assess(self, devices: dict[str, Any] | None) -> Readiness:
        """The station's readiness now (`station.readiness` and `station.status` share it)."""
        disk = self.daemon.parts.find(DiskState)  # in memory: no disk needed to answer
        return readiness.assess(started=self.daemon.ready_at is not None, devices=devices,
                                kind=self.daemon.cfg.station.kind,
                                disk=disk.summary() if disk is not None and disk.started else None,
                                trust_unreadable=self.trust is not None and self.trust.unreadable is not None)

    async def _alarms(self, args: dict, actor: str) -> dict[str, Any]:
        limit = args.get("limit", 100)
        if type(limit) is not int or not 1 <= limit <= 1000:
            raise StationError("limit must be 1 to 1000", http_status=422)
        found = alarms.list_alarms(self.daemon.conn, open_only=bool(args.get("open", True)), limit=limit)
        return {"alarms": [a.as_dict() for a in found]}

    async def _ack(self, args: dict, actor: str) -> dict[str, Any]:
        actor = Actor.parse(actor).require(Role.OPERATOR, "acknowledging an alarm")
        alarm_id = args.get("alarm")
        if type(alarm_id) is not int:
            raise StationError(f"{ops.ALARM_ACK} needs an alarm number", http_status=422)
        alarms.get_alarm(self.daemon.conn, alarm_id)  # unknown: a clear refusal
        alarm = alarms.acknowledge(self.daemon.conn, alarm_id, actor=actor)
        self.daemon.events.publish("alarm", {"alarm": alarm.id, "open": False})
        return alarm.as_dict()
