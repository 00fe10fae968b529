"""What the benchmarks share: timing summaries printed the same way."""

from __future__ import annotations

import platform
import statistics
from collections.abc import Sequence


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
    import os

    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


# --- The standing table (issue 27) -------------------------------------------------------------
# Every benchmark reports each figure through `record`: one JSON line on standard output, and the
# same line appended to the file named by BENCH_RESULTS when `make bench` collects the table.

def quick() -> bool:
    """BENCH_QUICK=1: a small run, for a smoke check (the suite runs each benchmark this way)."""
    import os

    return os.environ.get("BENCH_QUICK", "") not in ("", "0")


def record(figure: str, *, p50: float, p99: float | None = None, unit: str = "ms",
           floor: float | None = None, floor_name: str = "", goal: str = "",
           met: bool | None = None, **extra: object) -> dict[str, object]:
    """Report one figure of the table: its median and p99 (in `unit`), its floor or baseline
    measured in the same run, the goal in words and whether it held."""
    import json
    import os

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
