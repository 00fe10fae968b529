"""Trust-store change check: a `stat` per use (TrustFile) against inotify, per use and to notice a change.

Prints medians and p99s and the ratio to a bare Ed25519 verification in the
same run (what every token scan costs anyway), for:
- `TrustFile()` on an unchanged, settled file (one stat);
- `TrustFile()` within two seconds of a change (stat plus read and SHA-256);
- an inotify check per use (a non-blocking read of an inotify descriptor
  watching the folder), through libc with ctypes;
- whether the first use after an atomic rename sees the change (both should:
  the kernel queues the inotify event inside the rename itself).
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import os
import sys
import shutil
import statistics
import tempfile
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench.common import machine, quick, record_samples, run, summary  # noqa: E402
from bench.tokens import timed  # noqa: E402
from station.trust import store as trust  # noqa: E402

IN_NONBLOCK, IN_MOVED_TO, IN_CLOSE_WRITE, IN_ATTRIB = 0o4000, 0x80, 0x8, 0x4


class Inotify:
    """A folder watched with inotify; `changed()` drains pending events without blocking."""

    def __init__(self, folder: Path) -> None:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        self.fd = libc.inotify_init1(IN_NONBLOCK)
        if self.fd < 0 or libc.inotify_add_watch(self.fd, str(folder).encode(),
                                                 IN_MOVED_TO | IN_CLOSE_WRITE | IN_ATTRIB) < 0:
            raise OSError(ctypes.get_errno(), "inotify")

    def changed(self) -> bool:
        try:
            return bool(os.read(self.fd, 65536))
        except BlockingIOError:
            return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000 if quick() else 100_000)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    folder = Path(tempfile.mkdtemp(prefix="mpp-trustcheck-"))
    path = folder / "trust.json"
    store = trust.TrustStore(keys=tuple(trust.entry_for(trust.new_private_key(), p)
                                        for p in ("issuer", "issuer", "template", "station")))
    store.save(path)
    old = time.time() - 60
    os.utime(path, (old, old))  # settled: older than TrustFile.RECENT_NS
    live = trust.TrustFile(path)
    live()
    key = trust.new_private_key()
    message, signature = b"x" * 120, key.sign(b"x" * 120)
    public = key.public_key()
    floor = statistics.median(timed(lambda: public.verify(signature, message), min(20_000, args.count)))
    settled = timed(live, args.count)
    print(summary("TrustFile, settled file (stat)", settled, floor, "ed25519"))
    record_samples("trust store check per use, settled file", settled, floor_s=floor, floor_name="one Ed25519 verify")
    os.utime(path, None)  # just changed: the content hash is compared too
    print(summary("TrustFile, changed < 2 s ago (stat+read+sha256)", timed(live, min(20_000, args.count)), floor,
                  "ed25519"))
    watch = Inotify(folder)
    print(summary("inotify read per use", timed(watch.changed, args.count), floor, "ed25519"))

    seen_stat = seen_inotify = 0
    rounds = 20 if quick() else 200
    for round_ in range(rounds):
        store = store.with_revoked(store.keys[round_ % 4].kid) if round_ % 2 == 0 else \
            trust.TrustStore(keys=tuple(trust.entry_for(trust.new_private_key(), "issuer") for _ in range(3)))
        watch.changed()
        before = live()
        store.save(path)  # temp file, fsync, rename: as `station keys trust revoke` writes it
        seen_inotify += watch.changed()
        seen_stat += live() is not before
    print(f"changes seen at the first use after the rename: stat {seen_stat}/{rounds}, inotify {seen_inotify}/{rounds}")
    shutil.rmtree(folder, ignore_errors=True)

if __name__ == "__main__":
    run(main)
