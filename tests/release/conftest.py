"""A locker station on a real pseudo-terminal lock bus, with the counter running."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import spool
from patience import wait
from drivers.locks.locker import Locker
from simulators.lockbus import LockBusSim
from spool import machine, slots
from spool.states import Flow
from station import config
from station.trust import token
from station.trust import store as trust
from station.cli import main
from station.release.counter import Counter
from station.parts.devices import locker_for
from station.trust import pickup_code
from station.trust.pin import make_verifier

STATION = "MPP-TEST-01"


@dataclass
class Rig:
    """Everything a release test touches."""

    folder: Path
    cfg: config.Config
    issuer: Any
    sim: LockBusSim
    locker: Locker
    counter: Counter
    events: list[tuple[str, dict]] = field(default_factory=list)

    @property
    def conn(self) -> Any:
        return spool.connect(self.cfg.spool_path)

    def stage(self, job_id: str, slot: str, *, pin: str | None = None, pickup_expires: str | None = None,
              code: pickup_code.IssuedCode | None = None, nik: str | None = None) -> None:
        """A printed document loaded into `slot`, waiting for its citizen (`code`: its typed code, §4.1)."""
        payload: dict[str, Any] = {"id": job_id, "data": {"nama": "Siti Aminah"}}
        if pin is not None:
            payload["pin_verifier"] = make_verifier(pin, ln=4)
        if code is not None:
            payload.update(code.fields())
        if nik is not None:
            payload["data"]["nik"] = nik
        conn = self.conn
        machine.create_job(conn, job_id, flow=Flow.LOCKER, template="akta-kelahiran", template_version=1,
                           payload=json.dumps(payload), pickup_expires=pickup_expires)
        for state in ("rendered", "printing", "printed"):
            machine.transition(conn, job_id, state, actor="system")
        slots.occupy(conn, slot, job_id, actor="operator:rina")
        machine.transition(conn, job_id, "staged", actor="operator:rina")
        conn.close()
        self.sim.put_item(slot)

    def token(self, job_id: str, *, pin: bool = False, now: int | None = None, key: Any = None) -> str:
        return token.issue(key or self.issuer, STATION, job_id, ttl_seconds=86400, pin=pin, now=now)

    def scan(self, text: str) -> Any:
        return self.counter.scan(text).result(timeout=20)

    def type_code(self, code: str) -> Any:
        """(issue 24) The citizen types the pickup code at the kiosk."""
        return self.counter.enter_code(code).result(timeout=20)

    def state(self, job_id: str) -> str:
        conn = self.conn
        try:
            return spool.jobs.get_job(conn, job_id).state.value
        finally:
            conn.close()


def make_rig(tmp_path: Path, *, auto_close: float | None = 0.3, env: dict[str, str] | None = None,
             items: tuple[str, ...] = (), bus: str | None = None,
             clock: Callable[[], float] | None = None) -> Rig:
    """A station with its counter running; `items` are in their slots already (paper that survived a restart).

    `bus` (`B:8a80:1x8`) makes its one lock bus of another family (8A/80 boards have no item sensor);
    `clock` stands in for the counter's clock (a clock that jumps).
    """
    folder = tmp_path / "station"
    if not (folder / "station.toml").exists():
        assert main(["init", str(folder), "--station-id", STATION, *(["--bus", bus] if bus else [])]) == 0
        issuer = trust.new_private_key()
        trust.save_private_key(issuer, folder / "keys" / "issuer.pem")
        store = trust.TrustStore.load(folder / "trust.json").with_key(trust.entry_for(issuer, "issuer"))
        store.save(folder / "trust.json")
    issuer = trust.load_private_key(folder / "keys" / "issuer.pem")
    environ = {"STATION_RELEASE_REFUSED_SCANS_PER_MINUTE": "100", "STATION_RELEASE_REOPEN_GRACE_SECONDS": "0",
               **(env or {})}
    cfg = config.load(folder / "station.toml", environ=environ)
    sim = LockBusSim.from_bus_config(cfg.bus[0], link=cfg.base_dir / cfg.bus[0].port, auto_close=auto_close,
                                     latch_ms=20).start()
    for slot in items:
        sim.put_item(slot)
    events: list[tuple[str, dict]] = []
    counter_box: list[Counter] = []
    locker = locker_for(cfg, on_event=lambda e: counter_box[0].on_lock_event(e) if counter_box else None)
    locker.start()
    wait(lambda: all(s.value == "online" for s in locker.bus_states().values()), what="bus online")
    counter = Counter(cfg, trust.TrustStore.load(cfg.path(cfg.paths.trust_store)), locker,
                      lambda kind, data: events.append((kind, data)), clock=clock or time.time)
    counter_box.append(counter)
    counter.start()
    # As the daemon does once the buses have read: settle what closed while the station was down. (A watch
    # the tick settles later would move a job under a test's feet.)
    counter.resume_watches().result(timeout=10)
    return Rig(folder, cfg, issuer, sim, locker, counter, events)


def stop_rig(rig: Rig) -> None:
    rig.counter.stop()
    rig.locker.stop()
    rig.sim.stop()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    made = make_rig(tmp_path)
    yield made
    stop_rig(made)
