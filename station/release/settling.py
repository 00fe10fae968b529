"""(issue 22) Every release settles: what staff find in a slot the station cannot judge, and acts left open.

A locker board without item sensors (the 8A/80 family) tells the station a
door's state, never whether paper is inside. Its rule (README, "When is a
document collected?"): a document is collected when its door was seen open,
then shut, after its release. When a crash hid the door (the unlock was
recorded, the door is shut now, nobody saw it open) the station cannot
decide: it asks staff through a `slot_check` task, and staff open the slot
with a technician, look, and say what they found (`Action.CONFIRM_COLLECTED`
or `Action.PAPER_INSIDE`). Apart from that, every act of the ledger left
open longer than `release.intent_alarm_seconds` raises an alarm that names
it: nothing waits forever without a person being told.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

import spool
from spool import alarms, intents, machine, rfc3339
from spool.intents import Kind
from spool.jobs import Job, find_job
from spool.rules import SETTLE_TARGET
from spool.states import Action, JobState

SLOT_CHECK = "slot_check"    # the task: open the slot with a technician and look
INTENT_OPEN = "intent_open"  # an act of the ledger open too long
_FOUND = {Action.CONFIRM_COLLECTED: "empty", Action.PAPER_INSIDE: "paper_inside"}


def ask_staff(conn: sqlite3.Connection, job_id: str, slot: str) -> alarms.Alarm:
    """Raise the task for a release the station cannot settle (one open task per job and slot)."""
    return alarms.raise_alarm(
        conn, SLOT_CHECK, f"slot {slot}: the station cannot tell whether document {job_id} was collected (its door"
        " was not seen open after the release). Open the slot with a technician and look, then choose"
        " 'confirm collected' or 'paper still inside'.", job=job_id, slot=slot, severity="critical")


def settle(conn: sqlite3.Connection, job: Job, action: Action, *, actor: str) -> Job:
    """Record what staff found (the caller checked the action is allowed): the job moves, its open acts close."""
    target = SETTLE_TARGET[job.flow][action]
    with spool.write(conn):
        open_unlock = intents.open_for(conn, job.id, Kind.UNLOCK)
        if open_unlock is not None:  # the unlock a crash cut off: its outcome is what staff found
            intents.finish(conn, open_unlock.id, "settled_by_staff", actor=actor,
                           audit_details={"found": _FOUND[action]})
        # The reason travels to the back office with the event (`collected`, `staged` or `retained`).
        done = machine.transition(conn, job.id, target, actor=actor, action=f"job.{action.value}",
                                  reason=f"settled by staff: {_FOUND[action]}",
                                  details={"by": "operator", "found": _FOUND[action], "slot": job.slot})
        alarms.clear(conn, SLOT_CHECK, job=job.id, actor=actor, why=f"staff found: {_FOUND[action]}")
    return done


def check_open_acts(conn: sqlite3.Connection, max_age_s: float, now: datetime) -> tuple[list[alarms.Alarm], int]:
    """Alarm for every intent open longer than `max_age_s`; clear what ended. Returns (raised, cleared count)."""
    raised: list[alarms.Alarm] = []
    still_open = set()
    for intent in intents.open_intents(conn):
        device = f"intent:{intent.id}"
        still_open.add(device)
        started = _moment(intent.created_at)
        if started is None or (now - started).total_seconds() <= max_age_s:
            continue
        if alarms.open_alarms(conn, INTENT_OPEN, device=device):
            continue
        where = "".join(f" {k} {v}" for k, v in (("for document", intent.job), ("at slot", intent.slot)) if v)
        raised.append(alarms.raise_alarm(
            conn, INTENT_OPEN, f"{intent.kind.value} intent {intent.id}{where} has been open since"
            f" {intent.created_at}: its outcome is not known; check the device and the job", job=intent.job,
            slot=intent.slot, device=device))
    cleared = 0
    for alarm in alarms.open_alarms(conn, INTENT_OPEN):
        if alarm.device not in still_open:
            cleared += len(alarms.clear(conn, INTENT_OPEN, device=alarm.device, why="the intent finished"))
    for alarm in alarms.open_alarms(conn, SLOT_CHECK):
        job = find_job(conn, alarm.job_id or "")
        if job is None or job.state is not JobState.RELEASED:  # settled by the door, or by staff elsewhere
            cleared += len(alarms.clear(conn, SLOT_CHECK, job=alarm.job_id, why="the release settled"))
    return raised, cleared


def _moment(text: str) -> datetime | None:
    return rfc3339.parse_or_none(text)
