"""`station token ...`: issue and verify pickup tokens (PROTOCOLS.md §4), make and check PIN verifiers."""

from __future__ import annotations

import argparse
import json
import logging
import re
import secrets
import stat
import sys
from pathlib import Path

from station.trust import pin as pin_module
from station.trust import token
from ..errors import ConfigError, StationError
from station.trust.store import TrustStore, load_private_key
from .common import add_command, add_group, load_config

# Latest moment a datetime can hold (9999-12-31T23:59:59Z): the key window check needs one.
MAX_EPOCH = 253_402_300_799
# More than any token could be; read no further from standard input.
MAX_STDIN_BYTES = 64 * 1024
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

ISSUE_DESCRIPTION = """\
Sign a pickup token for document DOCID at station ID with the issuer key in
FILE (PEM, mode 0600) and print its text, "MPP1:" and Base45. With --png,
also write the QR code (alphanumeric mode, error correction M).

The station's own tokens are for tests and demonstrations: in service the
back office issues them. Example:
  station token issue --key keys/issuer.pem --station MPP-DEMO-01 --doc DOC-1 --ttl 7d --png doc-1.png"""

VERIFY_DESCRIPTION = """\
Verify a pickup token as PROTOCOLS.md section 4 says, everything short of the
spool (document, state, used token ids: those the release flow checks).
Prints one line of JSON: {"valid": true|false, "reason": WORD|null, "doc": ..., "exp": ...}
("doc" and "exp" are null unless the signature was good). Exit 0 when valid,
1 when refused, 2 for a usage error (such as a missing trust store).

TOKEN "-" reads the token from standard input (one trailing newline is
stripped). Without --trust or --station, the station configuration gives them
(paths.trust_store, station.id); policy defaults come from its [release]
section when --config is given, else PROTOCOLS.md's (120 s, 30 days).

Reason words: malformed, unknown_key, revoked_key, bad_signature, key_window,
wrong_station, expired, not_yet_valid, lifetime."""


CODE_DESCRIPTION = """\
Make a typed pickup code (PROTOCOLS.md section 4.1) for document ID: 12
digits, RRRR-SSSS-SSSS, the reference RRRR and 8 secret digits from a CSPRNG.
Prints one line of JSON: {"document", "code", "pickup_ref", "code_verifier"}.
Put pickup_ref and code_verifier into the document before it is signed; give
the code to the citizen (it is never stored anywhere). Example:
  station token code --document DOC-1 --ref 0042"""


def register(commands: argparse._SubParsersAction) -> None:
    group = add_group(commands, "token", help="issue and verify pickup tokens, make PIN verifiers")
    issuer = add_command(group, "issue", help="sign a pickup token (tests, demos)",
                         description=ISSUE_DESCRIPTION, run=run_issue)
    issuer.add_argument("--key", required=True, metavar="FILE", help="issuer private key (PEM, mode 0600)")
    issuer.add_argument("--station", required=True, metavar="ID", help="station the document waits at")
    issuer.add_argument("--doc", required=True, metavar="DOCID", help="document id")
    issuer.add_argument("--ttl", type=duration, default=token.DEFAULT_TTL_SECONDS, metavar="DURATION",
                        help="lifetime: 90s, 15m, 12h, 7d (default: 7d)")
    issuer.add_argument("--pin", action="store_true", help="the kiosk also asks for the document's PIN")
    issuer.add_argument("--png", metavar="FILE", help="also write the QR code as a PNG image")
    issuer.add_argument("--now", type=epoch, metavar="EPOCH", help="issue time, seconds since the epoch")

    verifier = add_command(group, "verify", help="verify a pickup token (one line of JSON)",
                           description=VERIFY_DESCRIPTION, run=run_verify)
    verifier.add_argument("token", metavar="TOKEN", help='the token text, or "-" for standard input')
    verifier.add_argument("--trust", metavar="FILE", help="trust store (default: from the configuration)")
    verifier.add_argument("--station", metavar="ID", help="this station's id (default: from the configuration)")
    verifier.add_argument("--now", type=epoch, metavar="EPOCH", help="check at this time instead of now")
    verifier.add_argument("--skew", type=skew, metavar="SECONDS",
                          help=f"clock skew tolerated (default: {token.DEFAULT_SKEW_SECONDS})")
    verifier.add_argument("--max-lifetime", type=duration, metavar="DURATION",
                          help="longest exp - iat accepted (default: 30d)")

    add_command(group, "pin-verifier", help="PHC scrypt verifier of a PIN read from standard input",
                description="Read a PIN (one line) from standard input and print its PHC scrypt\n"
                            "verifier, the document's pin_verifier ($scrypt$ln=15,r=8,p=1$...).",
                run=run_pin_verifier)
    checker = add_command(group, "check-pin", help="check a PIN from standard input against a verifier",
                          description="Read a PIN (one line) from standard input and check it against\n"
                                      "VERIFIER. Exit 0 when it matches, 1 when not, 2 for a bad verifier.",
                          run=run_check_pin)
    checker.add_argument("verifier", metavar="VERIFIER", help="PHC scrypt string")

    coder = add_command(group, "code", help="make a typed pickup code for a document (PROTOCOLS §4.1)",
                        description=CODE_DESCRIPTION, run=run_code)
    coder.add_argument("--document", required=True, metavar="ID", help="the document the code opens")
    coder.add_argument("--ref", metavar="RRRR", help="the 4-digit reference (default: random; it must be unique"
                                                     " among the station's open documents)")


# --- argument types ---------------------------------------------------------

def duration(text: str) -> int:
    """Seconds from `90s`, `15m`, `12h`, `7d` (a bare number is seconds)."""
    found = re.fullmatch(r"([1-9][0-9]{0,9})([smhd]?)", text.strip())
    if found is None:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (examples: 90s, 15m, 12h, 7d)")
    return int(found.group(1)) * UNITS[found.group(2) or "s"]


def epoch(text: str) -> int | float:
    """Seconds since the epoch, 0 to the year 9999."""
    if re.fullmatch(r"[0-9]{1,12}(\.[0-9]{1,9})?", text.strip()) is None:
        raise argparse.ArgumentTypeError(f"not a time in seconds since the epoch: {text!r}")
    value = float(text) if "." in text else int(text)
    if value > MAX_EPOCH:
        raise argparse.ArgumentTypeError(f"time beyond the year 9999: {text!r}")
    return value


def skew(text: str) -> int:
    """Clock skew in seconds, 0 to one hour."""
    if re.fullmatch(r"[0-9]{1,4}", text.strip()) is None or int(text) > 3600:
        raise argparse.ArgumentTypeError(f"skew must be 0 to 3600 seconds, got {text!r}")
    return int(text)


# --- commands -----------------------------------------------------------------

def run_issue(args: argparse.Namespace) -> int:
    # Issuer keys live at the back office; this command is a test and demo tool, so a key
    # file others can read is used with a warning instead of refused (the station's own
    # keys are always refused then).
    key = load_private_key(args.key, allow_exposed=True)
    mode = stat.S_IMODE(Path(args.key).stat().st_mode)
    if mode & 0o077:
        print(f"station: warning: private key {args.key} is readable by others (mode {mode:o});"
              f" run: chmod 600 {args.key}", file=sys.stderr)
    if args.now is not None and not isinstance(args.now, int):
        raise StationError("--now for issue is whole seconds")
    text = token.issue(key, args.station, args.doc, ttl_seconds=args.ttl, pin=args.pin, now=args.now)
    if args.png:
        try:
            token.write_qr_png(text, Path(args.png))
        except OSError as err:
            raise StationError(f"cannot write {args.png}: {err.strerror or err}") from None
    if args.ttl > token.DEFAULT_MAX_LIFETIME_SECONDS:
        print(f"station: warning: a lifetime of {args.ttl} s is over the default policy"
              f" ({token.DEFAULT_MAX_LIFETIME_SECONDS} s): stations will refuse it", file=sys.stderr)
    print(text)
    return 0


def run_verify(args: argparse.Namespace) -> int:
    trust_path, station, skew_seconds, max_lifetime = _verify_settings(args)
    trust = TrustStore.load(trust_path)
    text = read_token(args.token)
    try:
        claims = token.verify(text, trust, station, now=args.now, skew_seconds=skew_seconds,
                              max_lifetime_seconds=max_lifetime)
    except token.TokenRefused as err:
        print_verdict(err.reason, err.claims)
        print(f"station: token refused: {err}", file=sys.stderr)
        return 1
    except Exception as err:  # noqa: BLE001 - never crash on a token: a verifier that fails refuses
        # The traceback goes to the log (when one is set up), never to the screen.
        logging.getLogger("station.token").debug("token verification failed unexpectedly", exc_info=True)
        print_verdict("malformed", None)
        print(f"station: token refused: internal error {type(err).__name__}", file=sys.stderr)
        return 1
    print_verdict(None, claims)
    return 0


def _verify_settings(args: argparse.Namespace) -> tuple[Path, str, int, int]:
    """Trust store, station id and policy: options first, then the configuration."""
    skew_seconds = token.DEFAULT_SKEW_SECONDS
    max_lifetime = token.DEFAULT_MAX_LIFETIME_SECONDS
    trust, station = args.trust, args.station
    if trust is None or station is None or getattr(args, "config", None):
        try:
            cfg = load_config(args)
        except ConfigError as err:
            raise StationError(f"give --trust FILE and --station ID, or a station configuration ({err})"
                               ) from None
        trust = trust if trust is not None else cfg.path(cfg.paths.trust_store)
        station = station if station is not None else cfg.station.id
        policy = token.release_policy(cfg.release)
        skew_seconds, max_lifetime = policy["skew_seconds"], policy["max_lifetime_seconds"]
    if args.skew is not None:
        skew_seconds = args.skew
    if args.max_lifetime is not None:
        max_lifetime = args.max_lifetime
    return Path(trust), station, skew_seconds, max_lifetime


def read_token(argument: str) -> str:
    """The token text: the argument itself, or standard input for "-" (one newline stripped)."""
    if argument != "-":
        return argument
    data = sys.stdin.buffer.read(MAX_STDIN_BYTES + 1)
    for newline in (b"\r\n", b"\n", b"\r"):
        if data.endswith(newline):
            data = data[:-len(newline)]
            break
    # Undecodable bytes stay as surrogates: the verifier refuses them as malformed.
    return data.decode("utf-8", errors="surrogateescape")


def print_verdict(reason: str | None, claims: token.TokenClaims | None) -> None:
    """The one JSON line `station token verify` prints."""
    verdict = {"valid": reason is None, "reason": reason,
               "doc": claims.doc if claims else None, "exp": claims.exp if claims else None}
    sys.stdout.write(json.dumps(verdict, ensure_ascii=True) + "\n")


def _read_pin() -> str:
    line = sys.stdin.readline(pin_module.MAX_PIN_LENGTH * 4 + 2)
    return line.rstrip("\r\n")


def run_pin_verifier(args: argparse.Namespace) -> int:
    pin = _read_pin()
    if not pin:
        raise StationError("no PIN on standard input")
    print(pin_module.make_verifier(pin))
    return 0


def run_code(args: argparse.Namespace) -> int:
    from station.backoffice.document import is_document_id
    from station.trust import pickup_code

    if not is_document_id(args.document):
        raise StationError("--document must be a document id (A-Z a-z 0-9 . _ : -)")
    ref = args.ref if args.ref is not None else f"{secrets.randbelow(10**pickup_code.REF_DIGITS):04d}"
    issued = pickup_code.issue(ref)  # CodeShapeError (exit 2) for a reference that is not 4 digits
    print(json.dumps({"document": args.document, "code": issued.code.text(), **issued.fields()}))
    return 0


def run_check_pin(args: argparse.Namespace) -> int:
    verifier = pin_module.ScryptVerifier.parse(args.verifier)
    if verifier.matches(_read_pin()):
        print("PIN matches")
        return 0
    print("PIN does not match")
    return 1
