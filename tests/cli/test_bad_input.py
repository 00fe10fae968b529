"""No traceback for any mistake: every command, with bad paths, bad bytes and missing files.

The command tree is walked from `station.cli.build_parser`, so a command
added later is covered without editing this file. Each command runs as a
real process (`station ...`) with its required arguments filled with: bytes
that are not UTF-8; a path that does not exist; a folder; a binary file;
and a configuration that is missing, a folder, or binary. Whatever happens,
the command ends by itself, prints no traceback, exits with a documented
code, and a mistake is one line on standard error (a verdict of "checked
and refused", exit 1, may be a report on standard output instead).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from station.cli import EXIT_CODES, build_parser

STATION = [sys.executable, "-c", "from station.cli import entry; entry()"]
BAD_BYTES = b"\xff\xfe\x80bad"


def leaf_commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every runnable command: (words, its parser)."""
    found = []
    groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not groups and prefix:
        return [(prefix, parser)]
    for group in groups:
        for name, child in group.choices.items():
            found += leaf_commands(child, (*prefix, name))
    return found


def _fill(parser: argparse.ArgumentParser, value: bytes) -> list[bytes]:
    """Arguments that satisfy the parser's shape, each required one given `value`."""
    argv: list[bytes] = []
    for action in parser._actions:
        if action.option_strings:
            if not action.required:
                continue
            argv.append(action.option_strings[-1].encode())
        elif action.nargs == 0 or isinstance(action, argparse._SubParsersAction):
            continue
        if action.choices:
            argv.append(str(next(iter(action.choices))).encode())
        elif action.type in (int, float) or getattr(action.type, "__name__", "") in ("_positive",):
            argv.append(b"1")
        else:
            argv.append(value)
    return argv


def _path_options(parser: argparse.ArgumentParser) -> list[bytes]:
    """The options that name a file or folder."""
    found = []
    for action in parser._actions:
        if not action.option_strings or action.nargs == 0 or action.required:
            continue
        metavar = str(action.metavar or "")
        if action.type is Path or metavar in ("FILE", "PATH", "DIR", "FOLDER") or action.dest in ("out", "dir"):
            found.append(action.option_strings[-1].encode())
    return found


@pytest.fixture(scope="module")
def places(tmp_path_factory) -> dict[str, bytes]:
    root = tmp_path_factory.mktemp("bad")
    binary = root / "binary.bin"
    binary.write_bytes(bytes(range(256)) * 64)
    a_file = root / "a-file"
    a_file.write_text("not a folder\n")
    return {"missing": os.fsencode(root / "no" / "such" / "thing"), "folder": os.fsencode(root),
            "binary": os.fsencode(binary), "bad_bytes": os.fsencode(root) + b"/" + BAD_BYTES,
            "under_a_file": os.fsencode(a_file / "sub" / "out.pdf")}


# Commands that serve until stopped: run as processes (a mistake must end them), and only with bad
# input (given a good setup they rightly run on).
SERVING = {("run",), ("serve",), ("simulate",), ("sim", "bus"), ("sim", "scanner"), ("sim", "printer"),
           ("sim", "backoffice"), ("scan",)}
IGNORES_CONFIG = {("simulate",)}  # it makes its own station: only its --dir can be wrong
# Reads no file and no configuration (the command center asks Prometheus): no path of it can be wrong;
# its one bad input, a --prometheus that is not a URL, is refused in one line (tested below).
READS_NO_FILE = {("fleet", "serve")}
KINDS = ("bad_bytes", "missing", "folder", "binary", "under_a_file")


def _cases(places: dict[str, bytes], good_config: bytes) -> list[tuple[tuple[str, ...], str, list[bytes]]]:
    """(command words, what is wrong, argv) for every command."""
    cases = []
    bad_configs = [places["missing"], places["folder"], places["binary"], places["bad_bytes"]]
    for words, parser in leaf_commands(build_parser()):
        if words in READS_NO_FILE:
            continue
        head = [w.encode() for w in words]
        serving = words in SERVING
        for index, kind in enumerate(KINDS):
            # Bad required arguments with a bad configuration, and (what reaches deeper) with a good one.
            config = bad_configs[index % len(bad_configs)]
            if words in IGNORES_CONFIG:
                break
            if serving and kind not in ("bad_bytes", "binary"):
                continue  # a process each: two bad configurations (missing, binary) are enough
            cases.append((words, f"{kind} + bad config", [*head, *_fill(parser, places[kind]), b"--config", config]))
            if not serving and _fill(parser, b"x"):
                cases.append((words, kind, [*head, *_fill(parser, places[kind]), b"--config", good_config]))
        for option in _path_options(parser):
            if words in IGNORES_CONFIG and option == b"--config":
                continue
            for kind in ("bad_bytes", "folder", "binary", "under_a_file"):
                if serving and (kind in ("folder", "bad_bytes") or option == b"--config"):
                    continue  # a folder is a fine place for a station or a link: it would rightly run
                cases.append((words, f"{option.decode()} {kind}",
                              [*head, *_fill(parser, places["binary"]), option, places[kind], b"--config",
                               good_config if not serving else places["missing"]]))
    return cases


def _run_process(argv: list[bytes], cwd: Path) -> tuple[int | None, str]:
    try:
        done = subprocess.run([*map(os.fsencode, STATION), *argv], capture_output=True, timeout=30, cwd=cwd,
                              env={**os.environ, "STATION_CONFIG": ""}, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None, ""
    return done.returncode, (done.stdout + done.stderr).decode(errors="replace")


@contextlib.contextmanager
def _stdin(replacement: io.StringIO):
    saved, sys.stdin = sys.stdin, replacement
    try:
        yield
    finally:
        sys.stdin = saved


def _run_here(argv: list[bytes], cwd: Path) -> tuple[int | None, str]:
    """In this process (no interpreter start-up per case): argv as Python gets it from the OS."""
    from station.cli import main

    args = [os.fsdecode(a) for a in argv]
    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                _stdin(io.StringIO("")):
            try:
                code = main(args)
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else 2
    finally:
        os.chdir(here)
    return code, err.getvalue() + "\0" + out.getvalue()


def test_every_command_fails_cleanly_on_bad_input(places, station_dir: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STATION_CONFIG", raising=False)
    cases = _cases(places, os.fsencode(station_dir / "station.toml"))
    commands = {words for words, _, _ in cases}
    assert len(commands) >= 40 and len(cases) > 300  # the walk found the whole tree
    assert {words for words, _, _ in cases if words in SERVING} == SERVING
    here = [case for case in cases if case[0] not in SERVING]
    served = [case for case in cases if case[0] in SERVING]
    results = [(words, kind, *_run_here(argv, tmp_path)) for words, kind, argv in here]
    with ThreadPoolExecutor(max_workers=2) as pool:
        # Not in tmp_path: the station folder there would shadow the `station` package (`python -c`).
        away = Path(os.fsdecode(places["folder"]))
        results += pool.map(lambda case: (case[0], case[1], *_run_process(case[2], away)), served)
    problems = []
    for words, kind, code, text in results:
        name = f"station {' '.join(words)} [{kind}]"
        err = text.split("\0")[0] if "\0" in text else text
        lines = [line for line in err.splitlines() if line.strip()]
        if code is None:
            problems.append(f"{name}: did not end within 30 s")
        elif "Traceback" in text or code == 70:
            problems.append(f"{name}: traceback or internal error: {text[-300:]}")
        elif code not in EXIT_CODES:
            problems.append(f"{name}: exit {code} is not documented: {text[-200:]}")
        elif code not in (0, 1) and len(lines) != 1 and words not in SERVING:
            problems.append(f"{name}: exit {code} with {len(lines)} lines on stderr: {err[-300:]}")
        elif code == 1 and len(lines) > 1 and words not in SERVING:
            # "Checked and refused": the verdict may be a report on standard output (doctor, verify).
            problems.append(f"{name}: exit 1 with {len(lines)} lines on stderr: {err[-300:]}")
    assert problems == [], "\n".join(problems)


def test_the_command_center_refuses_a_prometheus_that_is_not_a_url(tmp_path: Path) -> None:
    code, out = _run_process([b"fleet", b"serve", b"--prometheus", b"prometheus:9090", b"--port", b"0"], tmp_path)
    assert code not in (0, None) and len(out.strip().splitlines()) == 1 and "Traceback" not in out, out
