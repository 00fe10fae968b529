"""The world around a simulated station: its paper and its people, followed as they really move.

The paper: every sheet that comes out of the simulated printer (its output
log), carried by staff into the slot the station opened for it, or dropped
into the dispenser's bin, then taken by a citizen, retained, or cleared by
staff. The people: staff who load slots, retry held documents and empty a
bin the station says should be empty; citizens who scan their tokens (and
type their PINs), queue at a dispenser, wait for their paper, and now and
then walk away and leave it.

This is what the run is judged by: doors seen open with a document's paper
inside, paper seen taken and by whom. Nothing here reads the station's
audit to decide what happened.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
from collections import Counter as Tally
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import spool
from spool import alarms, jobs, machine
from spool.states import Action, JobState

from station import operations
from simulators.station import staff as sim_staff
from station.trust import token
from station.runtime.control import ControlClient, ControlError
from station.runtime import ops

LOOP_S = 0.05
PEOPLE_DELAY_S = (0.1, 0.3)
WALK_AWAY = 0.1  # share of dispenser citizens who leave their paper in the bin
_BEING_SERVED = frozenset({JobState.RENDERED, JobState.RELEASED, JobState.PRINTING, JobState.PRINTED})


@dataclass
class Paper:
    """What happened to paper, counted per document."""

    printed: Tally[str] = field(default_factory=Tally)       # sheets out of the printer
    opened_with: Tally[str] = field(default_factory=Tally)   # a door or shutter opened on it
    taken: Tally[str] = field(default_factory=Tally)         # citizens took it
    cleared: Tally[str] = field(default_factory=Tally)       # staff took it out of a bin (retained)
    destroyed: Tally[str] = field(default_factory=Tally)     # staff found an extra copy in the tray (issue 22)
    wrong_person: list[str] = field(default_factory=list)    # "DOC to a citizen waiting for OTHER"
    unexpected_openings: list[str] = field(default_factory=list)  # a door opened on paper nobody asked for

    def report(self) -> dict[str, Any]:
        return {"papers_printed": sum(self.printed.values()), "papers_taken": sum(self.taken.values()),
                "papers_cleared_by_staff": sum(self.cleared.values()),
                "extra_copies_destroyed": sum(self.destroyed.values()),
                "opened_twice": sorted(d for d, n in self.opened_with.items() if n > 1),
                "paper_to_wrong_person": self.wrong_person[:20],
                "door_opened_without_its_citizen": self.unexpected_openings[:20]}


class World:
    """Paper and people of one simulated station (threads started by `SimulatedStation`)."""

    def __init__(self, station: Any, rng: random.Random) -> None:
        self.station = station
        self.rng = rng
        self.cfg = station.cfg
        self.bus = station.bus
        self.options = station.options
        self.paper = Paper()
        self._lock = threading.Lock()
        self.tray: Tally[str] = Tally()          # locker: printed sheets waiting for staff
        self.slots: dict[str, str] = {}          # slot -> the document's sheet inside
        self.bin: list[str] = []                 # dispenser: sheets behind the shutter
        self.waiting: dict[str, float] = {}      # documents whose citizen scanned and waits (monotonic)
        self.scanned: dict[str, float] = {}
        self.serving: str | None = None          # dispenser: the citizen at the front of the queue
        self.output_seen = 0                     # lines of the printer's output log taken into account
        self._busy: set[str] = set()
        self.shutter = self.cfg.dispenser.shutter if self.options.kind == "dispenser" else None
        self.reject = self.cfg.dispenser.reject or None

    @property
    def fast(self) -> bool:
        return bool(self.options.fast)

    # -- paper out of the printer ------------------------------------------------

    def printer_tray(self, stop: threading.Event, log: Path) -> None:
        """Follow the simulated printer's output: each sheet to the tray (locker) or into the bin."""
        while not stop.is_set():
            lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
            for line in lines[self.output_seen:]:
                if not line.endswith("}"):
                    break  # a line still being written
                with contextlib.suppress(ValueError, KeyError):
                    self._printed(json.loads(line)["title"])
                self.output_seen += 1
            stop.wait(0.1)

    # -- a run on the same folder goes on where this one stopped --------------------

    def snapshot(self) -> dict[str, Any]:
        """Where the paper is, and what happened to it so far."""
        with self._lock:
            paper = self.paper
            return {"tray": dict(self.tray), "slots": dict(self.slots), "bin": list(self.bin),
                    "output_seen": self.output_seen, "printed": dict(paper.printed),
                    "opened_with": dict(paper.opened_with), "taken": dict(paper.taken),
                    "cleared": dict(paper.cleared), "destroyed": dict(paper.destroyed)}

    def restore(self, path: Path) -> None:
        """Put the paper back where a previous run left it (the simulated sensors see it again)."""
        if not path.exists():
            return
        state = json.loads(path.read_text())
        self.tray.update(state["tray"])
        self.slots.update(state["slots"])
        self.bin.extend(state["bin"])
        self.output_seen = int(state["output_seen"])
        for name in ("printed", "opened_with", "taken", "cleared", "destroyed"):
            getattr(self.paper, name).update(state.get(name, {}))
        for slot in self.slots:
            self.bus.put_item(slot)
        if self.bin and self.shutter:
            self.bus.put_item(self.shutter)

    def _printed(self, doc: str) -> None:
        with self._lock:
            self.paper.printed[doc] += 1
            if self.shutter is None:
                self.tray[doc] += 1
                return
            self.bin.append(doc)
        self.bus.put_item(self.shutter)

    # -- doors -------------------------------------------------------------------------

    def doors(self, stop: threading.Event) -> None:
        """Whoever is at an open door: a citizen takes the paper; staff put a printed document in."""
        slots = [s for s, _, _ in self.cfg.slot_layout()]
        was_open: set[str] = set()
        while not stop.is_set():
            for slot in slots:
                if not self.bus.door_open(slot):
                    was_open.discard(slot)
                    continue
                if slot in self._busy or slot in was_open:
                    continue  # being handled, or open since before (a walk-away leaves the shutter open)
                was_open.add(slot)
                self._busy.add(slot)
                delay = 0.02 if self.fast else self.rng.uniform(*PEOPLE_DELAY_S)
                handler = self._at_shutter if slot == self.shutter else \
                    self._at_reject if slot == self.reject else self._at_door
                threading.Timer(delay, self._guard, args=(handler, slot)).start()
            stop.wait(LOOP_S)

    def _guard(self, handler: Any, slot: str) -> None:
        try:
            handler(slot)
        finally:
            self._busy.discard(slot)

    def _at_door(self, slot: str) -> None:
        with self._lock:
            inside = self.slots.pop(slot, None)
            if inside is not None:  # a citizen: the paper inside is theirs, if they asked for it
                self.paper.opened_with[inside] += 1
                self.paper.taken[inside] += 1
                if self.waiting.pop(inside, None) is None:
                    self.paper.unexpected_openings.append(f"{inside} at {slot}")
        if inside is not None:
            self.bus.take_item(slot)
        elif self._load(slot):
            self.bus.put_item(slot)
        self.bus.close_door(slot)

    def _load(self, slot: str) -> bool:
        """Staff put the document the station reserved this slot for in it, if its sheet is in the tray."""
        doc = self._occupant(slot)
        with self._lock:
            # Through real CUPS the sheets are not followed: the document is taken as printed.
            if doc is None or (self.tray[doc] <= 0 and not self.options.cups):
                return False
            self.tray[doc] = max(0, self.tray[doc] - 1)
            self.slots[slot] = doc
            return True

    def _at_shutter(self, slot: str) -> None:
        """The citizen whose document the station is presenting stands there: they take the paper, or walk away."""
        citizen = self._presented()
        with self._lock:
            sheets = list(self.bin)
            for doc in sheets:
                self.paper.opened_with[doc] += 1
            if sheets and citizen is None:
                self.paper.unexpected_openings.append(f"{','.join(sheets)} at the shutter, nobody being served")
        if not sheets or citizen is None:
            return  # nothing to take, or nobody there: the shutter mechanism closes it in time
        if self.rng.random() < WALK_AWAY:
            with self._lock:
                if self.serving == citizen:
                    self.serving = None  # walked away; the paper stays in the bin
            return
        with self._lock:
            for doc in sheets:
                self.paper.taken[doc] += 1
                if doc != citizen:
                    self.paper.wrong_person.append(f"{doc} to the citizen of {citizen}")
            self.bin.clear()
            self.waiting.pop(citizen, None)
            if self.serving == citizen:
                self.serving = None
        self.bus.take_item(slot)
        self.bus.close_door(slot)

    def _at_reject(self, slot: str) -> None:
        """The reject box's flap: whatever is in the bin drops into the locked box."""
        with self._lock:
            for doc in self.bin:
                self.paper.cleared[doc] += 1
            self.bin.clear()
        if self.shutter:
            self.bus.take_item(self.shutter)
        self.bus.close_door(slot)

    def shutter_mechanism(self, stop: threading.Event) -> None:
        """A shutter left open past the presentation time closes by itself (the paper stays in the bin)."""
        assert self.shutter is not None
        opened_at: float | None = None
        limit = self.cfg.dispenser.presentation_seconds + 1.0
        while not stop.wait(0.2):
            if not self.bus.door_open(self.shutter):
                opened_at = None
            elif opened_at is None:
                opened_at = time.monotonic()
            elif time.monotonic() - opened_at > limit:
                self.bus.close_door(self.shutter)

    # -- citizens ------------------------------------------------------------------------

    def locker_citizens(self, stop: threading.Event) -> None:
        """Citizens whose documents are staged come and scan their tokens (and type their PINs)."""
        while not stop.is_set():
            for job in self._ready(5):
                if time.monotonic() - self.scanned.get(job.id, -1e9) < 15:
                    continue  # scanned recently: give the station time
                self.scan(job.id)
                stop.wait(0.02 if self.fast else 0.15)
                break
            stop.wait(0.02 if self.fast else 0.2)

    def dispenser_citizens(self, stop: threading.Event) -> None:
        """A queue: the first in line scans and waits for their paper; now and then someone scans too early."""
        while not stop.is_set():
            ready = self._ready(5)
            with self._lock:
                front = self.serving
            if front is not None:
                state = self._state(front)
                if state not in _BEING_SERVED:  # held, or gone: the citizen leaves the queue to see staff
                    with self._lock:
                        self.serving = None
                    continue
                if ready and self.rng.random() < 0.05:
                    self._scan(ready[-1].id)  # impatient: the kiosk says busy, nothing is spent
                if time.monotonic() - self.scanned.get(front, 0.0) > 20 and state is JobState.RENDERED:
                    self._scan(front, again=True)  # refused or lost to a restart: scan again
                stop.wait(0.2)
                continue
            if ready:
                with self._lock:
                    self.serving = ready[0].id
                    self.waiting[ready[0].id] = time.monotonic()
                self._scan(ready[0].id)
            stop.wait(0.02 if self.fast else 0.2)

    def scan(self, doc: str, token_text: str | None = None) -> None:
        """A citizen scans their token (the one given, else theirs) and waits at the station for their paper."""
        with self._lock:
            self.waiting[doc] = time.monotonic()
        if token_text is not None:
            self.scanned[doc] = time.monotonic()
            self.station.scanner.send(token_text)
        else:
            self._scan(doc)

    def _scan(self, doc: str, *, again: bool = False) -> None:
        try:
            approval = self.station.office.approval(doc)
        except KeyError:
            return
        text = approval.token
        if doc in self.scanned or again:
            # Scanned before and still waiting: that token may be spent (a release the station recorded,
            # then lost to a crash). The citizen asks for a new one, as staff would issue.
            text = token.issue(self.station.office.issuer_key, self.cfg.station.id, doc, ttl_seconds=7 * 86400,
                               pin=approval.pin is not None)
        self.scanned[doc] = time.monotonic()
        self.station.scanner.send(text)
        if approval.pin:
            self._type_pin(approval.pin)

    def _type_pin(self, pin: str) -> None:
        client = ControlClient(self.cfg.path(self.cfg.paths.control_socket), timeout=10)  # type: ignore[arg-type]
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with contextlib.suppress(ControlError):
                view = client.call(ops.KIOSK_VIEW)
                if view.get("screen") == "pin" and view.get("session"):
                    client.call(ops.KIOSK_PIN, {"session": view["session"], "pin": pin}, actor="citizen")
                    return
            time.sleep(0.1)

    # -- staff ------------------------------------------------------------------------------

    def staff(self, stop: threading.Event) -> None:
        """Staff retry held documents now and then (scripted days), and empty a bin the station says must be empty."""
        retries: Tally[str] = Tally()
        while not stop.wait(3.0):
            conn = spool.connect(self.cfg.spool_path)
            try:
                # Retries only in a scripted day: in a demo, held documents wait for the person at the ops page.
                for job in jobs.jobs_in(conn, JobState.HELD, limit=20) if self.options.auto_collect else []:
                    if Action.RETRY in operations.allowed(job) and retries[job.id] < 5:
                        retries[job.id] += 1
                        operations.retry(conn, job.id, actor="operator:sim-staff")
                    elif job.slot and job.held_from == "released" and retries[job.id] < 5:
                        # A latch that jammed on release: staff free it and put the document back to wait.
                        retries[job.id] += 1
                        machine.transition(conn, job.id, JobState.STAGED, actor="operator:sim-staff",
                                           action="job.latch_freed", details={"reason": job.held_reason})
                if self.options.auto_collect:  # (issue 22) the tasks the station gives staff
                    sim_staff.look_in_slots(self, conn)
                    sim_staff.look_in_tray(self, conn)
                if self.shutter and self._presented() is None and any(
                        a.kind == "bin_not_empty" for a in alarms.list_alarms(conn, open_only=True)):
                    self._clear_bin(conn)  # paper nobody is being served: staff take it out
            finally:
                conn.close()

    def _clear_bin(self, conn: Any) -> None:
        with self._lock:
            for doc in self.bin:
                self.paper.cleared[doc] += 1
            self.bin.clear()
        self.bus.take_item(self.shutter)  # type: ignore[arg-type]
        for alarm in alarms.list_alarms(conn, open_only=True):
            if alarm.kind == "document_retained":  # the station clears bin_not_empty itself
                with contextlib.suppress(spool.SpoolError):
                    alarms.acknowledge(conn, alarm.id, actor="operator:sim-staff")

    # -- reading the spool --------------------------------------------------------------------

    def _ready(self, limit: int) -> list[jobs.Job]:
        ready = JobState.STAGED if self.options.kind == "locker" else JobState.RENDERED
        conn = spool.connect(self.cfg.spool_path)
        try:
            return jobs.jobs_in(conn, ready, limit=limit)
        finally:
            conn.close()

    def _state(self, doc: str) -> JobState | None:
        conn = spool.connect(self.cfg.spool_path)
        try:
            job = jobs.find_job(conn, doc)
            return job.state if job else None
        finally:
            conn.close()

    def _presented(self) -> str | None:
        """The document the station is presenting now (its citizen scanned for it: tokens are personal)."""
        conn = spool.connect(self.cfg.spool_path)
        try:
            going = [j.id for state in (JobState.PRINTED, JobState.PRINTING, JobState.RELEASED)
                     for j in jobs.jobs_in(conn, state, limit=5)]
        finally:
            conn.close()
        if len(going) > 1:
            with self._lock:
                self.paper.wrong_person.append(f"two presentations at once: {', '.join(going)}")
        return going[0] if going else None

    def _occupant(self, slot: str) -> str | None:
        conn = spool.connect(self.cfg.spool_path)
        try:
            return spool.slots.get_slot(conn, slot).occupant
        except spool.SpoolError:
            return None
        finally:
            conn.close()
