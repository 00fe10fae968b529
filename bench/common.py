"""What the benchmarks share: timing summaries, the standing table's `record`, and `run`, which stops
everything a benchmark started whatever happens."""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import platform
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The value below which `fraction` of the samples fall (nearest rank)."""
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def summary(name: str, samples_s: Sequence[float], baseline_s: float | None = None,
            baseline_name: str = "baseline") -> str:
    """One line: median and p99 in milliseconds, and the ratio of the median to a baseline."""
    median = statistics.median(samples_s)
    p99 = percentile(samples_s, 0.99)
    line = f"{name}: n={len(samples_s)} median={median * 1e3:.3f} ms p99={p99 * 1e3:.3f} ms"
    if baseline_s:
        line += f" ({baseline_name} {baseline_s * 1e3:.3f} ms, median/{baseline_name} = {median / baseline_s:.2f}x)"
    return line


def machine() -> str:
    """Where the figures were measured."""
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


# --- The standing table (issue 27) -------------------------------------------------------------
# Every benchmark reports each figure through `record`: one JSON line on standard output, and the
# same line appended to the file named by BENCH_RESULTS when `make bench` collects the table.

def quick() -> bool:
    """BENCH_QUICK=1: a small run, for a smoke check (the suite runs each benchmark this way)."""
    return os.environ.get("BENCH_QUICK", "") not in ("", "0")


def record(figure: str, *, p50: float, p99: float | None = None, unit: str = "ms",
           floor: float | None = None, floor_name: str = "", goal: str = "",
           met: bool | None = None, **extra: object) -> dict[str, object]:
    """Report one figure of the table: its median and p99 (in `unit`), its floor or baseline
    measured in the same run, the goal in words and whether it held."""
    row: dict[str, object] = {"figure": figure, "unit": unit, "p50": p50, "p99": p99,
                              "floor": floor, "floor_name": floor_name,
                              "ratio": (p50 / floor) if floor else None, "goal": goal, "met": met, **extra}
    if unit == "ms":  # the keys the issue names, for the benchmarks that time one path
        row["p50_ms"], row["p99_ms"] = p50, p99
    line = json.dumps(row, sort_keys=True)
    print(line, flush=True)
    results = os.environ.get("BENCH_RESULTS")
    if results:
        with open(results, "a", encoding="utf-8") as out:
            out.write(line + "\n")
    return row


# --- Hygiene (issue 27): a benchmark stops everything it started, whatever happens --------------
# `run(main)` is every benchmark's entry point. It makes this process the subreaper of all it starts
# (an orphaned grandchild comes back to it, not to init), sends every temporary folder into one
# private folder, turns SIGTERM and SIGHUP into KeyboardInterrupt (so that `finally` blocks run),
# and at the end stops whatever is still running below it and removes the private folder. The
# benchmark's own `finally` blocks stop things gracefully first; this is the net under them.

GRACE_S = 5.0
PR_SET_CHILD_SUBREAPER = 36


def _descendants(root: int) -> list[int]:
    """Every process below `root` (children of all its threads, depth first)."""
    found: list[int] = []
    stack = [root]
    while stack:
        pid = stack.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as file:
                    kids = [int(p) for p in file.read().split()]
            except OSError:
                continue
            for kid in kids:
                if kid not in found:
                    found.append(kid)
                    stack.append(kid)
    return found


def _alive(pid: int) -> bool:
    """Running (or stopped), not yet gone and not a zombie waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as file:
            state = file.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _reap(pids: Sequence[int] | None = None) -> None:
    """Collect the exit status of these children once ended (None: of every child, ours or orphans
    handed to us; only at the very end, where no `Popen` of the benchmark's still waits for its own)."""

    if pids is not None:
        for pid in pids:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
        return
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def stop_processes(pids: Sequence[int], grace_s: float = GRACE_S) -> None:
    """SIGCONT (a SIGSTOPped process cannot act on SIGTERM), SIGTERM, then SIGKILL after `grace_s`."""
    pids = [pid for pid in pids if pid != os.getpid()]
    for sig in (signal.SIGCONT, signal.SIGTERM, signal.SIGCONT):  # CONT again: a TERM queued while stopping
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        _reap(pids)
        if not any(_alive(pid) for pid in pids):
            return
        time.sleep(0.05)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        _reap(pids)
        time.sleep(0.02)
    _reap(pids)


def stop_group(process: object, grace_s: float = GRACE_S) -> None:
    """Stop a child started with `start_new_session=True` and everything in its process group."""
    pid = int(getattr(process, "pid"))
    try:
        group = os.getpgid(pid)
    except ProcessLookupError:
        group = None
    if group is None or group == os.getpgrp():  # never our own group: that would stop this process too
        stop_processes([pid, *_descendants(pid)], grace_s)
        return
    for sig in (signal.SIGCONT, signal.SIGTERM, signal.SIGCONT):
        try:
            os.killpg(group, sig)
        except ProcessLookupError:
            return
    deadline = time.monotonic() + grace_s
    wait = getattr(process, "wait", None)
    while time.monotonic() < deadline:
        if wait is not None:
            try:
                wait(0.05)
                break
            except Exception:  # noqa: BLE001 - subprocess.TimeoutExpired: still running
                continue
        time.sleep(0.05)
    try:
        os.killpg(group, signal.SIGKILL)  # whatever of the group is still there
    except ProcessLookupError:
        pass
    if wait is not None:
        wait()


def _command(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as file:
            return file.read().replace(b"\0", b" ").decode(errors="replace").strip()[:120]
    except OSError:
        return "?"


def stop_everything_below(grace_s: float = GRACE_S) -> list[tuple[int, str]]:
    """Stop every process below this one (several passes: a dying parent may start or orphan one);
    returns those that were still running, with their command lines."""

    stopped: list[tuple[int, str]] = []
    for _ in range(3):
        left = [pid for pid in _descendants(os.getpid()) if _alive(pid)]
        if not left:
            break
        stopped.extend((pid, _command(pid)) for pid in left)
        stop_processes(left, grace_s)
    return stopped


def _become_subreaper() -> None:
    """Orphans of our children come back to us (Linux), so the sweep at the end finds them."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _note_duration(seconds: float) -> None:
    """How long the whole benchmark took, for the table's run-time line (not a figure)."""
    results = os.environ.get("BENCH_RESULTS")
    if results:
        name = os.path.basename(sys.argv[0])
        with open(results, "a", encoding="utf-8") as out:
            out.write(json.dumps({"duration_of": name, "seconds": round(seconds, 1)}) + "\n")


def run(main: Callable[[], object]) -> None:
    """Run a benchmark's `main`; whatever happens, stop all it started and remove its temporary folders."""

    def interrupted(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupted)
    _become_subreaper()
    private = tempfile.mkdtemp(prefix="bench-")
    tempfile.tempdir = private  # this process's temporary folders ...
    os.environ["TMPDIR"] = private  # ... and its children's (Chromium's profile, the stations' folders)
    code: object = 0
    started = time.monotonic()
    try:
        code = main()
    except KeyboardInterrupt:
        print("interrupted: stopping everything started", file=sys.stderr)
        code = 130
    finally:
        left = stop_everything_below()
        _reap()  # orphans handed to us that ended by themselves
        if left:
            print(f"stopped {len(left)} process(es) the benchmark left running: "
                  + "; ".join(f"{pid} {name}" for pid, name in left), file=sys.stderr)
        shutil.rmtree(private, ignore_errors=True)
        _note_duration(time.monotonic() - started)
    sys.exit(code if isinstance(code, int) else 0)


def record_samples(figure: str, samples_s: Sequence[float], *, floor_s: float | None = None,
                   **fields: object) -> dict[str, object]:
    """`record` a figure timed in seconds: median and p99 in milliseconds (floor too), with n."""
    floor = floor_s * 1e3 if floor_s is not None else None
    return record(figure, p50=statistics.median(samples_s) * 1e3, p99=percentile(samples_s, 0.99) * 1e3,
                  floor=floor, n=len(samples_s), **fields)  # type: ignore[arg-type]
