"""Release benchmark: scan line received -> last byte of the unlock frame on the wire.

A simulated station: CU16 lock boards on a pseudo-terminal at 19200 baud
(the bus simulator, with wire timing), a serial scanner on another
pseudo-terminal, the real counter with its durable SQLite commits. Each
release is a real token scanned through the scanner driver; the clock
starts when the scan line's end arrives and stops when the unlock frame's
last byte is due on the wire. The floor is the unlock frame's own wire time
(5 bytes, 10 bits each, at 19200 baud).

    python bench/release.py [--releases 1000]

`measure_releases()` is also used by bench/api.py to run the same releases
while the spool API is under load.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import json
import queue
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

# Run as `python bench/release.py`: the repository root replaces bench/ on the path.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import spool  # noqa: E402
from bench.common import machine, quick, record_samples, run, summary  # noqa: E402
from station.parts.devices import locker_for  # noqa: E402
from drivers.scanner.serial_scanner import SerialScanner  # noqa: E402
from simulators.lockbus import LockBusSim  # noqa: E402
from simulators.scanner import ScannerSim  # noqa: E402
from spool import machine as job_machine  # noqa: E402
from spool import slots  # noqa: E402
from spool.states import Flow  # noqa: E402
from station import config  # noqa: E402
from station.trust import token  # noqa: E402
from station.trust import store as trust  # noqa: E402
from station.cli import main as station_main  # noqa: E402
from station.release.counter import Counter  # noqa: E402

BAUD = 19200
UNLOCK_FRAME_BYTES = 5
FLOOR_S = UNLOCK_FRAME_BYTES * 10 / BAUD
UNLOCK_SPACING_MS = 20.0


class ReleaseRig:
    """A station whose counter takes scans from a real serial scanner driver."""

    def __init__(self, folder: Path) -> None:
        with contextlib.redirect_stdout(io.StringIO()):
            assert station_main(["init", str(folder), "--station-id", "MPP-BENCH-01"]) == 0
        self.issuer = trust.new_private_key()
        store = trust.TrustStore.load(folder / "trust.json").with_key(trust.entry_for(self.issuer, "issuer"))
        store.save(folder / "trust.json")
        env = {"STATION_RELEASE_REFUSED_SCANS_PER_MINUTE": "100000", "STATION_RELEASE_REOPEN_GRACE_SECONDS": "0"}
        self.cfg = config.load(folder / "station.toml", environ=env)
        # Unlocks 20 ms apart, as the soak runs set them: the simulated latches are quick. At the default
        # 250 ms (solenoids that must not draw current together) a scan sent within 0.25 s of the last
        # unlock waits out the spacing, so each release had to wait for the last one's quarter second.
        bus = self.cfg.bus[0].model_copy(update={"baud": BAUD, "unlock_spacing_ms": UNLOCK_SPACING_MS})
        self.cfg = self.cfg.model_copy(update={"bus": [bus]})
        self.sim = LockBusSim.from_bus_config(bus, link=folder / bus.port, auto_close=0.05, latch_ms=20).start()
        self.scanner_sim = ScannerSim(folder / "run" / "scanner").start()
        self.counter: Counter | None = None
        self.locker = locker_for(self.cfg, on_event=lambda e: self.counter and self.counter.on_lock_event(e))
        self.locker.start()
        while any(s.value != "online" for s in self.locker.bus_states().values()):
            time.sleep(0.01)
        self.releases: queue.Queue[dict] = queue.Queue()  # the counter's release events (latencies)
        self.counter = Counter(self.cfg, store, self.locker,
                               lambda kind, data: self.releases.put(data) if kind == "release" else None)
        self.counter.start()
        self.scanner = SerialScanner(str(folder / "run" / "scanner"), 9600)
        self.scanner.open()
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._read_scans, daemon=True)
        self._reader.start()
        self.conn = spool.connect(self.cfg.spool_path)
        self.slots = [s.id for s in slots.list_slots(self.conn)]
        self.number = 0

    def _read_scans(self) -> None:
        while not self._stop.is_set():
            scan = self.scanner.read(timeout=0.2)
            if scan is not None:
                assert self.counter is not None
                self.counter.scan(scan.text, received_at=scan.received_at)

    def stage_round(self) -> list[str]:
        """A staged document in every slot, paper inside; returns their tokens."""
        deadline = time.monotonic() + 30
        while any(s.occupant for s in slots.list_slots(self.conn)):  # the last doors are still closing
            if time.monotonic() > deadline:
                raise RuntimeError("slots were not emptied by the simulated citizens")
            time.sleep(0.02)
        tokens = []
        for slot in self.slots:
            self.number += 1
            job_id = f"AKTA-{self.number:06d}"
            job_machine.create_job(self.conn, job_id, flow=Flow.LOCKER, template="akta-kelahiran",
                                   template_version=1, payload="{}")
            for state in ("rendered", "printing", "printed"):
                job_machine.transition(self.conn, job_id, state, actor="system")
            slots.occupy(self.conn, slot, job_id, actor="operator:bench")
            job_machine.transition(self.conn, job_id, "staged", actor="operator:bench")
            self.sim.put_item(slot)
            tokens.append(token.issue(self.issuer, "MPP-BENCH-01", job_id, ttl_seconds=3600))
        return tokens

    def release(self, text: str) -> float:
        """Scan one token; seconds from scan line received to the unlock frame's last byte."""
        assert self.counter is not None
        # The line in one write, as the scanner simulator writes it, without then sitting out its wire
        # time (0.21 s for a 200-character token at 9600 baud): the clock starts when the line has
        # arrived, so that time is no part of the figure, yet with the unlock spacing it was most of a
        # run's length (two runs of 1,000 releases in bench/api.py took over ten minutes).
        os.write(self.scanner_sim.link.master, text.encode() + self.scanner_sim.end)
        try:
            event = self.releases.get(timeout=10)
        except queue.Empty:
            raise RuntimeError(f"no release (kiosk shows {self.counter.view.screen})") from None
        self._settle()
        return float(event["wire_s"])

    def _settle(self, timeout_s: float = 5.0) -> None:
        """Wait until the counter has seen the door open: the next citizen scans at an idle counter
        (a scan sent sooner waits behind this release's door check, and that wait is not the figure)."""
        assert self.counter is not None
        deadline = time.monotonic() + timeout_s
        while self.counter.view.screen in ("checking", "opening") and time.monotonic() < deadline:
            time.sleep(0.005)

    def close(self) -> None:
        self._stop.set()
        self._reader.join(2)
        self.scanner.close()
        if self.counter is not None:
            self.counter.stop()
        self.locker.stop()
        self.sim.stop()
        self.scanner_sim.stop()
        self.conn.close()


def measure_releases(count: int, progress: bool = True) -> list[float]:
    """`count` releases on a fresh simulated station; their latencies in seconds."""
    folder = Path(tempfile.mkdtemp(prefix="bench-release-"))
    rig = ReleaseRig(folder / "station")
    samples: list[float] = []
    try:
        while len(samples) < count:
            for text in rig.stage_round():
                samples.append(rig.release(text))
                # Let the simulated citizen take the paper and close the door.
                time.sleep(0.06)
                if len(samples) >= count:
                    break
            if progress:
                print(f"  {len(samples)}/{count} releases", file=sys.stderr, end="\r")
    finally:
        rig.close()
        shutil.rmtree(folder, ignore_errors=True)
    if progress:
        print(file=sys.stderr)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--releases", type=int, default=16 if quick() else 1000)
    parser.add_argument("--json", action="store_true", help="also print the samples' summary as JSON")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    samples = measure_releases(args.releases)
    print(f"wire-time floor: unlock frame {UNLOCK_FRAME_BYTES} bytes at {BAUD} baud = {FLOOR_S * 1e3:.3f} ms")
    print(summary("scan received -> unlock frame on the wire", samples, FLOOR_S, "floor"))
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * len(ordered)) - 1)]
    print(f"p99 above the floor: {(p99 - FLOOR_S) * 1e3:.3f} ms (goal: at most 5 ms)")
    record_samples("release: scan received to unlock frame on the wire", samples, floor_s=FLOOR_S,
                   floor_name="unlock frame's wire time", goal="p99 <= floor + 5 ms", met=p99 - FLOOR_S <= 0.005)
    if args.json:
        print(json.dumps({"p50_ms": ordered[len(ordered) // 2] * 1e3, "p99_ms": p99 * 1e3, "floor_ms": FLOOR_S * 1e3}))


if __name__ == "__main__":
    run(main)
