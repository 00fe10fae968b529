"""Issue 22, point 6: scanner noise is no attack (the counter on a real pty lock bus).

The whole-station proof, through the scanner's pseudo-terminal and a running daemon, is
tests/station/test_scanner_noise_daemon.py.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from station.trust import token
from station.trust import store as trust
from station.release.kiosk import Screen
from station.release.noise import MIN_TOKEN_CHARS, noise

from patience import wait

from .conftest import Rig, make_rig, stop_rig

STRICT = {"STATION_RELEASE_REFUSED_SCANS_PER_MINUTE": "3", "STATION_RELEASE_REOPEN_GRACE_SECONDS": "120"}
GARBAGE = ["8991234567890", "\x00\x01\x02", "hello", "MPP1:", "MPP1:SHORT", "mpp1:" + "A" * 200,
           "MPP1:" + "A" * 150 + "\x1b[0m", "\x7f" * 40, "https://example.invalid/x", "????"]


def _noise_events(rig: Rig) -> list[str]:
    return [data["reason"] for kind, data in rig.events if kind == "scan_noise"]


def _refusals(rig: Rig) -> list[str]:
    return [data.get("reason") for kind, data in rig.events
            if kind == "kiosk" and data.get("screen") in ("refused", "locked_out")]


def test_lines_that_are_not_tokens_are_dropped_counted_and_never_lock_the_scanner(tmp_path: Path) -> None:
    rig = make_rig(tmp_path, env=STRICT)
    try:
        rig.stage("AKTA-N", "A-1-02")
        for line in GARBAGE * 3:  # 30 lines; 3 refusals a minute would lock the scanner out
            view = rig.scan(line)
            assert view.screen is Screen.IDLE  # dropped: the screen stays as it is
        assert len(_noise_events(rig)) == 30 and _refusals(rig) == []
        assert rig.scan(rig.token("AKTA-N")).screen is Screen.OPEN
    finally:
        stop_rig(rig)


def test_a_repeating_scanner_opens_once_and_is_never_refused(tmp_path: Path) -> None:
    rig = make_rig(tmp_path, env=STRICT)
    try:
        rig.stage("AKTA-R", "A-1-03")
        rig.stage("AKTA-S", "A-1-04")
        text = rig.token("AKTA-R")
        assert rig.scan(text).screen is Screen.OPEN
        for _ in range(10):  # the door is open: the release's own screen stays
            assert rig.scan(text).screen is Screen.OPEN
        wait(lambda: rig.state("AKTA-R") == "collected", what="collected")
        again = rig.scan(text)  # the release ended: still the citizen's own scan, no grace re-open
        assert (again.screen, again.reason) == (Screen.THANKS, "repeat")
        assert rig.sim.unlock_count("A-1-03") == 1 and _refusals(rig) == []
        assert rig.scan(rig.token("AKTA-S")).screen is Screen.OPEN  # the next citizen is served
    finally:
        stop_rig(rig)


def test_attack_like_refusals_still_lock_the_scanner_out(tmp_path: Path) -> None:
    rig = make_rig(tmp_path, env={**STRICT, "STATION_RELEASE_PIN_ATTEMPTS": "5"})
    try:
        rig.stage("AKTA-P", "A-1-05", pin="4821")
        asked = rig.scan(rig.token("AKTA-P", pin=True))
        wrong = rig.counter.enter_pin(asked.session, "0000").result(timeout=20)
        assert wrong.reason == "pin_wrong"  # one wrong PIN counted
        forged = rig.token("AKTA-P", key=trust.new_private_key())
        assert rig.scan(forged).reason == "unknown_key"  # two
        assert rig.scan(rig.token("AKTA-P", key=trust.new_private_key())).screen is Screen.LOCKED_OUT  # three
    finally:
        stop_rig(rig)


@given(st.text(max_size=300))
def test_noise_is_decided_by_shape(text: str) -> None:
    word = noise(text)
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        assert word == "control_bytes"
    elif not text.startswith("MPP1:"):
        assert word == "no_prefix"
    elif len(text) < MIN_TOKEN_CHARS:
        assert word == "too_short"
    else:
        assert word is None


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1, max_size=40),
       st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1, max_size=40), st.booleans())
def test_no_real_token_is_noise(station: str, doc: str, pin: bool) -> None:
    key = trust.new_private_key()
    assert noise(token.issue(key, station, doc, pin=pin, now=1_800_000_000)) is None
