"""`station token issue|verify|pin-verifier|check-pin` through the real command line."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from token_fixtures import Issuer

from station.cli import main

STATION_BIN = Path(sys.executable).with_name("station")
NOW = 1_780_272_000
STATION = "MPP-DEMO-01"


def station(*args: str, stdin: bytes = b"", cwd: Path | None = None,
            process: bool = False) -> subprocess.CompletedProcess[str]:
    """Run `station ARGS`: the installed command as a process, or the same `main()` in this one.

    In-process runs are the same code path minus the interpreter start-up (about a second
    now that every command module is registered), so most tests use them.
    """
    if process or cwd is not None:
        done = subprocess.run([str(STATION_BIN), *args], input=stdin, capture_output=True, timeout=60,
                              check=False, cwd=cwd)
        return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode("utf-8", "replace"),
                                           done.stderr.decode("utf-8", "replace"))
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exit_:  # argparse's usage errors
                code = int(exit_.code or 0)
    finally:
        sys.stdin = saved
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def issue(issuer: Issuer, *extra: str, doc: str = "AKTA-1", process: bool = False) -> str:
    done = station("token", "issue", "--key", str(issuer.pem), "--station", STATION, "--doc", doc,
                   "--now", str(NOW), *extra, process=process)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1
    return done.stdout.strip()


def verify(issuer: Issuer, text: str, *extra: str, stdin: bytes = b"",
           process: bool = False) -> tuple[int, dict | None, str]:
    done = station("token", "verify", text, "--trust", str(issuer.trust_path), "--station", STATION,
                   "--now", str(NOW + 60), *extra, stdin=stdin, process=process)
    assert "Traceback" not in done.stderr
    verdict = json.loads(done.stdout) if done.stdout else None
    return done.returncode, verdict, done.stderr


def test_issue_and_verify_as_processes(issuer: Issuer) -> None:
    text = issue(issuer, process=True)
    code, verdict, err = verify(issuer, text, process=True)
    assert (code, verdict, err) == (0, {"valid": True, "reason": None, "doc": "AKTA-1", "exp": NOW + 7 * 86400},
                                    "")


@pytest.mark.parametrize(("ttl", "seconds"), [("90s", 90), ("15m", 900), ("12h", 43200), ("7d", 604800),
                                              ("3600", 3600)])
def test_ttl_forms(issuer: Issuer, ttl: str, seconds: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "issue", "--key", str(issuer.pem), "--station", STATION, "--doc", "D",
                 "--now", str(NOW), "--ttl", ttl]) == 0
    text = capsys.readouterr().out.strip()
    assert main(["token", "verify", text, "--trust", str(issuer.trust_path), "--station", STATION,
                 "--now", str(NOW)]) == 0
    assert json.loads(capsys.readouterr().out)["exp"] == NOW + seconds


@pytest.mark.parametrize("ttl", ["0s", "7w", "-1d", "d", "1.5h", "7 d", "99999999999d"])
def test_bad_ttl_is_a_usage_error(issuer: Issuer, ttl: str) -> None:
    done = station("token", "issue", "--key", str(issuer.pem), "--station", STATION, "--doc", "D", "--ttl", ttl)
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
    assert "--ttl" in done.stderr


def test_pin_flag(issuer: Issuer) -> None:
    code, verdict, _ = verify(issuer, issue(issuer, "--pin"))
    assert code == 0 and verdict is not None and verdict["valid"]


def test_png_is_the_token_as_qr(issuer: Issuer, tmp_path: Path) -> None:
    png = tmp_path / "out" / "qr.png"
    text = issue(issuer, "--png", str(png))
    found = zxingcpp.read_barcodes(Image.open(png))
    assert [(r.text, r.ec_level) for r in found] == [(text, "M")]


def test_lifetime_over_policy_is_issued_with_a_warning_and_refused(issuer: Issuer) -> None:
    done = station("token", "issue", "--key", str(issuer.pem), "--station", STATION, "--doc", "D",
                   "--now", str(NOW), "--ttl", "31d")
    assert done.returncode == 0 and "warning" in done.stderr
    code, verdict, _ = verify(issuer, done.stdout.strip())
    assert code == 1 and verdict is not None and verdict["reason"] == "lifetime"
    code, verdict, _ = verify(issuer, done.stdout.strip(), "--max-lifetime", "31d")
    assert code == 0


def test_skew_option(issuer: Issuer) -> None:
    done = station("token", "issue", "--key", str(issuer.pem), "--station", STATION, "--doc", "D",
                   "--now", str(NOW + 60 + 100))
    text = done.stdout.strip()
    assert verify(issuer, text)[0] == 0
    code, verdict, _ = verify(issuer, text, "--skew", "60")
    assert code == 1 and verdict is not None and verdict["reason"] == "not_yet_valid"


def test_key_readable_by_others_is_used_with_a_warning(issuer: Issuer) -> None:
    issuer.pem.chmod(0o644)
    done = station("token", "issue", "--key", str(issuer.pem), "--station", STATION, "--doc", "D")
    assert done.returncode == 0 and "chmod 600" in done.stderr and done.stdout.startswith("MPP1:")


def test_a_file_that_is_no_key_is_one_clear_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_text("-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n")
    bad.chmod(0o600)
    done = station("token", "issue", "--key", str(bad), "--station", STATION, "--doc", "D")
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_missing_key_is_one_clear_line(tmp_path: Path) -> None:
    done = station("token", "issue", "--key", str(tmp_path / "nope.pem"), "--station", STATION, "--doc", "D")
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "no private key" in done.stderr


# --- verify: input handling ---------------------------------------------------------------

@pytest.mark.parametrize("ending", [b"", b"\n", b"\r\n", b"\r"])
def test_stdin_strips_one_newline(issuer: Issuer, ending: bytes) -> None:
    text = issue(issuer)
    code, verdict, _ = verify(issuer, "-", stdin=text.encode() + ending, process=ending == b"\r\n")
    assert code == 0 and verdict is not None and verdict["doc"] == "AKTA-1"


@pytest.mark.parametrize("stdin", [b"", b"\n", b"\n\n", b"\xff\xfe\x00garbage", b"MPP1:" + b"A" * 2_000_000,
                                   "MPP1:ÄÖ".encode(), b"\x00" * 10])
def test_bad_stdin_is_malformed(issuer: Issuer, stdin: bytes) -> None:
    code, verdict, err = verify(issuer, "-", stdin=stdin, process=stdin.startswith(b"\xff"))
    assert code == 1 and verdict == {"valid": False, "reason": "malformed", "doc": None, "exp": None}
    assert err.count("\n") == 1


def test_two_newlines_are_not_stripped(issuer: Issuer) -> None:
    code, verdict, _ = verify(issuer, "-", stdin=issue(issuer).encode() + b"\n\n")
    assert code == 1 and verdict is not None and verdict["reason"] == "malformed"


def test_doc_and_exp_only_when_signed(issuer: Issuer) -> None:
    text = issue(issuer)
    code, verdict, _ = verify(issuer, text, "--now", str(NOW + 30 * 86400))
    assert code == 1 and verdict == {"valid": False, "reason": "expired", "doc": "AKTA-1",
                                     "exp": NOW + 7 * 86400}


# --- verify: usage errors exit 2 with one line --------------------------------------------

def test_missing_trust_store(issuer: Issuer, tmp_path: Path) -> None:
    done = station("token", "verify", issue(issuer), "--trust", str(tmp_path / "none.json"), "--station", STATION,
                   process=True)
    assert done.returncode == 2 and done.stdout == "" and done.stderr.count("\n") == 1
    assert "no trust store" in done.stderr


def test_broken_trust_store(issuer: Issuer, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 3, "keys": [{"kid": "00"}]}')
    done = station("token", "verify", issue(issuer), "--trust", str(bad), "--station", STATION)
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr


def test_no_trust_and_no_configuration(issuer: Issuer, tmp_path: Path) -> None:
    done = station("token", "verify", issue(issuer), "--station", STATION, cwd=tmp_path)
    assert done.returncode == 2 and "--trust" in done.stderr and done.stderr.count("\n") == 1


@pytest.mark.parametrize("now", ["yesterday", "-5", "1e9", "999999999999"])
def test_bad_now_is_a_usage_error(issuer: Issuer, now: str) -> None:
    done = station("token", "verify", "MPP1:", "--trust", str(issuer.trust_path), "--station", STATION,
                   "--now", now)
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr


def test_configuration_gives_station_trust_and_policy(issuer: Issuer, station_dir: Path) -> None:
    config = station_dir / "station.toml"
    issuer.store.save(station_dir / "trust.json")
    text = issue(issuer)
    done = station("--config", str(config), "token", "verify", text, "--now", str(NOW))
    assert done.returncode == 0, done.stderr
    # The station's [release] policy applies when the configuration is given.
    config.write_text(config.read_text().replace("max_token_lifetime_days = 30", "max_token_lifetime_days = 1"))
    done = station("--config", str(config), "token", "verify", text, "--now", str(NOW))
    assert done.returncode == 1 and json.loads(done.stdout)["reason"] == "lifetime"


# --- PIN verifiers --------------------------------------------------------------------------

def test_pin_verifier_and_check(tmp_path: Path) -> None:
    made = station("token", "pin-verifier", stdin=b"246810\n", process=True)
    assert made.returncode == 0 and made.stdout.startswith("$scrypt$ln=15,r=8,p=1$")
    verifier = made.stdout.strip()
    assert station("token", "check-pin", verifier, stdin=b"246810\n").returncode == 0
    assert station("token", "check-pin", verifier, stdin=b"246811\n").returncode == 1


def test_check_pin_refuses_a_hostile_verifier() -> None:
    done = station("token", "check-pin", "$scrypt$ln=40,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
                   stdin=b"1234\n")
    assert done.returncode == 2 and "out of range" in done.stderr


def test_pin_verifier_needs_a_pin() -> None:
    done = station("token", "pin-verifier", stdin=b"\n")
    assert done.returncode == 2 and "no PIN" in done.stderr


def test_a_verifier_bug_still_refuses_with_one_line(issuer: Issuer, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from station.trust import token

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(token, "verify", broken)
    code = main(["token", "verify", "MPP1:ABC", "--trust", str(issuer.trust_path), "--station", STATION])
    out, err = capsys.readouterr()
    assert code == 1 and json.loads(out) == {"valid": False, "reason": "malformed", "doc": None, "exp": None}
    assert "Traceback" not in err and err.count("\n") == 1


def test_token_code_makes_a_code_for_a_document_a_technician_issues() -> None:
    """(issue 24) `station token code`: the code for the citizen and the §4.1 fields for the document."""
    from station.trust import pickup_code

    done = station("token", "code", "--document", "AKTA-1", "--ref", "0042")
    assert done.returncode == 0, done.stderr
    made = json.loads(done.stdout)
    code = pickup_code.parse(made["code"])
    assert (made["document"], made["pickup_ref"], code.ref) == ("AKTA-1", "0042", "0042")
    assert made["code_verifier"].startswith("$scrypt$ln=15,r=8,p=1$") and pickup_code.matches(code, made["code_verifier"])
    other = json.loads(station("token", "code", "--document", "AKTA-1").stdout)
    assert pickup_code.parse(other["code"]).ref == other["pickup_ref"] and other["code"] != made["code"]
    for bad in (("--document", "AKTA-1", "--ref", "42"), ("--document", "a/b"), ()):
        refused = station("token", "code", *bad)
        assert refused.returncode == 2 and "Traceback" not in refused.stderr and refused.stdout == ""
