"""Lock-bus test rig: the project's simulator and the real driver on a real pseudo-terminal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drivers.locks import LockBus, LockEvent
from simulators.lockbus import LockBusSim
from station.config import BoardSection, BusSection


class Rig:
    """A simulator and buses on it, stopped at the end of the test."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.sims: list[LockBusSim] = []
        self.buses: list[LockBus] = []
        self.events: list[LockEvent] = []

    def sim(self, family: str = "cu16", *, boards: int = 1, locks: int | None = None, name: str = "bus",
            latch_ms: float = 30.0, **options: Any) -> LockBusSim:
        sim = LockBusSim.uniform(family, self.tmp_path / name, boards=boards, locks=locks,
                                 latch_ms=latch_ms, **options)
        self.sims.append(sim)
        return sim.start()

    def section(self, sim: LockBusSim, **overrides: Any) -> BusSection:
        boards = overrides.pop("boards", None) or [
            BoardSection(address=b.address, locks=b.locks, locked_bit=b.spec.closed_bit if sim.family == "cu16" else 1,
                         feedback="door_closing" if sim.family == "cu16" or b.spec.closed_bit else "door_opening")
            for b in sim.boards.values()]
        settings: dict[str, Any] = {"name": "A", "port": str(sim.link.link), "family": sim.family,
                                    "boards": boards, "poll_seconds": 0.05, "confirm_seconds": 1.0,
                                    "unlock_spacing_ms": 0.0, "baud": sim.baud}
        settings.update(overrides)
        return BusSection(**settings)

    def bus(self, sim: LockBusSim, *, poll: bool = True, open_alarm_seconds: float | None = None,
            start: bool = True, **overrides: Any) -> LockBus:
        bus = LockBus(self.section(sim, **overrides), on_event=self.events.append, poll=poll,
                      open_alarm_seconds=open_alarm_seconds)
        self.buses.append(bus)
        if start:
            bus.start(require_port=True)
        return bus

    def kinds(self, slot: str | None = None, board: int | None = None) -> list[str]:
        return [e.kind.value for e in list(self.events)
                if (slot is None or e.slot == slot) and (board is None or e.board == board)]

    def close(self) -> None:
        for bus in self.buses:
            bus.stop()
        for sim in self.sims:
            sim.stop()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    """A fresh rig for one test."""
    r = Rig(tmp_path)
    try:
        yield r
    finally:
        r.close()


@pytest.fixture(params=["cu16", "8a80"])
def family(request: pytest.FixtureRequest) -> str:
    """Each board family in turn."""
    return str(request.param)
