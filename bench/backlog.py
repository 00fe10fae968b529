"""Backlog benchmark: the release p99 while 300 documents arrive at once, against the idle release p99.

One simulated locker station in this process, as bench/release.py builds
it (the real counter, a serial scanner and CU16 boards on pseudo-terminals,
durable SQLite commits), plus the station's real render stage inside the
real daemon (`Daemon` with `RenderStage`: its render worker process, its
wake-up on the `received` event). First the idle releases give the
baseline; then 300 signed documents from the simulated back office are
taken into the spool in one intake (the feed's own `intake.take`), and
releases go on, measured, until all 300 are rendered; five such backlogs,
one after the other (each lasts seconds: one gives too few releases).

    python bench/backlog.py [--documents 300] [--idle 200] [--rounds 5]      (BENCH_QUICK=1: 30, 40, 1)

Goal: release p99 during the backlog at most 1.2 times the idle p99 (both
measured here). Also reported: the backlog's render time. Whatever
happens, the daemon and its render worker (the one child process; SIGCONT
before SIGTERM) are stopped and the folder removed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

# Run as `python bench/backlog.py`: the repository root replaces bench/ on the path.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import spool  # noqa: E402
from bench.common import machine, percentile, quick, record, run  # noqa: E402
from bench.release import ReleaseRig  # noqa: E402
from simulators.backoffice.office import BackOffice  # noqa: E402
from spool import jobs, slots  # noqa: E402
from spool.states import Flow, JobState  # noqa: E402
from station.backoffice import intake  # noqa: E402
from station.runtime.daemon import Daemon  # noqa: E402
from station.templates.stage import RenderStage  # noqa: E402
from station.trust import store as trust  # noqa: E402

STATION = "MPP-BENCH-01"  # bench/release.py's station
GOAL_RATIO = 1.2
CITIZEN_S = 0.5  # from the door opening to the paper taken and the door shut


class BacklogRig(ReleaseRig):
    """bench/release.py's station, whose staged documents appear in one commit each round: the render stage
    (which wakes on `received`) never sees them half made."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        # The simulated citizen's door stays open a while: a board read late (a busy machine) still sees
        # it open, rather than calling the latch jammed and holding the document.
        self.sim.auto_close = CITIZEN_S

    def next_token(self) -> str:
        """The token of a staged document not released yet (a new round once every slot was released)."""
        if not getattr(self, "pending", None):
            self.pending = self.stage_round()
        return self.pending.pop(0)

    def stage_round(self) -> list[str]:
        deadline = time.monotonic() + 30
        while any(s.occupant for s in slots.list_slots(self.conn)):  # outside the commit: the counter writes
            if time.monotonic() > deadline:
                raise RuntimeError("slots were not emptied by the simulated citizens")
            time.sleep(0.02)
        with spool.write(self.conn):
            return super().stage_round()


class RenderDaemon:
    """The real daemon with the render stage, on its own event loop in a thread of this process."""

    def __init__(self, rig: ReleaseRig) -> None:
        self.daemon = Daemon(rig.cfg, [RenderStage(rig.cfg.base_dir / "station.toml")])
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(self.daemon.run(),),
                                       name="daemon", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 60
        while self.daemon.ready_at is None:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the daemon did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        """A clean stop (the render worker is shut down with its pool)."""
        if self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.daemon.request_stop)
            self.thread.join(60)
        if not self.thread.is_alive():
            self.loop.close()


def _signal_children(signum: int) -> None:
    """Send `signum` to every child this run started (the render worker), and reap those that ended.

    (Local until bench/common.py has the shared helper for it.)"""
    for child in multiprocessing.active_children():
        with contextlib.suppress(ProcessLookupError):
            os.kill(child.pid or 0, signum)
        if signum == signal.SIGTERM:
            child.join(10)
            if child.is_alive():
                child.kill()


def releases(rig: BacklogRig, count: int | None = None, until=None) -> list[float]:  # type: ignore[no-untyped-def]
    """Release `count` documents, or until `until()` holds; their latencies (s)."""
    samples: list[float] = []
    while True:
        samples.append(rig.release(rig.next_token()))
        time.sleep(0.06)  # the simulated citizen takes the paper and closes the door
        if (count is not None and len(samples) >= count) or (until is not None and until()):
            return samples


def measure(documents: int, idle: int, rounds: int) -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(prefix="bench-backlog-"))
    rig: BacklogRig | None = None
    daemon: RenderDaemon | None = None
    try:
        rig = BacklogRig(folder / "station")
        office = BackOffice(stations={STATION: "bench"}, seed=27, pin_ratio=0.0)
        store_path = folder / "station" / "trust.json"
        store = trust.TrustStore.load(store_path).with_key(office.issuer_entry())
        store.save(store_path)
        items = [approval.document for approval in office.approve(documents * rounds)]
        daemon = RenderDaemon(rig)
        releases(rig, count=5 if quick() else 20)  # warm-up
        idle_samples = releases(rig, count=idle)
        busy_samples: list[float] = []
        render_s: list[float] = []
        conn = spool.connect(rig.cfg.spool_path)
        try:
            def waiting() -> int:
                return jobs.count_by_state(conn).get(JobState.RECEIVED.value, 0)

            # A backlog lasts seconds (the releases are paced by the bus's unlock spacing): a few of them,
            # one after the other, give the p99 enough releases to mean something.
            for start in range(0, documents * rounds, documents):
                started = time.monotonic()
                batch = items[start:start + documents]
                result = intake.take(conn, batch, store, flow=Flow.LOCKER, station=STATION)  # all at once
                if len(result.stored) != documents:
                    raise RuntimeError(f"intake stored {len(result.stored)} of {documents}: {result.summary()}")
                busy_samples += releases(rig, until=lambda: waiting() == 0)
                render_s.append(time.monotonic() - started)
            held = jobs.count_by_state(conn).get(JobState.HELD.value, 0)
        finally:
            conn.close()
    finally:
        _signal_children(signal.SIGCONT)  # a stopped render worker could hear neither the pool nor SIGTERM
        if daemon is not None:
            daemon.stop()
        if rig is not None:
            rig.close()
        _signal_children(signal.SIGTERM)  # whatever the daemon's stop left behind
        shutil.rmtree(folder, ignore_errors=True)
    return {"idle": idle_samples, "busy": busy_samples, "render_s": render_s, "held": held}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=30 if quick() else 300)
    parser.add_argument("--idle", type=int, default=40 if quick() else 200)
    parser.add_argument("--rounds", type=int, default=1 if quick() else 5, help="backlogs, one after the other")
    args = parser.parse_args()
    print(f"machine: {machine()}", file=sys.stderr)
    found = measure(args.documents, args.idle, args.rounds)
    idle = [s * 1e3 for s in found["idle"]]  # type: ignore[union-attr]
    busy = [s * 1e3 for s in found["busy"]]  # type: ignore[union-attr]
    idle_p99, busy_p99 = percentile(idle, 0.99), percentile(busy, 0.99)
    record(f"backlog: release during {args.documents} documents arriving at once", p50=statistics.median(busy),
           p99=busy_p99,
           floor=idle_p99, floor_name="idle release p99, same run", goal=f"p99 <= {GOAL_RATIO:g} x idle p99",
           met=busy_p99 <= GOAL_RATIO * idle_p99, p99_ratio=busy_p99 / idle_p99, n=len(busy), idle_n=len(idle),
           idle_p50=statistics.median(idle), machine=machine())
    render_s: list[float] = found["render_s"]  # type: ignore[assignment]
    record(f"backlog: {args.documents} documents rendered", p50=statistics.median(render_s), p99=max(render_s),
           unit="s", goal="", met=None, held=found["held"], rounds=len(render_s),
           documents_per_s=args.documents / statistics.median(render_s), machine=machine())


if __name__ == "__main__":
    run(main)  # bench.common: whatever happens, it stops what was started and removes the folders
