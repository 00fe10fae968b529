"""`station doctor`: what a technician checks on a real station, each problem with its fix.

Every check reads; none changes anything (no serial port is opened, no
page printed). A check returns the problems it found; `examine` runs them
all and also says which checks passed.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from spool import peek, rfc3339

from station.runtime import owners
from station.config import Config
from station.errors import StationError
from station.files import exposed
from station.trust.store import TrustStore, TrustStoreError, kid_of, load_private_key, public_raw

# A key whose signing window ends this soon must be replaced now.
KEY_WARNING = timedelta(days=30)
# A clock before this date was never set (a kiosk PC without its battery).
EARLIEST_SANE = datetime(2025, 1, 1, tzinfo=UTC)
# Listed one by one up to this many; the rest in one line.
MAX_LISTED = 10


@dataclass(frozen=True)
class Problem:
    """One thing wrong, and what to do about it."""

    check: str
    problem: str
    fix: str


@dataclass(frozen=True)
class Report:
    """Every check run, and every problem found."""

    checked: list[str]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        """The report as `station doctor --json` prints it."""
        return {"ok": self.ok, "checked": self.checked, "problems": [asdict(p) for p in self.problems]}


Check = Callable[[Config], Iterator[Problem]]


def check_files(cfg: Config) -> Iterator[Problem]:
    """The station's folder, spool, documents, keys, trust store and log (and what links point to): the station
    user's own, and open to no one else."""
    roots = {cfg.base_dir.resolve()}
    for value in (cfg.paths.spool, cfg.paths.documents, cfg.paths.trust_store, cfg.paths.station_key,
                  cfg.paths.kiosk_key, cfg.paths.log, cfg.backoffice.token_file):
        path = cfg.path(value)
        if path is not None and path.exists() and not _inside(path.resolve(), cfg.base_dir.resolve()):
            roots.add(path.resolve())
    for problem, fix in owners.problems(sorted(roots)):  # (issue 21) a file another user owns is theirs to change
        yield Problem("files", problem, fix)
    found = [item for root in sorted(roots) for item in exposed(root)]
    for path, mode in found[:MAX_LISTED]:
        wanted = "700" if path.is_dir() else "600"
        yield Problem("files", f"{path} is mode {mode:04o}: other users can {_what(mode)} it",
                      f"chmod {wanted} {path}")
    if len(found) > MAX_LISTED:
        yield Problem("files", f"{len(found) - MAX_LISTED} more paths are open to other users",
                      f"chmod -R go= {cfg.base_dir.resolve()}")


def check_keys(cfg: Config) -> Iterator[Problem]:
    """The station key is there and trusted; no trusted key has expired or is about to."""
    store = _store(cfg)
    key_path = cfg.path(cfg.paths.station_key)
    try:
        key = load_private_key(key_path, allow_exposed=True)  # type: ignore[arg-type]
    except StationError as err:
        yield Problem("keys", f"station key: {err}", "restore the station key from its backup, or make a new"
                      " one (station keys new --purpose station) and add its entry to the trust store"
                      " (station keys trust add)")
        key = None
    now = datetime.now(UTC)
    if store is None:
        return
    if key is not None:
        kid = kid_of(public_raw(key))
        if not any(k.kid == kid and k.purpose == "station" and k.status == "active" for k in store.keys):
            yield Problem("keys", f"the station key {kid} is not an active station key of the trust store:"
                          " seals and checkpoints will not verify",
                          f"station keys trust add --store {cfg.path(cfg.paths.trust_store)} ENTRY.json"
                          " (the entry station keys new wrote beside the key)")
    for k in store.keys:
        if k.status != "active":
            continue
        if k.verify_until is not None and k.verify_until <= now:
            yield Problem("keys", f"{k.purpose} key {k.kid} expired on {k.verify_until:%Y-%m-%d}",
                          f"add its successor's entry (station keys trust add), then station keys trust revoke"
                          f" --store {cfg.path(cfg.paths.trust_store)} {k.kid}")
        elif k.sign_until is not None and k.sign_until <= now + KEY_WARNING:
            yield Problem("keys", f"{k.purpose} key {k.kid} signs only until {k.sign_until:%Y-%m-%d}",
                          f"ask for its successor now and add it (station keys trust add) before"
                          f" {k.sign_until:%Y-%m-%d}")


def check_trust(cfg: Config) -> Iterator[Problem]:
    """The trust store loads, is the owner's to change, and trusts an issuer and a template key."""
    path = cfg.path(cfg.paths.trust_store)
    try:
        store = TrustStore.load(path)  # type: ignore[arg-type]
    except TrustStoreError as err:
        yield Problem("trust", f"trust_store_unreadable: {err}", "restore trust.json from its backup (the station"
                      " refuses every token and document, and raises a critical alarm, until it loads)")
        return
    for purpose, why in (("issuer", "no pickup token or document can verify"),
                         ("template", "no template can verify")):
        if not any(k.purpose == purpose and k.status == "active" for k in store.keys):
            yield Problem("trust", f"no active {purpose} key in {path}: {why}",
                          f"station keys trust add --store {path} ENTRY.json (the {purpose} key's entry)")
    info = path.stat()  # type: ignore[union-attr]
    if info.st_mode & stat.S_IWGRP | info.st_mode & stat.S_IWOTH:
        yield Problem("trust", f"{path} can be changed by other users: they could trust their own keys",
                      f"chmod 600 {path}")


def check_clock(cfg: Config) -> Iterator[Problem]:
    """The clock is set, and not behind what the spool already recorded (releases stop then)."""
    now = datetime.now(UTC)
    if now < EARLIEST_SANE:
        yield Problem("clock", f"the clock says {now:%Y-%m-%d}: it was never set",
                      "set the time (timedatectl set-ntp true, or date -s) and check the PC's battery")
        return
    latest = _latest_recorded(cfg)
    if latest is not None and latest > now + timedelta(seconds=cfg.release.clock_skew_seconds):
        yield Problem("clock", f"the clock ({now:%Y-%m-%dT%H:%M:%SZ}) is behind the spool's latest record"
                      f" ({latest:%Y-%m-%dT%H:%M:%SZ}): the station refuses releases",
                      "set the correct time (timedatectl set-ntp true); never set it back by hand")


def check_serial(cfg: Config) -> Iterator[Problem]:
    """Each lock bus's port and the scanner's exist, are character devices, and this user may use them."""
    ports = [(f"lock bus {bus.name}", bus.port) for bus in cfg.bus]
    if cfg.scanner.driver != "none":
        ports.append(("scanner", cfg.scanner.port))
    for what, port in ports:
        path = Path(port) if Path(port).is_absolute() else cfg.base_dir / port
        try:
            mode = path.stat().st_mode
        except OSError:
            yield Problem("serial", f"{what}: {path} does not exist",
                          "plug the adapter in, or fix the port in station.toml (ls /dev/serial/by-id/)")
            continue
        if not stat.S_ISCHR(mode):
            yield Problem("serial", f"{what}: {path} is not a serial device", "fix the port in station.toml")
        elif not os.access(path, os.R_OK | os.W_OK):
            group = "input" if what == "scanner" and cfg.scanner.driver == "evdev" else "dialout"
            yield Problem("serial", f"{what}: this user may not read and write {path}",
                          f"add the station's user to the {group} group (usermod -aG {group} USER)")


def check_printer(cfg: Config) -> Iterator[Problem]:
    """CUPS: the queue exists and accepts jobs, aborts a failed job, and keeps no job files."""
    if cfg.printer.driver != "cups":
        return
    from station.printing.doctor import printer_problems

    for problem, fix in printer_problems(cfg.printer):
        yield Problem("printer", problem, fix)


CHECKS: dict[str, Check] = {"files": check_files, "keys": check_keys, "trust": check_trust,
                            "clock": check_clock, "serial": check_serial, "printer": check_printer}


def examine(cfg: Config, only: list[str] | None = None) -> Report:
    """Run the checks (all, or those named in `only`)."""
    checked, problems = [], []
    for name, check in CHECKS.items():
        if only and name not in only:
            continue
        checked.append(name)
        try:
            problems += list(check(cfg))
        except (OSError, StationError) as err:
            problems.append(Problem(name, f"the check could not run: {err}", "see the message"))
    return Report(checked, problems)


def _store(cfg: Config) -> TrustStore | None:
    try:
        return TrustStore.load(cfg.path(cfg.paths.trust_store))  # type: ignore[arg-type]
    except TrustStoreError:
        return None  # check_trust reports it


def _latest_recorded(cfg: Config) -> datetime | None:
    try:
        at = peek.last_audit_time(cfg.spool_path)  # never creating nor migrating a spool
    except sqlite3.Error:
        return None  # no spool, or not one: the daemon says so when it starts
    if at is None:
        return None
    return rfc3339.parse(at)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _what(mode: int) -> str:
    verbs = [verb for bit, verb in ((0o044, "read"), (0o022, "write"), (0o011, "enter or run")) if mode & bit]
    return " and ".join(verbs) or "use"
