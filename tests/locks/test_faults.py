"""Every simulator fault, through a real pty, and what the driver reports for it."""

from __future__ import annotations

import time

import pytest

from drivers.locks import BoardState, BusState, Door, Item, Outcome, UnlockNotSent
from station.config import BoardSection

from patience import wait
from .conftest import Rig


def answering(bus, board: int = 1) -> bool:  # type: ignore[no-untyped-def]
    return bus.boards[board].state is BoardState.ANSWERING


def test_no_reply_makes_slots_unknown_not_closed(rig: Rig, family: str) -> None:
    sim = rig.sim(family, boards=2, faults=["noreply@2"])
    bus = rig.bus(sim)
    wait(lambda: bus.boards[2].state is BoardState.SILENT, what="board 2 silent")
    assert {s.door for s in bus.statuses() if s.board == 2} == {Door.UNKNOWN}
    assert {s.door for s in bus.statuses() if s.board == 1} == {Door.CLOSED}
    assert "board_silent" in rig.kinds(board=2)
    sim.clear_fault()
    wait(lambda: answering(bus, 2), timeout=6, what="board 2 back")
    assert rig.kinds(board=2)[-1] == "board_back"


def test_counted_no_reply_loses_only_those_replies(rig: Rig) -> None:
    sim = rig.sim("cu16")
    bus = rig.bus(sim, poll=False)
    sim.add_fault("noreply@1=1")
    bus.read_boards()
    assert bus.boards[1].state is BoardState.SILENT
    bus.read_boards()
    assert bus.boards[1].state is BoardState.ANSWERING
    assert sim.stats.dropped_replies == 1


def test_a_late_reply_never_answers_the_next_request(rig: Rig, family: str) -> None:
    """Board 1 answers after the timeout; its doors are open, board 2's shut: no mix-up, ever."""
    sim = rig.sim(family, boards=2, faults=["late@1=1800"] if family == "8a80" else ["late@1=700"])
    for lock in range(1, sim.boards[1].locks + 1):
        sim.open_door(f"1-{lock:02d}")
    bus = rig.bus(sim, poll_seconds=0.02)
    time.sleep(5)
    assert bus.boards[1].state is BoardState.SILENT
    assert {s.door for s in bus.statuses() if s.board == 1} == {Door.UNKNOWN}
    assert not [e for e in rig.events if e.board == 2 and e.kind.value == "door_opened"]
    assert bus.transport.stats.strays_discarded + bus.transport.stats.bad_frames > 0
    assert answering(bus, 2) or bus.boards[2].state is BoardState.SILENT  # never "open"


def test_a_slow_reply_within_the_timeout_is_accepted(rig: Rig, family: str) -> None:
    sim = rig.sim(family, faults=["late@1=300"])
    bus = rig.bus(sim)
    wait(lambda: answering(bus), what="a slow but timely answer")
    assert bus.unlock(1, 1) is Outcome.OPENED


def test_replies_in_bursts_are_put_together(rig: Rig, family: str) -> None:
    sim = rig.sim(family, faults=["burst=10"])
    bus = rig.bus(sim)
    wait(lambda: answering(bus), what="first read")
    assert bus.unlock(1, 3) is Outcome.OPENED
    time.sleep(0.5)
    assert answering(bus) and "board_silent" not in rig.kinds()
    assert bus.status(1, 3).door is Door.OPEN


def test_bad_checksum_is_an_error_then_recovery(rig: Rig, family: str) -> None:
    sim = rig.sim(family)
    bus = rig.bus(sim, poll=False)
    bus.read_boards()
    sim.add_fault("badsum@1")
    bus.read_boards()
    assert bus.boards[1].state is BoardState.SILENT
    assert bus.status(1, 1).door is Door.UNKNOWN
    assert bus.transport.stats.bad_frames >= 1
    sim.clear_fault("badsum")
    bus.read_boards()
    assert answering(bus) and bus.status(1, 1).door is Door.CLOSED


def test_transmit_echo_is_detected_and_discarded(rig: Rig, family: str) -> None:
    sim = rig.sim(family, faults=["echo"])
    bus = rig.bus(sim)
    wait(lambda: answering(bus), what="first read")
    # Found by the probe when the port opened, or (a probe answered late on a busy machine) by the first reads.
    wait(lambda: bus.transport.echo is True, what="the echo noticed")
    assert bus.unlock(1, 1) is Outcome.OPENED  # an 8A echo looks like a "closed" reply: not taken for one
    assert bus.unlock(1, 2) is Outcome.OPENED
    assert bus.status(1, 3).door is Door.CLOSED
    assert bus.transport.stats.echoes_discarded >= 3


def test_an_echo_that_stops_is_noticed(rig: Rig, family: str) -> None:
    sim = rig.sim(family, faults=["echo"])
    bus = rig.bus(sim, poll=False)
    bus.read_boards()
    assert bus.transport.echo is True and answering(bus)
    sim.clear_fault("echo")
    assert bus.unlock(1, 1) is Outcome.OPENED
    bus.read_boards()
    bus.read_boards()
    assert bus.transport.echo is False and answering(bus)


def test_an_echo_that_starts_later_is_found(rig: Rig) -> None:
    sim = rig.sim("cu16")
    bus = rig.bus(sim, poll=False)
    assert bus.transport.echo is False
    sim.add_fault("echo")
    bus.read_boards()
    assert bus.transport.echo is True and answering(bus)
    assert bus.unlock(1, 1) is Outcome.OPENED


def test_silent_board(rig: Rig, family: str) -> None:
    sim = rig.sim(family, boards=2, faults=["silent@2"])
    bus = rig.bus(sim)
    wait(lambda: bus.boards[2].state is BoardState.SILENT, what="board 2 silent")
    assert bus.unlock(2, 1) is Outcome.UNKNOWN  # the frame left; nothing was seen
    assert not sim.door_open("A-2-01")
    assert answering(bus, 1)


def test_port_vanishes_and_comes_back(rig: Rig, family: str) -> None:
    sim = rig.sim(family)
    bus = rig.bus(sim)
    wait(lambda: answering(bus), what="first read")
    sim.add_fault("vanish=1.5")
    wait(lambda: bus.state is BusState.UNREACHABLE, what="unreachable")
    assert {s.door for s in bus.statuses()} == {Door.UNKNOWN}
    with pytest.raises(UnlockNotSent):
        bus.unlock(1, 1)
    wait(lambda: bus.state is BusState.ONLINE, timeout=10, what="back online")
    wait(lambda: bus.status(1, 1).door is Door.CLOSED, what="read again")
    assert rig.kinds()[:2] == ["bus_unreachable", "bus_back"]
    assert sim.unlock_count("A-1-01") == 0
    assert bus.unlock(1, 1) is Outcome.OPENED


def test_inverted_polarity(rig: Rig, family: str) -> None:
    sim = rig.sim(family, faults=["invert@1"])
    wrong = rig.bus(sim, poll=False)
    wrong.read_boards()
    assert {s.door for s in wrong.statuses()} == {Door.OPEN}  # what a wrong polarity setting shows
    wrong.stop()
    board = BoardSection(address=1, locks=sim.boards[1].locks, locked_bit=0, feedback="door_opening")
    right = rig.bus(sim, poll=False, boards=[board])
    right.read_boards()
    assert {s.door for s in right.statuses()} == {Door.CLOSED}
    assert right.unlock(1, 5) is Outcome.OPENED


def test_door_opened_without_command_is_a_security_event(rig: Rig, family: str) -> None:
    sim = rig.sim(family)
    bus = rig.bus(sim)
    wait(lambda: bus.status(1, 6).door is Door.CLOSED, what="first read")
    sim.add_fault("forced@1-06")
    wait(lambda: "door_forced" in rig.kinds("A-1-06"), what="the security event")
    forced = [e for e in rig.events if e.kind.value == "door_forced"]
    assert forced[0].security and forced[0].slot == "A-1-06"
    assert rig.kinds("A-1-06") == ["door_opened", "door_forced"]


def test_door_left_open(rig: Rig, family: str) -> None:
    sim = rig.sim(family, auto_close=0.2, faults=["leftopen@1-02"])
    bus = rig.bus(sim, open_alarm_seconds=0.6)
    assert bus.unlock(1, 1) is Outcome.OPENED
    assert bus.unlock(1, 2) is Outcome.OPENED
    wait(lambda: "door_left_open" in rig.kinds("A-1-02"), what="the alarm")
    wait(lambda: "door_closed" in rig.kinds("A-1-01"), what="the other door shut")
    assert "door_left_open" not in rig.kinds("A-1-01")
    assert bus.status(1, 2).door is Door.OPEN


def test_item_not_removed(rig: Rig) -> None:
    sim = rig.sim("cu16", auto_close=0.2, items=True, faults=["keepitem@1-02"])
    bus = rig.bus(sim)
    wait(lambda: bus.status(1, 1).item is Item.PRESENT, what="first read")
    bus.unlock(1, 1)
    bus.unlock(1, 2)
    wait(lambda: bus.status(1, 1).door is Door.CLOSED and bus.status(1, 2).door is Door.CLOSED,
               what="both doors shut again")
    assert bus.status(1, 1).item is Item.ABSENT and "item_changed" in rig.kinds("A-1-01")
    assert bus.status(1, 2).item is Item.PRESENT and "item_changed" not in rig.kinds("A-1-02")


def test_8a80_has_no_item_sensor(rig: Rig) -> None:
    sim = rig.sim("8a80", items=True)
    bus = rig.bus(sim, poll=False)
    bus.read_boards()
    assert {s.item for s in bus.statuses()} == {Item.UNKNOWN}


def test_power_cycle(rig: Rig, family: str) -> None:
    sim = rig.sim(family, boards=2, latch_ms=400)
    bus = rig.bus(sim, poll_seconds=0.02)
    wait(lambda: answering(bus, 1), what="first read")
    future = bus.submit_unlock(1, 1)
    future.sent.wait(2)
    sim.add_fault("powercycle@1=3")  # the pulse is cut: the door stays shut
    assert future.result() is Outcome.UNKNOWN  # nothing could be read while it was off
    assert not sim.door_open("A-1-01")
    assert "board_silent" in rig.kinds(board=1)
    wait(lambda: answering(bus, 1), timeout=8, what="board 1 back after its restart")
    assert "board_back" in rig.kinds(board=1) and answering(bus, 2)
    assert sim.unlock_count("A-1-01") == 1
