"""Every benchmark, in its quick form, stops everything it started and removes its temporary folders.

A benchmark runs as a child with a tag in its environment (every process it starts inherits it),
its temporary folder (TMPDIR) and working folder empty and its own. Once it has exited, no process
may carry the tag and both folders must be empty. The tests at the end show that this check sees a
leak (a stopped child, an orphaned grandchild, a folder) and that `bench.common.run` leaves none,
also when the benchmark is stopped by SIGTERM midway.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCHES = sorted(p for p in (ROOT / "bench").glob("*.py") if p.name not in ("common.py", "table.py"))
TAG = "MPP_BENCH_HYGIENE_TAG"
BUDGET_S = 240  # the quick forms take about a minute together on 2 idle cores: this is a hang's limit


@dataclass
class Run:
    name: str
    code: int | None = None
    output: str = ""
    processes: list[str] = field(default_factory=list)  # "pid command" of each process left running
    folders: list[str] = field(default_factory=list)    # what was left in TMPDIR and the working folder
    figures: list[dict] = field(default_factory=list)


def tagged(tag: str) -> list[str]:
    """The processes whose environment carries `tag` (alive or stopped; a zombie has no environment)."""
    found = []
    needle = f"{TAG}={tag}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                found.append(f"{entry.name} {command.strip()[:100]}")
        except OSError:
            continue
    return found


def start(command: list[str], folder: Path) -> tuple[subprocess.Popen[str], str]:
    tag = uuid.uuid4().hex
    (folder / "cwd").mkdir(parents=True)
    # Its temporary folder short, under /tmp: Chromium's and the stations' sockets must fit in 108 bytes.
    (folder / "tmp").symlink_to(tempfile.mkdtemp(prefix="bh-", dir="/tmp"))
    env = {**os.environ, "BENCH_QUICK": "1", "TMPDIR": str((folder / "tmp").resolve()), TAG: tag,
           "BENCH_RESULTS": str(folder / "results.jsonl"), "PYTHONUNBUFFERED": "1"}
    # Output to a file, not a pipe: a leaked process holding the pipe would keep its end from coming.
    with open(folder / "output.txt", "w") as output:
        process = subprocess.Popen(command, cwd=folder / "cwd", env=env, stdout=output, stderr=subprocess.STDOUT,
                                   text=True)
    return process, tag


def printed(folder: Path, line: str, timeout_s: float) -> bool:
    """Whether the child printed `line` within `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if line in (folder / "output.txt").read_text().splitlines():
            return True
        time.sleep(0.05)
    return False


def finish(name: str, process: subprocess.Popen[str], tag: str, folder: Path, timeout_s: float) -> Run:
    """Wait for the benchmark, then look for what it left."""
    try:
        process.wait(timeout_s)
        output = (folder / "output.txt").read_text()
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        output = (folder / "output.txt").read_text() + f"\n(killed after {timeout_s:.0f} s)"
    results = folder / "results.jsonl"
    rows = [json.loads(line) for line in results.read_text().splitlines()] if results.exists() else []
    figures = [row for row in rows if "figure" in row]  # (the others: how long each benchmark took)
    left = [f"{where}/{p.name}" for where in ("tmp", "cwd") for p in (folder / where).iterdir()]
    shutil.rmtree((folder / "tmp").resolve(), ignore_errors=True)
    return Run(name, process.returncode, output, tagged(tag), left, figures)


def run_bench(script: Path, folder: Path, timeout_s: float) -> Run:
    process, tag = start([sys.executable, str(script)], folder)
    return finish(script.name, process, tag, folder, timeout_s)


def clean_up(run: Run) -> None:
    """Stop what a deliberately leaky script left (the test's own mess, not a benchmark's)."""
    for line in run.processes:
        pid = int(line.split()[0])
        for sig in (signal.SIGCONT, signal.SIGKILL):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("script", BENCHES, ids=lambda path: path.stem)
def test_every_benchmark_quick_leaves_nothing_running_and_no_folder(script: Path, tmp_path) -> None:
    """One benchmark's quick form (one test each, so that the suite's workers share them out)."""
    r = run_bench(script, tmp_path / script.stem, BUDGET_S)
    assert r.code == 0, f"{r.name}: exit {r.code}\n{r.output[-3000:]}"
    assert not r.processes and not r.folders, f"{r.name}: processes {r.processes}, folders {r.folders}"
    assert r.figures, f"{r.name} recorded no figure for the table"
    for figure in r.figures:
        assert figure["figure"] and isinstance(figure["p50"], (int, float)), (r.name, figure)


# A benchmark-like script that leaks: a SIGSTOPped child in its own session, a grandchild orphaned by
# its shell, a temporary folder. `--with-run` runs it through bench.common.run; `--wait` then waits to be
# stopped by a signal.
LEAKY = f"""
import os, signal, subprocess, sys, tempfile, time
sys.path[0] = {str(ROOT)!r}

def main():
    tempfile.mkdtemp(prefix="leaky-")
    child = subprocess.Popen(["sleep", "120"], start_new_session=True)
    os.kill(child.pid, signal.SIGSTOP)
    subprocess.run(["sh", "-c", "sleep 120 & exit 0"], check=True)
    if "--wait" in sys.argv:
        print("started", flush=True)
        time.sleep(60)

if "--with-run" in sys.argv:
    from bench.common import run
    run(main)
else:
    main()
"""


@pytest.fixture
def leaky(tmp_path) -> Path:
    script = tmp_path / "leaky.py"
    script.write_text(LEAKY)
    return script


@pytest.mark.integration
def test_the_check_sees_a_benchmark_that_leaks(leaky, tmp_path) -> None:
    process, tag = start([sys.executable, str(leaky)], tmp_path / "run")
    run = finish("leaky", process, tag, tmp_path / "run", 30)
    try:
        assert run.code == 0, run.output
        assert len(run.processes) == 2 and all("sleep 120" in p for p in run.processes), run.processes
        assert len(run.folders) == 1 and run.folders[0].startswith("tmp/leaky-"), run.folders
    finally:
        clean_up(run)


@pytest.mark.integration
def test_run_stops_the_stopped_child_and_the_orphan_and_removes_the_folder(leaky, tmp_path) -> None:
    process, tag = start([sys.executable, str(leaky), "--with-run"], tmp_path / "run")
    run = finish("leaky", process, tag, tmp_path / "run", 60)
    clean_up(run)
    assert run.code == 0, run.output
    assert run.processes == [] and run.folders == []
    assert "stopped 2 process(es) the benchmark left running" in run.output  # and it says so


@pytest.mark.integration
def test_run_cleans_up_when_the_benchmark_is_stopped_by_sigterm(leaky, tmp_path) -> None:
    process, tag = start([sys.executable, str(leaky), "--with-run", "--wait"], tmp_path / "run")
    assert printed(tmp_path / "run", "started", 30)
    process.send_signal(signal.SIGTERM)
    run = finish("leaky", process, tag, tmp_path / "run", 60)
    clean_up(run)
    assert run.code == 130, run.output  # interrupted, and says so
    assert run.processes == [] and run.folders == []
