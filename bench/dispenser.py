"""Dispenser benchmark: from the citizen's scan to the print submission, and to the sheet in the bin.

A simulated dispenser station, wired as the daemon wires it: a CU16 bus
simulator with the shutter and its bin sensor on a pseudo-terminal, a
serial scanner on another, the real counter, and the real print stage (its
wake-ups on the station's event bus, `PrintStage.listen`) feeding the
simulated printer at its rated speed (`[printer] pages_per_minute`, 30 by
default: a first page takes 2 s). The document is a business permit (NIB)
rendered by the station's renderer. A simulated citizen takes the paper
once the shutter opens.

Each release is a real token scanned through the scanner driver. The clock
starts when the scan line's end arrives, and stops:
- when the printer has taken the document (its `submit` returned): the
  station's own share, goal p99 <= 50 ms;
- when the sheet drops into the bin (the simulated printer puts it out):
  goal at most the printer's first-page time + 0.5 s.
The floor, the printer's own first-page time (submission to sheet out), is
measured in the same run, on the same documents. Also printed, with no
goal: scan to shutter open (the paper presented).

    python bench/dispenser.py [--releases 60]      (BENCH_QUICK=1: 5)

It starts no child process (every part runs in this process, in threads);
whatever happens, it stops them all and removes its folder.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

# Run as `python bench/dispenser.py`: the repository root replaces bench/ on the path.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import spool  # noqa: E402
from bench.common import machine, percentile, quick, record, run  # noqa: E402
from drivers.locks.model import EventKind, LockEvent  # noqa: E402
from drivers.printer import sha256_of  # noqa: E402
from drivers.scanner.serial_scanner import SerialScanner  # noqa: E402
from simulators.lockbus import LockBusSim  # noqa: E402
from simulators.printer import Output, SimPrinter  # noqa: E402
from simulators.scanner import ScannerSim  # noqa: E402
from spool import jobs  # noqa: E402
from spool import machine as job_machine  # noqa: E402
from spool.states import Flow, JobState  # noqa: E402
from station import config  # noqa: E402
from station.cli import main as station_main  # noqa: E402
from station.events import EventBus  # noqa: E402
from station.parts.devices import locker_for  # noqa: E402
from station.printing.policy import ShutterBin  # noqa: E402
from station.printing.stage import PrintStage  # noqa: E402
from station.release.counter import Counter  # noqa: E402
from station.trust import store as trust  # noqa: E402
from station.trust import token  # noqa: E402

STATION = "MPP-BENCH-D1"
SUBMISSION_GOAL_MS = 50.0
BIN_MARGIN_S = 0.5
TAKING_S = 0.3  # the citizen's hand at the open shutter


class TimedPrinter(SimPrinter):
    """The simulated printer, noting when it took each document and when each sheet came out (in the bin)."""

    def __init__(self, *args, on_paper, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.submitted: dict[str, float] = {}
        self.out: dict[str, float] = {}
        self.on_paper = on_paper
        super().__init__(*args, **kwargs)

    def submit(self, pdf, title, options):  # type: ignore[no-untyped-def]
        job_id = super().submit(pdf, title, options)
        self.submitted.setdefault(title, time.monotonic())
        return job_id

    def _came_out(self, paper: Output) -> None:
        self.out.setdefault(paper.title, time.monotonic())
        super()._came_out(paper)
        self.on_paper()


class DispenserRig:
    """A dispenser station in this process: bus, scanner, counter, print stage, printer, and a citizen."""

    def __init__(self, folder: Path) -> None:
        with contextlib.redirect_stdout(io.StringIO()):
            assert station_main(["init", str(folder), "--station-id", STATION, "--kind", "dispenser"]) == 0
        self.folder = folder
        self.issuer = trust.new_private_key()
        store = trust.TrustStore.load(folder / "trust.json").with_key(trust.entry_for(self.issuer, "issuer"))
        store.save(folder / "trust.json")
        self.cfg = config.load(folder / "station.toml", environ={
            "STATION_RELEASE_REFUSED_SCANS_PER_MINUTE": "100000", "STATION_RELEASE_REOPEN_GRACE_SECONDS": "0"})
        self.shutter = self.cfg.dispenser.shutter
        self._stops: list = []  # what to stop, in reverse order
        self.bus = EventBus()
        # The daemon's wiring: every committed job change of this process is a `job` event on the bus.
        self._stops.append(job_machine.subscribe(lambda event: self.bus.publish("job", event.as_dict())))
        bus_cfg = self.cfg.bus[0]
        self.sim = LockBusSim.from_bus_config(bus_cfg, link=folder / bus_cfg.port, latch_ms=20).start()
        self._stops.append(self.sim.stop)
        self.counter: Counter | None = None
        self.locker = locker_for(self.cfg, on_event=self._lock_event)
        self.locker.start()
        self._stops.append(self.locker.stop)
        deadline = time.monotonic() + 30
        while any(s.value != "online" for s in self.locker.bus_states().values()):
            if time.monotonic() > deadline:
                raise RuntimeError("the simulated bus did not come online")
            time.sleep(0.01)
        self.presented: dict[str, float] = {}
        self.bus.listen("release", lambda e: self.presented.setdefault(str(e.data.get("job")), time.monotonic()))
        self.counter = Counter(self.cfg, store, self.locker, self.bus.publish)
        self._stops.append(self.bus.listen("job", self.counter.wake_on_job))
        self.counter.start()
        self._stops.append(self.counter.stop)
        self.counter.resume_watches()
        self.printer = TimedPrinter("sim", pages_per_minute=self.cfg.printer.pages_per_minute,
                                    on_paper=lambda: self.sim.put_item(self.shutter))
        self._stops.append(self.printer.close)
        self.print_conn = spool.connect(self.cfg.spool_path)
        self._stops.append(self.print_conn.close)
        output_bin = ShutterBin(self.locker, self.shutter)
        self.stage = PrintStage.from_config(self.cfg, self.print_conn, self.printer, output_bin=output_bin,
                                            events=self.bus)
        self._stops.append(self.stage.listen(self.bus, self.shutter))
        self.stage.start()
        self._stops.append(self.stage.stop)
        self.scanned: dict[str, float] = {}
        self._waiting = ""
        self.scanner_sim = ScannerSim(folder / "run" / "scanner").start()
        self._stops.append(self.scanner_sim.stop)
        self.scanner = SerialScanner(str(folder / "run" / "scanner"), 9600)
        self.scanner.open()
        self._stops.append(self.scanner.close)
        self._stop = threading.Event()
        for work in (self._read_scans, self._citizen):
            thread = threading.Thread(target=work, daemon=True)
            thread.start()
            self._stops.append(lambda t=thread: t.join(2))
        self._stops.append(self._stop.set)  # (stopped first: then the threads end, then what they use)
        self.conn = spool.connect(self.cfg.spool_path)
        self._stops.append(self.conn.close)
        self.pdf, self.pages = _rendered_nib(folder / "documents" / "bench.pdf")
        self.number = 0
        gc.freeze()  # as the daemon does once ready: what start-up loaded stays out of the collector's passes

    def _lock_event(self, event: LockEvent) -> None:
        """As `DevicesPart` does: to the counter, and onto the bus (the print stage hears the bin there)."""
        if self.counter is not None:
            self.counter.on_lock_event(event)
        self.bus.publish("alarm" if event.kind is EventKind.DOOR_FORCED else "slot", event.as_dict())

    def _read_scans(self) -> None:
        while not self._stop.is_set():
            scan = self.scanner.read(timeout=0.2)
            if scan is not None and self.counter is not None:
                self.scanned[self._waiting] = scan.received_at
                self.counter.scan(scan.text, received_at=scan.received_at)

    def _citizen(self) -> None:
        """At the shutter: takes the paper once it has opened (a hand takes a moment), and shuts it."""
        while not self._stop.is_set():
            if self.sim.door_open(self.shutter) and not self._stop.wait(TAKING_S):
                self.sim.take_item(self.shutter)
                self.sim.close_door(self.shutter)
            self._stop.wait(0.01)

    def document(self) -> tuple[str, str]:
        """A rendered dispenser document waiting for its citizen; its id and token."""
        self.number += 1
        job_id = f"NIB-{self.number:05d}"
        job_machine.create_job(self.conn, job_id, flow=Flow.DISPENSER, template="nib", template_version=1,
                               payload="{}")
        job_machine.transition(self.conn, job_id, JobState.RENDERED, actor="system", pdf_path=str(self.pdf),
                               pdf_sha256=sha256_of(self.pdf), pages=self.pages)
        return job_id, token.issue(self.issuer, STATION, job_id, ttl_seconds=3600)

    def serve(self, job_id: str, text: str, timeout: float = 60.0) -> None:
        """One citizen: scan, wait until the paper was taken."""
        self._waiting = job_id
        self.scanner_sim.send(text)
        deadline = time.monotonic() + timeout
        while jobs.get_job(self.conn, job_id).state is not JobState.COLLECTED:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{job_id} not collected (state {jobs.get_job(self.conn, job_id).state.value},"
                                   f" kiosk {self.counter.view.screen if self.counter else None})")
            time.sleep(0.02)

    def close(self) -> None:
        """Stop everything started, last first; one that fails does not keep the others running."""
        for stop in reversed(self._stops):
            with contextlib.suppress(Exception):
                stop()
        self._stops.clear()


def _rendered_nib(path: Path) -> tuple[Path, int]:
    """A business permit (NIB) rendered by the station's renderer from the shipped template's example data."""
    from datetime import UTC, datetime

    from station.templates import load_template, render_document

    root = Path(__file__).resolve().parents[1] / "templates"
    now = datetime.now(UTC)
    template = load_template(root / "nib", trust.TrustStore.load(root / "trust.json"), now=now)
    data = json.loads((root / "examples" / "nib.json").read_text(encoding="utf-8"))
    result = render_document(template, data, document_id="NIB-BENCH", station_id=STATION,
                             station_key=trust.new_private_key(), now=now)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(result.pdf)
    return path, result.pages


def measure(count: int, progress: bool = True) -> dict[str, list[float]]:
    """`count` citizens served on a fresh simulated dispenser: each path's samples, in seconds."""
    folder = Path(tempfile.mkdtemp(prefix="bench-dispenser-"))
    rig: DispenserRig | None = None
    paths: dict[str, list[float]] = {"submission": [], "bin": [], "first_page": [], "presented": []}
    try:
        rig = DispenserRig(folder / "station")
        rig.serve(*rig.document())  # a warm-up citizen (first imports, first commits)
        for n in range(count):
            job_id, text = rig.document()
            rig.serve(job_id, text)
            scanned = rig.scanned[job_id]
            paths["submission"].append(rig.printer.submitted[job_id] - scanned)
            paths["bin"].append(rig.printer.out[job_id] - scanned)
            paths["first_page"].append(rig.printer.out[job_id] - rig.printer.submitted[job_id])
            if job_id in rig.presented:
                paths["presented"].append(rig.presented[job_id] - scanned)
            if progress:
                print(f"  {n + 1}/{count} citizens", file=sys.stderr, end="\r")
    finally:
        if rig is not None:
            rig.close()
        shutil.rmtree(folder, ignore_errors=True)
    if progress:
        print(file=sys.stderr)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--releases", type=int, default=5 if quick() else 60)
    args = parser.parse_args()
    print(f"machine: {machine()}", file=sys.stderr)
    paths = measure(args.releases)
    ms = {name: [s * 1e3 for s in samples] for name, samples in paths.items()}
    floor_ms = statistics.median(ms["first_page"])
    submission_p99 = percentile(ms["submission"], 0.99)
    bin_p99 = percentile(ms["bin"], 0.99)
    record("dispenser: scan to print submission", p50=statistics.median(ms["submission"]), p99=submission_p99,
           goal=f"p99 <= {SUBMISSION_GOAL_MS:g} ms", met=submission_p99 <= SUBMISSION_GOAL_MS,
           n=len(ms["submission"]), machine=machine())
    record("dispenser: scan to sheet in the bin", p50=statistics.median(ms["bin"]), p99=bin_p99,
           floor=floor_ms, floor_name="printer's first page (submission to sheet out), same run",
           goal=f"p99 <= first page + {BIN_MARGIN_S * 1e3:g} ms", met=bin_p99 <= floor_ms + BIN_MARGIN_S * 1e3,
           n=len(ms["bin"]), first_page_p99=percentile(ms["first_page"], 0.99), machine=machine())
    if ms["presented"]:
        record("dispenser: scan to shutter open", p50=statistics.median(ms["presented"]),
               p99=percentile(ms["presented"], 0.99), floor=floor_ms, floor_name="printer's first page",
               goal="", met=None, n=len(ms["presented"]), machine=machine())
    print(json.dumps({"submission": {"p50_ms": statistics.median(ms["submission"]), "p99_ms": submission_p99},
                      "bin": {"p50_ms": statistics.median(ms["bin"]), "p99_ms": bin_p99},
                      "first_page_ms": floor_ms}), file=sys.stderr)


if __name__ == "__main__":
    run(main)  # bench.common: whatever happens, it stops what was started and removes the folders
