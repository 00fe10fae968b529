"""Pickup-token benchmark: verifying a token (everything short of the spool), issuing one, the PIN check.

Prints medians and p99s, and the ratio to the floor measured in the same run:
one bare Ed25519 verification of the same Sig_structure (DESIGN.md quotes
0.12 ms on this kind of machine). The verifier does that and the parsing
around it; the gap between the two is what the parsing costs.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

# Run as `python bench/tokens.py`: the repository root replaces bench/ on the path.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench.common import machine, quick, record_samples, run, summary  # noqa: E402
from station.trust import cose  # noqa: E402
from station.trust import pin  # noqa: E402
from station.trust import token  # noqa: E402
from station.trust import store as trust  # noqa: E402

STATION = "MPP-DEMO-01"
NOW = 1_780_272_000  # 2026-06-01T00:00:00Z


def timed(action, count: int) -> list[float]:  # noqa: ANN001 - any zero-argument callable
    """Seconds taken by each of `count` calls."""
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=300 if quick() else 5000, help="verifications and issues to time")
    parser.add_argument("--pins", type=int, default=3 if quick() else 20, help="PIN checks to time (about 0.1 s each)")
    parser.add_argument("--processes", type=int, default=2 if quick() else 20, help="`station token verify` runs to time")
    args = parser.parse_args()
    print(f"machine: {machine()}")

    key = trust.new_private_key()
    entry = trust.entry_for(key, "issuer", sign_from=datetime(2026, 1, 1, tzinfo=UTC), valid_days=400)
    store = trust.TrustStore(keys=(entry,))
    text = token.issue(key, STATION, "AKTA-2026-000123", now=NOW - 60)
    sign1 = cose.sign1_decode(cose.from_qr_text(token.PREFIX, text))
    to_be_signed = sign1.to_be_signed(token.EXTERNAL_AAD)
    public = key.public_key()

    floor = timed(lambda: public.verify(sign1.signature, to_be_signed), args.count)
    verify = timed(lambda: token.verify(text, store, STATION, now=NOW), args.count)
    message = bytearray(cose.from_qr_text(token.PREFIX, text))
    message[-1] ^= 1  # the last byte of the signature
    forged = cose.qr_text(token.PREFIX, bytes(message))
    refuse = timed(lambda: _refused(forged, store), args.count)
    issue = timed(lambda: token.issue(key, STATION, "AKTA-2026-000123", now=NOW), args.count)
    qr = timed(lambda: token.qr_code(text).matrix, max(50, args.count // 50))
    floor_median = statistics.median(floor)
    print(f"token: {len(text)} characters, QR version {token.qr_code(text).version}-M")
    print(summary("Ed25519 verify alone (floor)", floor))
    print(summary("token verify, valid", verify, floor_median, "floor"))
    record_samples("token verify, valid", verify, floor_s=floor_median, floor_name="Ed25519 verify alone")
    print(summary("token verify, refused (bad signature)", refuse, floor_median, "floor"))
    print(summary("token issue (sign + Base45)", issue))
    print(summary("QR symbol (segno, alphanumeric, M)", qr))

    verifier = pin.make_verifier("482913")
    print(summary("PIN check, scrypt ln=15 r=8 p=1", timed(lambda: pin.check_pin("482913", verifier), args.pins)))
    hostile = "$scrypt$ln=40,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
    print(summary("PIN check refused, hostile ln=40", timed(lambda: _bad_verifier(hostile), args.count)))

    station_bin = Path(sys.executable).with_name("station")
    if station_bin.exists() and args.processes:
        trust_path = Path(tempfile.mkdtemp(prefix="bench-tokens-")) / "bench-trust.json"  # (removed by `run`)
        store.save(trust_path)
        command = [str(station_bin), "token", "verify", text, "--trust", str(trust_path), "--station", STATION,
                   "--now", str(NOW)]
        runs = timed(lambda: subprocess.run(command, capture_output=True, check=True), args.processes)
        print(summary("`station token verify` as a process", runs))


def _refused(text: str, store: trust.TrustStore) -> None:
    try:
        token.verify(text, store, STATION, now=NOW)
    except token.TokenRefused as refused:
        assert refused.reason == "bad_signature", refused
        return
    raise AssertionError("a forged token verified")


def _bad_verifier(text: str) -> None:
    try:
        pin.check_pin("1234", text)
    except pin.PinVerifierError:
        return
    raise AssertionError("a hostile verifier was accepted")


if __name__ == "__main__":
    run(main)
