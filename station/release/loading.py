"""Loading (locker stations): each printed document gets a slot, opened for the person loading it.

One document at a time: pick a free slot of a fitting size (out-of-service
slots, and slots whose sensor already sees something, are skipped), reserve
it and record the `load` intent in one commit, open it, and wait for the
door to close. Closed with the paper inside (or, on boards without item
sensors, closed): `staged`. Closed empty: the slot is freed and the document
stays `printed` for the next round. A latch
that will not open takes the slot out of service and tries another. A door
left open past its time raises an alarm and stays in the ledger: it is
settled when it closes, also after a restart. It looks for work when a job
event wakes it, and at a slow safety poll.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

import spool
from drivers.locks.errors import LockError, UnlockNotSent
from drivers.locks.model import Door, EventKind, Item, LockEvent, Outcome
from spool import alarms, intents, jobs, machine, slots
from spool.intents import Intent, Kind
from spool.states import Flow, JobState

from station.config import Config
from station.events import Bell, Event
from station.release.ports import LockPort

log = logging.getLogger("station.loading")

# (issue 27) Woken by the job events that may give it work (a document printed, a slot freed); this
# poll finds what no event of this process announces: a slot back in service, another process (ADR 0350).
SAFETY_POLL_S = 5.0
# While a load is open its door is watched by time (it may open late, it may have closed): a clock, not an event.
OPEN_LOAD_S = 1.0
LATE_OPEN_S = 15.0  # how long a door not seen opening for loading may still open late
UNLOCK_RESULT_TIMEOUT_S = 15.0


class Loader:
    """Puts printed documents into slots, one at a time, on its own thread."""

    name = "loader"

    def __init__(self, cfg: Config, locker: LockPort, publish: Callable[[str, dict], Any], *,
                 door_timeout: float | None = None, late_open: float = LATE_OPEN_S) -> None:
        self.cfg = cfg
        self.locker = locker
        self.publish = publish
        self.door_timeout = door_timeout if door_timeout is not None else cfg.loading.door_timeout_seconds
        self.late_open = late_open
        self._events: queue.Queue[LockEvent] = queue.Queue()
        self._stop = threading.Event()
        self.bell = Bell()
        self._thread: threading.Thread | None = None
        self.conn: sqlite3.Connection | None = None

    def start(self) -> None:
        self.conn = spool.connect(self.cfg.spool_path)
        try:
            self.locker.refresh(timeout=3.0)
        except LockError as err:
            log.warning("loading recovery: could not read the boards: %s", err)
        self.settle_open_loads()
        self._thread = threading.Thread(target=self._run, name="loader", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.bell.ring()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def wake_on_job(self, event: Event) -> None:
        """A job changed (`EventBus.listen("job", ...)`): look for work now, unless it was a load of its own."""
        if event.data.get("state") != JobState.STAGED.value:
            self.bell.ring()

    def on_lock_event(self, event: LockEvent) -> None:
        """A lock bus reported a change (called from the bus thread)."""
        if event.kind in (EventKind.DOOR_OPENED, EventKind.DOOR_CLOSED):
            self._events.put(event)

    def _run(self) -> None:
        while not self._stop.is_set():
            watching = True
            try:
                watching = self.settle_open_loads()
                worked = self.load_next()
            except Exception:  # noqa: BLE001 - a loading fault never stops the station
                log.exception("loading failed")
                worked = False
            if not worked:
                self.bell.wait(OPEN_LOAD_S if watching else SAFETY_POLL_S)

    def load_next(self) -> bool:
        """Load the oldest printed document that has no slot; False when there is none (or no slot)."""
        assert self.conn is not None
        job = next((j for j in jobs.jobs_in(self.conn, JobState.PRINTED, limit=50)
                    if j.flow is Flow.LOCKER and j.slot is None), None)
        if job is None:
            alarms.clear(self.conn, "no_free_slot", why="no printed document waits for a slot")  # (issue 15)
            return False
        slot = self._free_slot(job.size)
        if slot is None:
            alarms.raise_alarm(self.conn, "no_free_slot", "no free slot for printed documents", severity="warning")
            return False
        alarms.clear(self.conn, "no_free_slot", why=f"slot {slot} is free")  # (issue 15) the locker has room
        with spool.write(self.conn):
            slots.occupy(self.conn, slot, job.id, actor="system")
            intent = intents.record(self.conn, Kind.LOAD, job=job.id, slot=slot)
        self._drain_events()
        try:
            outcome = Outcome(self.locker.submit_unlock(slot).result(timeout=UNLOCK_RESULT_TIMEOUT_S))
        except UnlockNotSent as err:
            log.warning("loading %s: %s", slot, err)
            self._give_up(intent, "not_sent")
            return False
        except (LockError, TimeoutError):
            outcome = Outcome.UNKNOWN
        if outcome is Outcome.JAMMED or outcome is Outcome.UNKNOWN:
            # Not seen opening in time: the slot stays reserved while the door may still open late (a busy
            # machine, a slow latch); the door decides (`settle_open_loads`), the slot out of service if empty.
            intents.update(self.conn, intent.id, uncertain=outcome.value, since=time.time())
            return True
        self.publish("slot", {"slot": slot, "door": "open", "loading": job.id})
        if not self._wait_closed(slot):
            alarms.raise_alarm(self.conn, "loading_door_open", f"slot {slot} left open while loading",
                               slot=slot, job=job.id)
            return True  # the ledger keeps it: settled when the door closes
        self._settle(intents.get(self.conn, intent.id))
        return True

    def settle_open_loads(self) -> bool:
        """Loads whose door has closed since (left open, or interrupted by a restart): staged, or freed.

        True when loads were open (their doors are watched again soon)."""
        assert self.conn is not None
        loads = intents.open_intents(self.conn, Kind.LOAD)
        for intent in loads:
            try:
                door = self.locker.status(intent.slot or "").door
            except LockError:
                continue
            if door is Door.OPEN and intent.detail.get("uncertain"):
                intents.update(self.conn, intent.id, uncertain=None, opened_late=True)  # it did open
            elif door is Door.CLOSED and time.time() - float(intent.detail.get("since") or 0) > self.late_open:
                self._settle(intent)
        return bool(loads)

    def _settle(self, intent: Intent) -> None:
        """The door is shut: the paper inside is staged; an empty slot goes back to the free ones."""
        assert self.conn is not None
        slot, job_id = intent.slot or "", intent.job or ""
        job = jobs.find_job(self.conn, job_id)
        try:
            item = self.locker.status(slot).item
        except LockError:
            return
        if job is None or job.state is not JobState.PRINTED or job.slot != slot:
            intents.finish(self.conn, intent.id, "stale")
        elif item is Item.ABSENT and intent.detail.get("uncertain"):
            # Never seen open, and empty: the latch did not open for loading. Staff must look at it.
            uncertain = str(intent.detail["uncertain"])
            self._give_up(intent, uncertain)
            slots.set_service(self.conn, slot, True, actor="system", note=f"latch {uncertain} while loading")
            alarms.raise_alarm(self.conn, f"slot_{uncertain}", f"slot {slot} did not open for loading",
                               slot=slot, severity="critical")
        elif item is Item.ABSENT:
            self._give_up(intent, "closed_empty")
        else:  # seen inside, or a board without item sensors (8A/80): the person loading it shut the door on it
            with spool.write(self.conn):
                intents.finish(self.conn, intent.id, "staged")
                machine.transition(self.conn, job_id, JobState.STAGED, actor="system",
                                   details={"slot": slot, "item": item.value})

    def _give_up(self, intent: Intent, outcome: str) -> None:
        assert self.conn is not None
        with spool.write(self.conn):
            intents.finish(self.conn, intent.id, outcome)
            slots.vacate(self.conn, intent.slot or "", actor="system", reason=f"loading_{outcome}")

    def _free_slot(self, size: str) -> str | None:
        assert self.conn is not None
        tried: set[str] = set()
        while True:
            slot = slots.free_slot(self.conn, size)
            if slot is None or slot.id in tried:
                return None
            tried.add(slot.id)
            try:
                item = self.locker.status(slot.id).item
            except LockError:
                item = Item.UNKNOWN
            if item is not Item.PRESENT:
                return slot.id
            # Something is in a slot the spool calls empty: keep out until staff look.
            slots.set_service(self.conn, slot.id, True, actor="system", note="item sensed in an empty slot")
            alarms.raise_alarm(self.conn, "slot_not_empty", f"slot {slot.id} should be empty but is not",
                               slot=slot.id)

    def _wait_closed(self, slot: str) -> bool:
        deadline = time.monotonic() + self.door_timeout
        while time.monotonic() < deadline and not self._stop.is_set():
            try:
                event = self._events.get(timeout=0.2)
            except queue.Empty:
                continue
            if event.slot == slot and event.kind is EventKind.DOOR_CLOSED:
                return True
        return False

    def _drain_events(self) -> None:
        while not self._events.empty():
            self._events.get_nowait()
