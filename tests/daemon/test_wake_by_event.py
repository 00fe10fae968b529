"""(issue 27) The daemon's loops sleep until an event that concerns them rings, or their safety poll.

The order is asserted (a step, a ring, the next step), never a duration:
every sleep here is an hour long.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from station import config
from station.events import Bell, Event
from station.runtime.daemon import Daemon
from station.templates.stage import RenderStage

AN_HOUR = 3600.0


async def _until(check, what: str) -> None:
    for _ in range(600):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"gave up waiting for {what}")


def test_a_ring_from_another_thread_cuts_a_loops_sleep_short_and_a_stop_ends_it(station_dir: Path) -> None:
    cfg = config.load(station_dir / "station.toml", environ={})
    bell = Bell()
    steps: list[int] = []

    async def main() -> None:
        daemon = Daemon(cfg, [])

        async def step() -> float:
            steps.append(len(steps))
            return AN_HOUR

        daemon.loop("test", step, bell=bell)
        await _until(lambda: len(steps) == 1, "the first step")
        await asyncio.to_thread(bell.ring)  # as a stage's thread, or the counter's, rings it
        await _until(lambda: len(steps) == 2, "the step the ring woke")
        daemon.request_stop()
        await asyncio.wait_for(asyncio.gather(*daemon._loops), 10)
        daemon.conn.close()

    asyncio.run(main())
    assert steps == [0, 1]


def test_a_ring_before_the_loop_sleeps_is_not_lost(station_dir: Path) -> None:
    """An event that comes while the step works wakes the next sleep at once."""
    cfg = config.load(station_dir / "station.toml", environ={})
    bell = Bell()
    steps: list[int] = []

    async def main() -> None:
        daemon = Daemon(cfg, [])

        async def step() -> float:
            steps.append(len(steps))
            if len(steps) == 1:
                await asyncio.to_thread(bell.ring)  # during the step
            return AN_HOUR

        daemon.loop("test", step, bell=bell)
        await _until(lambda: len(steps) == 2, "the step the early ring woke")
        daemon.request_stop()
        await asyncio.wait_for(asyncio.gather(*daemon._loops), 10)
        daemon.conn.close()

    asyncio.run(main())
    assert steps == [0, 1]


def test_the_render_stage_is_rung_only_by_documents_received(tmp_path: Path) -> None:
    stage = RenderStage(tmp_path / "station.toml")
    for state, rings in (("received", True), ("rendered", False), ("printing", False), ("held", False)):
        stage.wake_on_job(Event(1, "job", {"job": "J", "state": state}))
        assert stage.bell.wait(0) is rings, state


def test_the_loader_is_rung_by_any_job_change_but_its_own_loads(station_dir: Path) -> None:
    from station.release.loading import Loader

    cfg = config.load(station_dir / "station.toml", environ={})
    loader = Loader(cfg, None, lambda kind, data: None)  # type: ignore[arg-type]
    for state, rings in (("printed", True), ("collected", True), ("returned", True), ("staged", False)):
        loader.wake_on_job(Event(1, "job", {"job": "J", "state": state}))
        assert loader.bell.wait(0) is rings, state


@pytest.mark.integration
def test_a_document_received_wakes_the_render_stage_in_the_daemon(station_dir: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The render stage's safety poll at an hour: a document taken in is rendered, woken by its event."""
    import spool
    from simulators.backoffice.office import BackOffice
    from spool import jobs
    from spool.states import Flow, JobState
    from station.backoffice import intake
    from station.templates import stage as render_module
    from station.trust.store import TrustStore

    monkeypatch.setattr(render_module, "SAFETY_POLL_S", AN_HOUR)
    cfg = config.load(station_dir / "station.toml", environ={})
    office = BackOffice(stations={cfg.station.id: "bearer"}, seed=27, pin_ratio=0.0)
    store_path = cfg.path(cfg.paths.trust_store)
    store = TrustStore.load(store_path).with_key(office.issuer_entry())
    store.save(store_path)
    document = office.approve(1)[0].document

    class Counted(RenderStage):
        looks = 0

        async def step(self) -> float:
            pause = await super().step()
            self.looks += 1
            return pause

    render = Counted(station_dir / "station.toml")

    async def main() -> None:
        daemon = Daemon(cfg, [render])
        running = asyncio.create_task(daemon.run())
        conn = spool.connect(cfg.spool_path)
        try:
            await _until(lambda: render.looks == 1, "the render stage's first look (now it sleeps for an hour)")
            await asyncio.to_thread(intake.take, conn, [document], store, flow=Flow(cfg.station.kind),
                                    station=cfg.station.id)
            for _ in range(3000):  # a liveness bound (the first render starts the worker), not a speed
                if jobs.get_job(conn, document["id"]).state is not JobState.RECEIVED:
                    break
                await asyncio.sleep(0.02)
            assert jobs.get_job(conn, document["id"]).state is JobState.RENDERED
            assert render.looks >= 2  # the look the event woke
            # The render worker runs below the daemon's priority (the counter wins a short core).
            import os

            workers = list(render.pool._processes)  # type: ignore[union-attr]
            mine = os.getpriority(os.PRIO_PROCESS, 0)
            assert workers and all(os.getpriority(os.PRIO_PROCESS, pid) == min(19, mine + 10) for pid in workers)
        finally:
            conn.close()
            daemon.request_stop()
            await asyncio.wait_for(running, 60)

    asyncio.run(main())
