"""The Locker over several buses, from a configuration, from asyncio; change-only events."""

from __future__ import annotations

import asyncio
import tomllib
from pathlib import Path

import pytest

from drivers.locks import BusState, Door, Item, Locker, Outcome, UnknownSlot, UnlockNotSent
from drivers.serialport import PortVanished
from simulators.lockbus import LockBusSim
from station import config as config_module
from station.cli.init_cmd import render_config
from station.config import BoardSection, BusSection
from station.parts.devices import locker_for
from drivers.errors import DeviceConfigError as ConfigError

from patience import wait
from .conftest import Rig


def test_two_buses_of_two_families(rig: Rig) -> None:
    one = rig.sim("cu16", boards=1, name="one")
    two = LockBusSim.uniform("8a80", rig.tmp_path / "two", boards=1, locks=8, latch_ms=30)
    two.boards = {3: two.boards.pop(1)}  # the 8A/80 board's DIP switches say 3
    two.boards[3].spec = type(two.boards[3].spec)(3, 8, 1, None)
    rig.sims.append(two.start())
    events: list = []
    locker = Locker([rig.section(one), BusSection(name="B", port=str(two.link.link), family="8a80",
                                                  boards=[BoardSection(address=3, locks=8)],
                                                  poll_seconds=0.05, confirm_seconds=1.0)],
                    on_event=events.append)
    locker.start(require_ports=True)
    try:
        statuses = locker.refresh()
        assert [s.slot for s in statuses][:2] == ["A-1-01", "A-1-02"] and statuses[-1].slot == "B-3-08"
        assert locker.unlock("B-3-08") is Outcome.OPENED and two.door_open("B-3-08")
        assert locker.unlock("A-1-16") is Outcome.OPENED and one.door_open("A-1-16")
        assert locker.status("B-3-08").door is Door.OPEN
        assert locker.bus_states() == {"A": BusState.ONLINE, "B": BusState.ONLINE}
        with pytest.raises(UnknownSlot):
            locker.unlock("A-2-01")
        with pytest.raises(UnknownSlot):
            locker.status("nonsense")
    finally:
        locker.stop()


def test_two_buses_may_each_have_a_board_1() -> None:
    """Slot names carry the bus: A-1-05 and B-1-05 are two slots."""
    locker = Locker([BusSection(name="A", port="/dev/a"), BusSection(name="B", port="/dev/b")])
    assert locker.locate("A-1-05")[0].name == "A" and locker.locate("B-1-05")[0].name == "B"
    with pytest.raises(UnknownSlot, match="several buses"):
        locker.resolve("1-05")
    assert Locker([BusSection(name="A", port="/dev/a")]).resolve("1-05") == "A-1-05"


@pytest.mark.parametrize("bus", [
    BusSection(family="cu16", boards=[BoardSection(address=17)]),
    BusSection(family="cu16", boards=[BoardSection(address=1, locks=24)]),
    BusSection(family="8a80", boards=[BoardSection(address=2), BoardSection(address=2)]),
])
def test_boards_a_family_cannot_address_are_config_errors(bus: BusSection) -> None:
    with pytest.raises(ConfigError):
        Locker([bus])


def test_from_the_station_configuration(tmp_path: Path) -> None:
    """The simulated station's config names the port relative to its folder: run/lockbus-A."""
    raw = tomllib.loads(render_config("MPP-T-01", "locker"))
    raw["bus"][0].update(poll_seconds=0.05)
    cfg = config_module.from_dict(raw, base_dir=tmp_path, environ={})
    sim = LockBusSim.from_bus_config(cfg.bus[0], tmp_path / "run" / "lockbus-A", latch_ms=20, items=True)
    sim.start()
    locker = locker_for(cfg)
    try:
        locker.start(require_ports=True)
        statuses = locker.refresh()
        assert len(statuses) == 16 and {s.item for s in statuses} == {Item.PRESENT}
        assert locker.unlock("A-1-13") is Outcome.OPENED
    finally:
        locker.stop()
        sim.stop()


def test_asyncio_unlock(rig: Rig, family: str) -> None:
    sim = rig.sim(family)
    locker = Locker([rig.section(sim)])
    locker.start(require_ports=True)

    async def scenario() -> list[Outcome]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.001)

        task = asyncio.create_task(ticker())
        outcomes = [await locker.unlock_async("A-1-01"), await locker.unlock_async("A-1-01")]
        task.cancel()
        assert ticks > 5  # the event loop kept running while the bus worked
        return outcomes

    try:
        assert asyncio.run(scenario()) == [Outcome.OPENED, Outcome.ALREADY_OPEN]
    finally:
        locker.stop()


def test_a_missing_port_at_start_then_found(tmp_path: Path) -> None:
    events: list = []
    link = tmp_path / "late-bus"
    locker = Locker([BusSection(name="A", port=str(link), poll_seconds=0.05, confirm_seconds=1.0)],
                    on_event=events.append)
    with pytest.raises(PortVanished):
        locker.start(require_ports=True)
    locker.start()
    sim = LockBusSim.uniform("cu16", link, latch_ms=20)
    try:
        assert locker.bus_states() == {"A": BusState.UNREACHABLE}
        with pytest.raises(UnlockNotSent):
            locker.unlock("A-1-01")
        sim.start()
        wait(lambda: locker.bus_states()["A"] is BusState.ONLINE, timeout=10, what="the bus found")
        wait(lambda: locker.status("A-1-01").door is Door.CLOSED, what="first read")
        assert [e.kind.value for e in events][:2] == ["bus_unreachable", "bus_back"]
        assert locker.unlock("A-1-01") is Outcome.OPENED
    finally:
        locker.stop()
        sim.stop()


def test_change_only_events(rig: Rig) -> None:
    sim = rig.sim("cu16")
    bus = rig.bus(sim)
    wait(lambda: bus.status(1, 1).door is Door.CLOSED, what="first read")
    assert rig.events == []  # the first reading is a state, not a change
    sim.put_item("A-1-01")
    wait(lambda: bus.status(1, 1).item is Item.PRESENT, what="item seen")
    bus.unlock(1, 1)
    sim.take_item("A-1-01")
    sim.close_door("A-1-01")
    wait(lambda: bus.status(1, 1).door is Door.CLOSED, what="door shut")
    wait(lambda: len(rig.events) >= 4, what="events")
    kinds = rig.kinds("A-1-01")
    assert kinds[:2] == ["item_changed", "door_opened"]
    assert sorted(kinds[2:]) == ["door_closed", "item_changed"]  # one read may see both
    assert [e.item for e in rig.events if e.kind.value == "item_changed"] == [Item.PRESENT, Item.ABSENT]


def test_a_failing_listener_does_not_stop_the_bus(rig: Rig) -> None:
    sim = rig.sim("cu16")
    section = rig.section(sim)

    def listener(event: object) -> None:
        raise RuntimeError("listener bug")

    from drivers.locks import LockBus
    bus = LockBus(section, on_event=listener)
    rig.buses.append(bus)
    bus.start(require_port=True)
    sim.open_door("A-1-02")
    assert bus.unlock(1, 3) is Outcome.OPENED
    wait(lambda: bus.status(1, 2).door is Door.OPEN, what="the forced door seen")
