"""Fleet benchmark: one station's /metrics with 100,000 jobs, releases while Prometheus scrapes, idle stations' memory.

1. Scrape time. A simulated station (bench/release.py's rig: the real
   counter, a serial scanner, CU16 boards on pseudo-terminals) whose spool
   holds 100,000 jobs that lived a whole life (about 700,000 audit rows);
   a control socket answers `devices` and `backoffice` as the daemon does;
   `station serve` in its own process at the daemon's niceness. Timed:
   `GET /metrics` over HTTP (the first one after start, then many), against
   `GET /healthz` on the same server (the HTTP floor), and the exposition
   alone in this process. Goal: a scrape within 20 ms.
2. Releases under scraping. The same rig: releases (scan line received to
   unlock frame on the wire) while a real Prometheus scrapes /metrics every
   second, and while it is paused (SIGSTOP), in alternating blocks so that
   whatever else the machine does falls on both alike. Goal: p99 at most 1.2x.
3. Memory of N idle stations (`station simulate --stations N`, no
   documents): each station's daemon and web process, proportional set
   size (shared pages split between the processes that share them).

    python bench/fleet.py [--jobs 100000] [--scrapes 300] [--releases 1000] [--stations 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

# Run as `python bench/fleet.py`: the repository root replaces bench/ on the path.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import httpx  # noqa: E402

from bench.common import machine, percentile, quick, record, record_samples, run, stop_group, summary  # noqa: E402
from station.runtime import ops  # noqa: E402

LIFE = ("rendered", "printing", "printed", "staged", "released", "collected")
WAITING = 300  # jobs still waiting for their citizen, out of the 100,000


def fill_spool(conn: Any, count: int) -> None:
    """`count` documents through the state machine: all but `WAITING` collected, each audited step by step."""
    import spool
    from spool import audit, outbox
    from spool import machine as job_machine
    from spool.states import Flow

    with spool.write(conn):
        for number in range(count):
            job_id = f"AK-{number:07d}"
            job_machine.create_job(conn, job_id, flow=Flow.LOCKER, template="akta-kelahiran", template_version=3,
                                   payload="{}", pickup_expires="2030-01-01T00:00:00Z")
            if number >= count - WAITING:
                continue
            for state in LIFE:
                details = {"pages": 2} if state == "printed" else None
                job_machine.transition(conn, job_id, state, actor="system", details=details)
                if state == "released":
                    audit.append(conn, "system", "unlock.opened", job=job_id)
        # A station's outbox is sent within seconds: the 100,000 documents' events were reported long ago
        # (left unsent, every scrape would count 600,000 waiting events: a day-long back-office outage).
        while batch := outbox.pending(conn, 10_000):
            for event in batch:
                outbox.mark_sent(conn, event.id)


class DaemonStandIn:
    """The daemon's control socket for the rig: `devices`, `backoffice`, `ping` and the event stream."""

    def __init__(self, rig: Any) -> None:
        from simulators.printer import SimPrinter
        from station.runtime.control import ControlServer
        from station.events import EventBus

        self.rig = rig
        self.bus = EventBus()
        self.printer = SimPrinter("bench")
        self.server = ControlServer(rig.cfg.path(rig.cfg.paths.control_socket), self.bus)
        for op, handler in ((ops.STATION_PING, self._ping), (ops.DEVICES_STATUS, self._devices),
                            (ops.BACKOFFICE_STATUS, self._backoffice)):
            self.server.register(op, handler)
        measure = rig.counter.publish  # the rig's own: it times the releases

        def publish(kind: str, data: dict) -> None:  # ... and the events reach the web process, as from the daemon
            measure(kind, data)
            self.bus.publish(kind, data)

        rig.counter.publish = publish
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="control", daemon=True)
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(10)

    async def _ping(self, args: dict, actor: str) -> dict:
        return {"ready": True}

    async def _devices(self, args: dict, actor: str) -> dict:
        locker = self.rig.locker
        status = await asyncio.to_thread(self.printer.status)
        return {"printer": status.as_dict(),
                "buses": [{"name": name, "state": state.value} for name, state in locker.bus_states().items()],
                "scanner": {"driver": "serial", "state": "online"},
                "slots": {s.slot: {"door": s.door.value, "item": s.item.value, "board": s.board_state.value}
                          for s in locker.statuses()}}

    async def _backoffice(self, args: dict, actor: str) -> dict:
        from spool.audit import now_text

        return {"feed": {"last_ok_at": now_text()}, "outbox": {}, "outbox_pending": 0, "cursor": None}

    def close(self) -> None:
        async def stop() -> None:
            await self.server.stop()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.printer.close()


def timed_gets(url: str, count: int) -> tuple[list[float], int]:
    """`count` GETs on one keep-alive connection: their times, and the body size of the last."""
    samples, size = [], 0
    with httpx.Client(timeout=30) as client:
        for _ in range(count):
            start = time.perf_counter()
            reply = client.get(url)
            samples.append(time.perf_counter() - start)
            reply.raise_for_status()
            size = len(reply.content)
    return samples, size


def scrape_figures(folder: Path, rig: Any, url: str, scrapes: int) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    from station.web.metrics import DaemonFacts, StationMetrics

    first, _ = timed_gets(f"{url}/metrics", 1)
    print(f"first scrape after the web process started (audit counters catching up): {first[0] * 1e3:.1f} ms")
    timed_gets(f"{url}/metrics", 20)  # warm
    floor, _ = timed_gets(f"{url}/healthz", scrapes)
    samples, size = timed_gets(f"{url}/metrics", scrapes)
    jobs = rig.conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]
    print(summary(f"GET /metrics, {jobs:,} jobs", samples, statistics.median(floor), "GET /healthz")
          + f"; {size} bytes (goal: at most 20 ms)")
    record_samples(f"fleet: scrape (GET /metrics), {jobs:,} jobs", samples, floor_s=statistics.median(floor),
                   floor_name="GET /healthz", goal="p99 <= 20 ms", met=percentile(samples, 0.99) <= 0.020)
    metrics = StationMetrics(rig.cfg)
    metrics.spool.catch_up()
    facts = DaemonFacts({"printer": {"state": "online", "reasons": [], "blocking": []},
                         "buses": [{"name": "A", "state": "online"}]}, {"feed": {"last_ok_at": None}})
    inside = []
    for _ in range(scrapes):
        start = time.perf_counter()
        text = metrics.exposition(facts)
        inside.append(time.perf_counter() - start)
    print(summary("  the exposition alone (spool reads and text), in process", inside))
    series = sum(len(f.samples) for f in text_string_to_metric_families(text.decode()))
    print(f"series per station: {series} (histograms with no release yet included)")


def release_figures(rig: Any, url: str, folder: Path, count: int) -> None:
    from bench.api import releases
    from simulators.prometheus_lab import LabTiming, PrometheusLab

    rig.sim.auto_close = 0.5  # as bench/api.py: a door that closes between two polls is not a jammed latch
    host = url.removeprefix("http://")
    lab = PrometheusLab(folder / "monitoring", timing=LabTiming(scrape_s=1.0, evaluation_s=1.0))
    lab.start([{"targets": [host], "labels": {"station": "MPP-BENCH-01", "province": "bench"}}])
    idle: list[float] = []
    scraped: list[float] = []
    idle_held = idle_missed = scraped_held = scraped_missed = 0
    prometheus = None
    try:
        deadline = time.monotonic() + 30
        while not lab.query("up == 1") and time.monotonic() < deadline:
            time.sleep(0.5)
        prometheus = lab.pid("prometheus")
        assert prometheus is not None
        started = time.monotonic()
        block = max(16, count // 8)
        while len(idle) < count or len(scraped) < count:
            for scraping, samples in ((False, idle), (True, scraped)):
                if len(samples) >= count:
                    continue
                os.kill(prometheus, signal.SIGCONT if scraping else signal.SIGSTOP)
                time.sleep(2.0)  # scrapes under way again (or surely stopped)
                got, held, missed = releases(rig, min(block, count - len(samples)))
                samples.extend(got)
                if scraping:
                    scraped_held, scraped_missed = scraped_held + held, scraped_missed + missed
                else:
                    idle_held, idle_missed = idle_held + held, idle_missed + missed
        os.kill(prometheus, signal.SIGCONT)
        seconds = time.monotonic() - started
        scrapes = lab.query(f'count_over_time(up[{max(1, int(seconds))}s])')
        duration = lab.query(f'quantile_over_time(0.99, scrape_duration_seconds[{max(1, int(seconds))}s])')
    finally:
        if prometheus is not None:  # a SIGSTOPped Prometheus cannot hear the SIGTERM that stops it
            with contextlib.suppress(ProcessLookupError):
                os.kill(prometheus, signal.SIGCONT)
        lab.stop()
    print(summary("release, Prometheus paused", idle) + f"; {idle_held} ended held, {idle_missed} missed")
    print(summary("release, Prometheus scraping every 1 s", scraped) + f"; {scraped_held} ended held, "
          f"{scraped_missed} missed")
    if scrapes and duration:
        print(f"  (Prometheus scraped {float(scrapes[0]['value'][1]):.0f} times meanwhile; p99 of its scrape"
              f" duration {float(duration[0]['value'][1]) * 1e3:.1f} ms)")
    ratio = percentile(scraped, 0.99) / percentile(idle, 0.99)
    print(f"release p99 scraped / idle: {ratio:.2f}x (goal: at most 1.2x)")
    record_samples("fleet: release while Prometheus scrapes every 1 s", scraped,
                   floor_s=percentile(idle, 0.99), floor_name="p99, Prometheus paused",
                   goal="p99 <= 1.2x paused", met=ratio <= 1.2,
                       ratio=ratio, ratio_of="p99")


def pss_kib(pid: int) -> int:
    """A process's proportional set size in KiB."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    with contextlib.suppress(OSError):
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return []


def memory_figures(stations: int, idle_s: float) -> None:
    from simulators.prometheus_lab import LabTiming
    from simulators.fleet.simulate import FleetOptions, FleetSimulation
    from simulators.station.simulate import Options

    folder = Path(tempfile.mkdtemp(prefix="bench-fleet-memory-"))
    simulation = FleetSimulation(FleetOptions(stations=stations, folder=folder, timing=LabTiming(),
                                              station=Options(documents=0, quiet=True)))
    try:
        simulation.start()
        time.sleep(idle_s)  # idle: the first checkpoints made, the feeds polled, Prometheus has scraped
        per_station = []
        for station in simulation.stations:
            assert station.daemon is not None
            pids = [station.daemon.pid, *children(station.daemon.pid)]
            per_station.append(sum(pss_kib(pid) for pid in pids))
        lab = simulation.lab
        assert lab is not None
        prometheus = pss_kib(lab.pid("prometheus") or 0)
        alertmanager = pss_kib(lab.pid("alertmanager") or 0)
        here = pss_kib(os.getpid())
        head = httpx.get(f"{lab.prometheus_url}/api/v1/status/tsdb", timeout=10).json()["data"]["headStats"]
    finally:
        simulation.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"{stations} idle stations, daemon + web process each (PSS): median {statistics.median(per_station) / 1024:.1f}"
          f" MiB, max {max(per_station) / 1024:.1f} MiB, all {sum(per_station) / 1024:.0f} MiB")
    record("memory: idle station (daemon + web process, PSS)", p50=statistics.median(per_station) / 1024,
           p99=max(per_station) / 1024, unit="MiB", stations=stations, goal="(measured: no goal yet)")
    print(f"  beside them: Prometheus {prometheus / 1024:.0f} MiB ({head['numSeries']} series in its head),"
          f" Alertmanager {alertmanager / 1024:.0f} MiB, the simulators' process {here / 1024:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=1000 if quick() else 100_000)
    parser.add_argument("--scrapes", type=int, default=20 if quick() else 300)
    parser.add_argument("--releases", type=int, default=16 if quick() else 1000)
    parser.add_argument("--stations", type=int, default=1 if quick() else 10)
    parser.add_argument("--idle-seconds", type=float, default=3 if quick() else 20)
    args = parser.parse_args()

    from bench.api import start_web
    from bench.release import ReleaseRig

    print(f"machine: {machine()}")
    folder = Path(tempfile.mkdtemp(prefix="bench-fleet-"))
    rig = ReleaseRig(folder / "station")
    stand_in = web = None
    try:
        start = time.perf_counter()
        fill_spool(rig.conn, args.jobs)
        rig.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        rows = rig.conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
        print(f"spool: {args.jobs} jobs ({rows} audit rows) added in {time.perf_counter() - start:.0f} s")
        stand_in = DaemonStandIn(rig)
        web, url = start_web(folder / "station")
        scrape_figures(folder, rig, url, args.scrapes)
        release_figures(rig, url, folder, args.releases)
    finally:
        if web is not None:
            stop_group(web)  # SIGTERM, and SIGKILL after a grace: the rest of this cleanup runs either way
        if stand_in is not None:
            stand_in.close()
        rig.close()
        shutil.rmtree(folder, ignore_errors=True)
    memory_figures(args.stations, args.idle_seconds)


if __name__ == "__main__":
    run(main)
