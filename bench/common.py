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
