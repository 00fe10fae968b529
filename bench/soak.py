"""Soak: 10,000 documents through the simulated station; the daemon's memory at start and end.

The whole station runs on simulators (`station simulate`'s machinery, with
brisk simulated people): the back office approves documents in batches, the
daemon fetches, renders, prints, loads and releases them, simulated citizens
collect them. The daemon's resident memory is read from /proc after a
warm-up (the start figure) and at the end; the cost per document is the
wall time per collected document over the first and the last thousand.
Goal: memory grows at most 10 %, and the cost per document does not grow.

    python bench/soak.py [--documents 10000] [--batch 200]
"""

from __future__ import annotations

import argparse
import sys
import shutil
import tempfile
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench.common import machine, quick, record, run  # noqa: E402
from simulators.station.report import report as station_report  # noqa: E402
from simulators.station.simulate import Options, SimulatedStation  # noqa: E402

WARM_UP = 500


def rss_mib(pid: int) -> float:
    """Resident memory of a process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=30 if quick() else 10_000)
    parser.add_argument("--batch", type=int, default=15 if quick() else 200, help="documents the back office approves at a time")
    args = parser.parse_args()
    warm_up = min(WARM_UP, args.documents // 3)  # a quick run warms up on a third of its documents
    print(f"machine: {machine()}")
    folder = Path(tempfile.mkdtemp(prefix="bench-soak-")) / "station"
    station = SimulatedStation(Options(folder=folder, documents=0, auto_collect=True, pin_ratio=0.0, port=0,
                                       printer_ppm=6000, fast=True, seed=1))
    station.start()
    approved = 0
    marks: dict[int, float] = {}
    start_rss = None
    started = time.monotonic()
    try:
        while True:
            collected = station.counts().get("collected", 0)
            if approved - collected < args.batch // 2 and approved < args.documents:
                more = min(args.batch, args.documents - approved)
                station.office.approve(more)
                approved += more
            for mark in (warm_up, 1000, args.documents - 1000, args.documents):
                if collected >= mark and mark not in marks:
                    marks[mark] = time.monotonic()
            if start_rss is None and collected >= warm_up:
                start_rss = rss_mib(station.daemon.pid)  # type: ignore[union-attr]
                print(f"  after {collected} documents (warm-up): daemon RSS {start_rss:.1f} MiB", flush=True)
            if collected >= args.documents:
                break
            if station.daemon is not None and station.daemon.poll() is not None:
                raise RuntimeError(f"the daemon exited; see {folder / 'daemon.log'}")
            print(f"  {collected}/{args.documents} collected, RSS {rss_mib(station.daemon.pid):.1f} MiB",  # type: ignore[union-attr]
                  end="\r", file=sys.stderr, flush=True)
            time.sleep(2)
        end_rss = rss_mib(station.daemon.pid)  # type: ignore[union-attr]
    finally:
        station.stop()
    elapsed = time.monotonic() - started
    print(f"\n{args.documents} documents collected in {elapsed / 60:.1f} min"
          f" ({args.documents / elapsed * 3600:.0f} per hour)")
    growth = (end_rss - start_rss) / start_rss * 100 if start_rss else float("nan")
    print(f"daemon RSS: {start_rss:.1f} MiB after {warm_up} documents, {end_rss:.1f} MiB at the end"
          f" ({growth:+.1f} %; goal: at most +10 %)")
    record("soak: daemon memory growth over the run", p50=growth, unit="%", goal="<= +10 %", met=growth <= 10,
           documents=args.documents, per_hour=round(args.documents / elapsed * 3600))
    if {warm_up, 1000, args.documents - 1000, args.documents} <= set(marks) and args.documents >= 3000:
        first = (marks[1000] - marks[warm_up]) / (1000 - warm_up)
        last = (marks[args.documents] - marks[args.documents - 1000]) / 1000
        print(f"wall time per document: {first * 1e3:.0f} ms early, {last * 1e3:.0f} ms over the last 1000"
              f" (ratio {last / first:.2f})")
    report, _ = station_report(station)
    print(f"audit intact: {report['audit_intact']}, released twice: {len(report['released_twice'])},"
          f" reprints: {report['reprints']}")
    shutil.rmtree(folder.parent, ignore_errors=True)  # (`run` removes it too, whatever happens)


if __name__ == "__main__":
    run(main)
