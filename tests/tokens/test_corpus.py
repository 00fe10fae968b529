"""The independent corpus (token_corpus.py) against the verifier and the real `station token verify`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import token_corpus


from station.trust import token
from station.trust import store as trust
from station.cli import main

CASES = token_corpus.cases()
CLI_CASES = [c for c in CASES if c.cli]
STORE = trust.TrustStore.from_json(token_corpus.trust_store())
STATION_BIN = Path(sys.executable).with_name("station")


def test_corpus_is_built_without_the_station() -> None:
    source = Path(token_corpus.__file__).read_text(encoding="utf-8")
    imported = {line.split()[1].split(".")[0] for line in source.splitlines()
                if line.startswith(("import ", "from "))}
    assert imported <= {"__future__", "base64", "calendar", "hashlib", "json", "random", "struct", "sys",
                        "collections", "dataclasses", "pathlib", "typing", "cryptography"}, imported


def test_corpus_covers_every_verifier_reason() -> None:
    assert {c.reason for c in CASES} == {None, *token.VERIFY_REASONS}
    assert len(CLI_CASES) >= 20  # one or more of every kind; the rest run in-process


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_module_verdict(case: token_corpus.Case) -> None:
    try:
        claims = token.verify(case.text, STORE, case.station, now=case.now)
    except token.TokenRefused as refused:
        assert refused.reason == case.reason, str(refused)
        return
    assert case.reason is None, f"accepted, expected {case.reason}"
    assert (claims.doc, claims.exp) == (case.doc, case.exp)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_cli_verdict_in_process(case: token_corpus.Case, corpus_dir: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["token", "verify", case.text, "--trust", str(corpus_dir / "trust.json"),
                 "--station", case.station, "--now", str(case.now)])
    out, err = capsys.readouterr()
    _check_verdict(case, code, out, err)


@pytest.mark.parametrize("case", CLI_CASES, ids=lambda c: c.name)
def test_cli_verdict_as_a_process(case: token_corpus.Case, corpus_dir: Path) -> None:
    # Every other case goes through standard input, with the newline a scanner or `echo` adds.
    index = CLI_CASES.index(case)
    argument, stdin = ("-", case.text + "\n") if index % 2 else (case.text, "")
    done = subprocess.run([str(STATION_BIN), "token", "verify", argument,
                           "--trust", str(corpus_dir / "trust.json"), "--station", case.station,
                           "--now", str(case.now)],
                          input=stdin.encode(), capture_output=True, timeout=60, check=False)
    _check_verdict(case, done.returncode, done.stdout.decode(), done.stderr.decode())


def _check_verdict(case: token_corpus.Case, code: int, out: str, err: str) -> None:
    assert "Traceback" not in err
    lines = out.splitlines()
    assert len(lines) == 1, out
    verdict = json.loads(lines[0])
    assert list(verdict) == ["valid", "reason", "doc", "exp"]
    assert verdict["reason"] == case.reason, err
    assert verdict["valid"] is (case.reason is None)
    assert code == (0 if case.reason is None else 1)
    if case.reason is None:
        assert (verdict["doc"], verdict["exp"]) == (case.doc, case.exp)
        assert err == ""
    else:
        assert err.count("\n") == 1 and case.reason in err


def test_written_corpus_matches_the_cases(corpus_dir: Path) -> None:
    rows = [json.loads(line) for line in (corpus_dir / "cases.jsonl").read_text().splitlines()]
    assert [(r["name"], r["text"], r["reason"]) for r in rows] == [(c.name, c.text, c.reason) for c in CASES]
    assert trust.TrustStore.load(corpus_dir / "trust.json") == STORE
