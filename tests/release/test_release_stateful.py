"""Stateful property test: scans, doors, sensors and crashes in random order, on a real pty bus.

Whatever happens: no slot opens without a fresh valid token for the document
in it, no token opens twice, and every open the bus saw is in the audit.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import hypothesis.strategies as st
from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from drivers.locks.errors import LockError
from spool import audit, jobs
from station.trust import store as trust
from station.release.screens import STATE_REASONS

from patience import wait
from .conftest import Rig, make_rig, stop_rig

DOCS = {f"DOC-{n}": f"A-1-{n + 1:02d}" for n in range(4)}


class Crash(LockError):
    """The station 'dies' after recording a release and before the lock moves."""


class ReleaseMachine(RuleBasedStateMachine):
    """A model of which tokens are fresh and which doors the station opened."""

    @initialize()
    def build(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="release-sm-"))
        self.rig: Rig = make_rig(self.tmp, auto_close=None)
        self.rig.counter.repeats.window_s = 0.0  # replays come at any time here: no repeat window
        for doc, slot in DOCS.items():
            self.rig.stage(doc, slot)
        # Lists, not sets: hypothesis draws by position, and token texts are random.
        self.fresh: list[tuple[str, str]] = []  # (token text, doc), never scanned
        self.spent: list[str] = []               # tokens recorded as used
        self.expected_opens = {slot: 0 for slot in DOCS.values()}
        self.forger = trust.new_private_key()

    def teardown(self) -> None:
        if hasattr(self, "rig"):
            stop_rig(self.rig)
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _state(self, doc: str) -> str:
        return self.rig.state(doc)

    @rule(doc=st.sampled_from(sorted(DOCS)))
    def get_token(self, doc: str) -> None:
        self.fresh.append((self.rig.token(doc), doc))

    @precondition(lambda self: bool(self.fresh))
    @rule(data=st.data())
    def scan_fresh(self, data: st.DataObject) -> None:
        text, doc = self.fresh.pop(data.draw(st.integers(0, len(self.fresh) - 1)))
        releasable = self._state(doc) == "staged"
        view = self.rig.scan(text)
        if releasable:
            self.spent.append(text)
            self.expected_opens[DOCS[doc]] += 1
            assert view.screen.value in ("open", "ask_staff"), view
        else:
            assert view.reason in STATE_REASONS, view  # where the document is, in words of its own

    @precondition(lambda self: bool(self.spent))
    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        text = self.spent[data.draw(st.integers(0, len(self.spent) - 1))]
        assert self.rig.scan(text).reason == "already_used"

    @rule(doc=st.sampled_from(sorted(DOCS) + ["DOC-UNKNOWN"]), tamper=st.integers(5, 150))
    def forged_or_tampered(self, doc: str, tamper: int) -> None:
        forged = self.rig.token(doc, key=self.forger)
        assert self.rig.scan(forged).reason == "unknown_key"
        genuine = self.rig.token(doc)
        index = min(tamper, len(genuine) - 1)
        flipped = genuine[:index] + ("A" if genuine[index] != "A" else "B") + genuine[index + 1:]
        assert self.rig.scan(flipped).reason in ("malformed", "bad_signature", "unknown_key")

    @rule(doc=st.sampled_from(sorted(DOCS)), take=st.booleans())
    def citizen_at_door(self, doc: str, take: bool) -> None:
        slot = DOCS[doc]
        if not self.rig.sim.door_open(slot):
            return
        if take:
            self.rig.sim.take_item(slot)
        self.rig.sim.close_door(slot)
        target = "collected" if take else "staged"
        wait(lambda: self._state(doc) in (target, "held"), what=f"{doc} {target}")

    @precondition(lambda self: bool(self.fresh))
    @rule(data=st.data())
    def crash_between_record_and_unlock(self, data: st.DataObject) -> None:
        text, doc = self.fresh.pop(data.draw(st.integers(0, len(self.fresh) - 1)))
        if self._state(doc) == "staged":
            self.spent.append(text)  # recorded as used before the (crashing) unlock
        locker = self.rig.counter.locker

        def crash(slot: str, **_: object) -> None:
            raise Crash("power cut")

        original = locker.submit_unlock
        locker.submit_unlock = crash  # type: ignore[method-assign]
        try:
            self.rig.scan(text)
        finally:
            locker.submit_unlock = original  # type: ignore[method-assign]
        self.restart()

    @rule()
    def restart(self) -> None:
        items = tuple(slot for slot in DOCS.values() if self.rig.sim.item_present(slot))
        counts = {slot: self.rig.sim.unlock_count(slot) for slot in DOCS.values()}
        stop_rig(self.rig)
        self.rig = make_rig(self.tmp, auto_close=None, items=items)
        self.rig.counter.repeats.window_s = 0.0
        self.base_counts = {slot: counts[slot] + getattr(self, "base_counts", {}).get(slot, 0) for slot in counts}

    def _bus_opens(self, slot: str) -> int:
        return self.rig.sim.unlock_count(slot) + getattr(self, "base_counts", {}).get(slot, 0)

    @invariant()
    def no_door_opens_without_a_fresh_valid_token(self) -> None:
        if not hasattr(self, "rig"):
            return
        for slot, expected in self.expected_opens.items():
            assert self._bus_opens(slot) <= expected, (slot, self._bus_opens(slot), expected)

    @invariant()
    def every_open_is_in_the_audit(self) -> None:
        if not hasattr(self, "rig"):
            return
        conn = self.rig.conn
        try:
            assert audit.verify(conn).ok
            for slot in DOCS.values():
                recorded = conn.execute(
                    "SELECT COUNT(*) FROM audit WHERE slot_id = ? AND action IN"
                    " ('unlock.opened', 'unlock.already_open', 'unlock.jammed', 'unlock.unknown')",
                    (slot,)).fetchone()[0]
                assert recorded >= self._bus_opens(slot), (slot, recorded, self._bus_opens(slot))
            released = conn.execute("SELECT COUNT(*) FROM used_tokens").fetchone()[0]
            assert released <= len(self.spent)
            for job in jobs.list_jobs(conn, limit=10):
                assert job.state.value in ("staged", "released", "collected", "held"), job
        finally:
            conn.close()


ReleaseMachine.TestCase.settings = settings(max_examples=20, stateful_step_count=16, deadline=None)
test_release_state_machine = ReleaseMachine.TestCase
