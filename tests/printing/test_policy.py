"""The per-kind printing policies are objects the station configures (issue 23): no lambdas reach the stage."""

from __future__ import annotations

import inspect
from pathlib import Path

from spool.states import Flow
from station.config import Config
from station.printing.policy import DispenserPolicy, LockerPolicy, policies_for
from station.printing.stage import PrintStage


class Bin:
    """A bin sensor with a fixed answer (or a broken one)."""

    def __init__(self, seen: bool, empty: bool, broken: bool = False) -> None:
        self.seen, self.is_empty, self.broken = seen, empty, broken

    def paper_seen(self, job) -> bool:  # type: ignore[no-untyped-def]
        if self.broken:
            raise OSError("sensor unplugged")
        return self.seen

    def empty(self) -> bool:
        return self.is_empty


def test_a_locker_station_prints_ahead_within_its_margin() -> None:
    cfg = Config.model_validate({"station": {"kind": "locker"}, "loading": {"print_ahead_margin": 3},
                                 "base_dir": Path(".")})
    dispenser, locker = policies_for(cfg)
    assert isinstance(dispenser, DispenserPolicy) and dispenser.bin is None
    assert isinstance(locker, LockerPolicy) and locker.ahead_margin == 3
    assert [p.flow for p in policies_for(cfg)] == [Flow.DISPENSER, Flow.LOCKER]  # a waiting citizen first


def test_a_dispenser_station_watches_its_bin() -> None:
    cfg = Config.model_validate({"station": {"kind": "dispenser"}, "base_dir": Path(".")})
    output_bin = Bin(seen=False, empty=True)
    dispenser, locker = policies_for(cfg, output_bin)
    assert dispenser.bin is output_bin and locker.ahead_margin is None


def test_a_lost_dispenser_attempt_is_judged_by_the_bin() -> None:
    assert DispenserPolicy(Bin(seen=True, empty=False)).lost_paper(None) is True  # type: ignore[arg-type]
    assert DispenserPolicy(Bin(seen=False, empty=True)).lost_paper(None) is False  # type: ignore[arg-type]
    assert DispenserPolicy(Bin(seen=False, empty=False)).lost_paper(None) is None  # type: ignore[arg-type]
    assert DispenserPolicy(Bin(False, False, broken=True)).lost_paper(None) is None  # type: ignore[arg-type]
    assert DispenserPolicy().lost_paper(None) is False  # type: ignore[arg-type]
    assert LockerPolicy().lost_paper(None) is False  # type: ignore[arg-type]


def test_the_stage_takes_settings_and_objects_not_a_list_of_keywords() -> None:
    parameters = [p for p in inspect.signature(PrintStage.__init__).parameters if p != "self"]
    assert parameters == ["conn", "printer", "settings", "policies", "sensor", "events"]
