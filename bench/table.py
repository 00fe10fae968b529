"""The standing table: docs/benchmarks.md from the figures a `make bench` run recorded.

Each benchmark appends one JSON line per figure to $BENCH_RESULTS (bench/common.py's
`record`); this script reads them and writes the table with the machine, the commit
and the load the machine carried meanwhile.

    python bench/table.py RESULTS.jsonl [--out docs/benchmarks.md] [--seconds N] [--load-before "a b c"]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The figures issue 27 asks the table to hold: (what, how its row's name starts). A figure no
# benchmark reported is listed as missing, so that a gap is seen rather than a shorter table.
EXPECTED = [("release", "release:"), ("lock bus", "bus:"), ("render against a naive pipeline", "render:"),
            ("print duty cycle", "print: duty"), ("API under load", "api:"), ("restart with 100,000 jobs", "restart"),
            ("fleet scrape", "fleet: scrape"), ("signed PDF verification", "signed PDF"),
            ("kiosk: scan to screen painted", "kiosk:"), ("dispenser", "dispenser"), ("backlog", "backlog"),
            ("memory of an idle station", "memory: idle station")]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()

    head = git("rev-parse", "--short=12", "HEAD") or "unknown"
    return head + (" (with uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") else "")


def number(value: object, unit: str = "") -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return "–"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}" if abs(value) >= 1 else f"{value:.3f}"
    return f"{text} {unit}".strip()


def read_rows(path: Path) -> list[dict]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line:
            rows.append(json.loads(line))
    return rows


def render(rows: list[dict], *, seconds: float | None, load_before: str, load_after: str, quick: bool) -> str:
    lines = ["# Benchmarks", "",
             "Written by `make bench` (bench/table.py) from the figures each benchmark in `bench/` records;"
             " do not edit by hand. Each floor or baseline was measured in the same run as its figure;"
             " the ratio is median / floor (for a rate: the rate / the baseline's rate; \"(p99)\": p99 / p99).", "",
             f"- Machine: {os.cpu_count()} cores, {cpu_model()}, {platform.system()} {platform.machine()},"
             f" Python {platform.python_version()}",
             f"- Commit: `{commit()}`",
             f"- Run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
             + (f", {seconds / 60:.1f} min" if seconds else "")
             + (" — **BENCH_QUICK=1: a smoke run, not figures to quote**" if quick else ""),
             f"- Load average (1, 5, 15 min) before the run: {load_before or '?'}; after: {load_after or '?'}"
             " (other work on the machine meanwhile widens the p99s)", "",
             "| Figure | Median | p99 | Floor or baseline | Ratio | Goal | Met |",
             "|---|---|---|---|---|---|---|"]
    durations = [row for row in rows if "duration_of" in row]
    rows = [row for row in rows if "figure" in row]
    for row in rows:
        unit = str(row.get("unit", ""))
        floor = number(row.get("floor"), unit)
        if row.get("floor_name"):
            floor = f"{floor} ({row['floor_name']})" if floor != "–" else str(row["floor_name"])
        ratio = number(row.get("ratio"))
        if ratio != "–" and row.get("ratio_of") == "p99":
            ratio += "x (p99)"
        met = {True: "yes", False: "**no**", None: "–"}[row.get("met")]
        lines.append(f"| {row['figure']} | {number(row.get('p50'), unit)} | {number(row.get('p99'), unit)} | {floor}"
                     f" | {ratio + 'x' if ratio[-1:].isdigit() else ratio} | {row.get('goal') or '–'} | {met} |")
    missing = [what for what, start in EXPECTED
               if not any(str(row["figure"]).lower().startswith(start.lower()) for row in rows)]
    if missing:
        lines += ["", "Not measured in this run: " + ", ".join(missing) + "."]
    if durations:
        lines += ["", "Time per benchmark: " + ", ".join(f"{row['duration_of']} {row['seconds']:.0f} s"
                                                      for row in durations) + "."]
    return "\n".join(lines) + "\n"


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--seconds", type=float, default=None, help="how long the whole run took")
    parser.add_argument("--load-before", default="")
    args = parser.parse_args()
    rows = read_rows(args.results) if args.results.exists() else []
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    text = render(rows, seconds=args.seconds, load_before=args.load_before, load_after=load_average(), quick=quick)
    args.out.write_text(text, encoding="utf-8")
    print(f"{args.out}: {sum('figure' in row for row in rows)} figures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
