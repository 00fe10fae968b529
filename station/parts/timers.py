"""The daemon's timed work: pickup expiry and its reminders, alarms whose condition ended, retention, checkpoints."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import spool

from station.trust import checkpoint
from station.parts import housekeeping
from station.release import settling
from station.trust.store import load_private_key

if TYPE_CHECKING:
    from station.runtime.daemon import Daemon
    from station.parts.devices import DevicesPart

log = logging.getLogger("station.timers")

EXPIRY_EVERY_S = 30.0
CONDITIONS_EVERY_S = 5.0


class Timers:
    """Expiry every half minute, ended conditions every 5 s, retention every `[retention] check_seconds` (hourly), a
    checkpoint every `checkpoint_seconds`."""

    name = "timers"

    def __init__(self, devices: DevicesPart | None = None) -> None:
        self.devices = devices  # the lock buses, whose alarms clear once they are back online

    async def start(self, daemon: Daemon) -> None:
        self.daemon = daemon
        cfg = daemon.cfg
        self.conn = spool.connect(cfg.spool_path)
        self.station_key = load_private_key(cfg.path(cfg.paths.station_key))  # type: ignore[arg-type]
        daemon.loop("expiry", self.expire)
        daemon.loop("conditions", self.conditions)
        daemon.loop("retention", self.retain)
        # A checkpoint soon after start (the recovered state), then at the configured interval.
        daemon.loop("checkpoint", self.checkpoint, first_delay=min(2.0, cfg.backoffice.checkpoint_seconds))

    async def stop(self) -> None:
        self.conn.close()

    async def expire(self) -> float:
        await asyncio.to_thread(housekeeping.expire_due, self.conn, datetime.now(UTC))
        reminder = await asyncio.to_thread(housekeeping.remind_expired, self.conn, datetime.now(UTC))
        if reminder is not None:
            self.daemon.events.publish("alarm", reminder.as_dict())
        return EXPIRY_EVERY_S

    async def conditions(self) -> float:
        """Clear the alarms about documents and slots whose condition ended (a slot emptied, a conflict resolved)."""
        cleared = await asyncio.to_thread(housekeeping.clear_ended, self.conn)
        raised, ended = await asyncio.to_thread(settling.check_open_acts, self.conn,
                                                self.daemon.cfg.release.intent_alarm_seconds, datetime.now(UTC))
        for alarm in raised:  # (issue 22) nothing waits forever without a person told
            self.daemon.events.publish("alarm", alarm.as_dict())
        cleared += ended
        devices = self.devices
        if devices is not None:
            buses = {name: state.value for name, state in devices.locker.bus_states().items()}
            cleared += await asyncio.to_thread(housekeeping.clear_buses_back, self.conn, buses)
        if cleared:
            self.daemon.events.publish("alarm", {"cleared": cleared})
        return CONDITIONS_EVERY_S

    async def retain(self) -> float:
        retention = self.daemon.cfg.retention
        now = datetime.now(UTC)
        deleted = await asyncio.to_thread(housekeeping.delete_old_documents, self.conn, now, retention.pdf_days)
        cleared = await asyncio.to_thread(housekeeping.clear_personal_data, self.conn, now,
                                          retention.personal_data_days)
        if deleted or cleared:
            log.info("retention", extra={"fields": {"documents_deleted": deleted, "personal_data_cleared": cleared}})
        # (issue 22) What was cleared leaves the disk: the WAL's old pages cut now, the file rebuilt on schedule.
        await asyncio.to_thread(housekeeping.compact, self.conn, now, retention.vacuum_days)
        return retention.check_seconds

    async def checkpoint(self) -> float:
        made = await asyncio.to_thread(checkpoint.make, self.conn, self.daemon.cfg.station.id, self.station_key)
        self.daemon.events.publish("checkpoint", made.as_dict())
        return self.daemon.cfg.backoffice.checkpoint_seconds
