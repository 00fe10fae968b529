"""Unlocks through the real driver and the simulator on a pty: outcomes, priority, never twice."""

from __future__ import annotations

import threading
import time

import pytest

from drivers.locks import BusState, Door, Outcome, UnlockNotSent
from drivers.locks.errors import UnknownSlot

from patience import wait
from .conftest import Rig


def test_unlock_opens_a_closed_door(rig: Rig, family: str) -> None:
    sim = rig.sim(family, boards=2)
    bus = rig.bus(sim)
    wait(lambda: bus.status(2, 3).door is Door.CLOSED, what="first poll")
    assert bus.unlock(2, 3) is Outcome.OPENED
    assert sim.door_open("A-2-03")
    assert bus.status(2, 3).door is Door.OPEN
    assert sim.unlock_count("A-2-03") == 1
    assert rig.kinds("A-2-03") == ["door_opened"]  # expected: no security event


def test_unlock_of_an_open_door_is_already_open(rig: Rig, family: str) -> None:
    sim = rig.sim(family)
    bus = rig.bus(sim)
    assert bus.unlock(1, 2) is Outcome.OPENED
    assert bus.unlock(1, 2) is Outcome.ALREADY_OPEN
    assert sim.unlock_count("A-1-02") == 2  # sent anyway: a stale "open" must not keep a door shut


def test_jammed_latch(rig: Rig, family: str) -> None:
    sim = rig.sim(family, faults=["jam@1-04"])
    bus = rig.bus(sim)
    wait(lambda: bus.status(1, 4).door is Door.CLOSED, what="first poll")
    assert bus.unlock(1, 4) is Outcome.JAMMED
    assert not sim.door_open("A-1-04")
    assert sim.unlock_count("A-1-04") == 1


def test_a_power_cut_during_the_pulse_is_unknown_not_jammed(rig: Rig) -> None:
    """The board takes the unlock, loses power before the latch moves and comes back: no jam alarm."""
    sim = rig.sim("cu16")
    bus = rig.bus(sim)
    wait(lambda: bus.status(1, 4).door is Door.CLOSED, what="first poll")
    outcome: list[Outcome] = []
    worker = threading.Thread(target=lambda: outcome.append(bus.unlock(1, 4)))
    worker.start()
    wait(lambda: sim.snapshot()["slots"]["1-04"]["energised"], timeout=2, what="the latch pulse", interval=0.002)
    sim.add_fault("powercycle@1=0.5")
    worker.join(10)
    assert outcome == [Outcome.UNKNOWN]
    assert not sim.door_open("A-1-04")
    assert sim.unlock_count("A-1-04") == 1


def test_unknown_outcome_is_never_sent_again(rig: Rig, family: str) -> None:
    """The board opens the lock and its replies are lost: outcome unknown, one unlock frame, ever."""
    sim = rig.sim(family)
    bus = rig.bus(sim)
    wait(lambda: bus.status(1, 1).door is Door.CLOSED, what="first poll")
    sim.add_fault("noreply@1")
    assert bus.unlock(1, 1) is Outcome.UNKNOWN
    assert sim.door_open("A-1-01")  # it did open: only the driver cannot tell
    time.sleep(2 * bus.confirm_seconds)  # polls go on; nothing may resend the unlock
    sim.clear_fault("noreply")
    wait(lambda: bus.status(1, 1).door is Door.OPEN, what="the board to answer again")
    assert sim.unlock_count("A-1-01") == 1
    assert "door_forced" not in rig.kinds("A-1-01")  # the opening is the unlock's, not a break-in


def test_unlocks_jump_the_queue_and_never_overlap(rig: Rig) -> None:
    sim = rig.sim("cu16", boards=4, latch_ms=20)
    bus = rig.bus(sim, poll_seconds=0.001, unlock_spacing_ms=25.0)
    outcomes = []

    def worker(slot: tuple[int, int]) -> None:
        outcomes.append(bus.unlock(*slot, send_within=None))

    threads = [threading.Thread(target=worker, args=((b, lock),)) for b in (1, 2, 3, 4) for lock in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert outcomes == [Outcome.OPENED] * 8
    assert sim.stats.max_energised == 1  # never two latches at once
    assert sim.stats.collisions == 0      # never talked over a board


def test_send_within_gives_not_sent_and_moves_nothing(rig: Rig) -> None:
    sim = rig.sim("8a80", latch_ms=400)
    bus = rig.bus(sim)
    first = bus.submit_unlock(1, 1)
    first.sent.wait(2)
    with pytest.raises(UnlockNotSent):
        bus.unlock(1, 2, send_within=0.05)  # the 8A reply keeps the bus for 400 ms
    assert first.result() is Outcome.OPENED
    assert sim.unlock_count("A-1-02") == 0 and not sim.door_open("A-1-02")


def test_cancelled_before_sending_is_not_sent(rig: Rig) -> None:
    sim = rig.sim("8a80", latch_ms=300)
    bus = rig.bus(sim)
    first = bus.submit_unlock(1, 1)
    second = bus.submit_unlock(1, 2)
    assert second.cancel()
    assert first.result() is Outcome.OPENED
    time.sleep(0.2)
    assert sim.unlock_count("A-1-02") == 0


def test_the_sent_mark_and_wire_time(rig: Rig, family: str) -> None:
    sim = rig.sim(family)
    bus = rig.bus(sim)
    before = time.monotonic()
    future = bus.submit_unlock(1, 1)
    assert future.result() is Outcome.OPENED
    assert future.sent.is_set()
    assert future.wire_end is not None and future.wire_end >= before + 5 * 10 / sim.baud


def test_unknown_slot_is_a_clear_error(rig: Rig) -> None:
    sim = rig.sim("cu16")
    bus = rig.bus(sim)
    with pytest.raises(UnknownSlot):
        bus.unlock(2, 1)
    with pytest.raises(UnknownSlot):
        bus.unlock(1, 17)
    assert bus.state is BusState.ONLINE


def test_an_unlock_goes_before_reads_queued_ahead_of_it(rig: Rig) -> None:
    sim = rig.sim("8a80", boards=2, latch_ms=300)
    bus = rig.bus(sim, poll=False)
    bus.read_boards()
    busy = bus.submit_unlock(1, 1)  # holds the bus for the 300 ms pulse
    busy.sent.wait(2)
    reader = threading.Thread(target=bus.read_boards)  # queued first...
    reader.start()
    time.sleep(0.05)
    assert bus.unlock(2, 2) is Outcome.OPENED          # ...yet this goes first
    reader.join(5)
    log = list(sim.stats.requests)
    after = log[log.index("unlock 1-01") + 1:]
    assert after == ["unlock 2-02", "read_board 1", "read_board 2"]


@pytest.mark.parametrize("left", [True, False])
def test_an_internal_error_still_answers_the_caller(rig: Rig, left: bool) -> None:
    """A bug in one unlock never leaves the caller waiting, and never calls a sent unlock unsent."""
    sim = rig.sim("cu16")
    bus = rig.bus(sim)

    def broken(model, lock, future):  # type: ignore[no-untyped-def]
        if left:
            future.mark_sent(time.monotonic())
        raise RuntimeError("a bug")

    bus.link.unlock = broken  # type: ignore[method-assign]
    future = bus.submit_unlock(1, 1)
    if left:
        assert future.result(5) is Outcome.UNKNOWN
    else:
        with pytest.raises(UnlockNotSent):
            future.result(5)
    wait(lambda: bus.state is BusState.ONLINE, what="the bus reopened")
