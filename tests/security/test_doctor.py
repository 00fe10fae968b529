"""`station doctor` on a station set up right (exit 0) and on one loosened every way it checks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import spool
from spool import audit
from station import config
from station.trust import store as trust

STATION = str(Path(sys.executable).with_name("station"))


def doctor(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([STATION, "--config", str(folder / "station.toml"), "doctor", *args],
                          capture_output=True, text=True, timeout=60, env={**os.environ, "STATION_CONFIG": ""})


def _trust_issuer(cfg: config.Config, entry: trust.TrustedKey) -> None:
    path = cfg.path(cfg.paths.trust_store)
    trust.TrustStore.load(path).with_key(entry).save(path)


def _plug_ports(folder: Path) -> list[int]:
    """The lock bus and the scanner on pseudo-terminals (as `station simulate` links them)."""
    fds = []
    for name in ("lockbus-A", "scanner"):
        controller, device = os.openpty()
        fds += [controller, device]
        (folder / "run" / name).symlink_to(os.ttyname(device))
    return fds


def test_a_station_set_up_right_has_no_problem(station_dir: Path) -> None:
    cfg = config.load(station_dir / "station.toml", environ={})
    _trust_issuer(cfg, trust.entry_for(trust.new_private_key(), "issuer"))
    fds = _plug_ports(station_dir)
    try:
        done = doctor(station_dir)
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.strip() == "files, keys, trust, clock, serial, printer: all good"
        report = json.loads(doctor(station_dir, "--json").stdout)
        assert report == {"ok": True, "checked": ["files", "keys", "trust", "clock", "serial", "printer"],
                          "problems": []}
    finally:
        for fd in fds:
            os.close(fd)


def test_a_loosened_station_lists_every_problem_with_its_fix(station_dir: Path) -> None:
    cfg = config.load(station_dir / "station.toml", environ={})
    now = datetime.now(UTC)
    old = trust.entry_for(trust.new_private_key(), "issuer", sign_from=now - timedelta(days=400), valid_days=300,
                          verify_grace_days=10)
    ending = trust.entry_for(trust.new_private_key(), "issuer", sign_from=now - timedelta(days=350), valid_days=360)
    _trust_issuer(cfg, old)
    _trust_issuer(cfg, ending)
    store_path = cfg.path(cfg.paths.trust_store)
    # Loosen: the folder, the spool and the station key readable by all, the trust store writable by all,
    # the station key dropped from the trust store, the clock behind the spool, a port that is a plain file.
    trust.TrustStore(keys=tuple(k for k in trust.TrustStore.load(store_path).keys if k.purpose != "station")
                     ).save(store_path)
    station_dir.chmod(0o755)
    cfg.spool_path.chmod(0o644)
    cfg.path(cfg.paths.station_key).chmod(0o644)
    store_path.chmod(0o666)
    conn = spool.connect(cfg.spool_path)
    with spool.write(conn):
        audit.append(conn, "system", "clock.test", at=(now + timedelta(days=2)).isoformat().replace("+00:00", "Z"))
    conn.close()
    (station_dir / "run" / "scanner").write_text("not a device")
    done = doctor(station_dir, "--json")
    assert done.returncode == 1, done.stderr
    problems = [(p["check"], p["problem"], p["fix"]) for p in json.loads(done.stdout)["problems"]]
    text = "\n".join(f"{c} | {p} | {f}" for c, p, f in problems)
    expected = [
        ("files", f"{station_dir.resolve()} is mode 0755", f"chmod 700 {station_dir.resolve()}"),
        ("files", f"{cfg.spool_path} is mode 0644", f"chmod 600 {cfg.spool_path}"),
        ("files", "station.pem is mode 0644", "chmod 600"),
        ("files", "trust.json is mode 0666", "chmod 600"),
        ("keys", "is not an active station key of the trust store", "station keys trust add"),
        ("keys", f"issuer key {old.kid} expired", "station keys trust revoke"),
        ("keys", f"issuer key {ending.kid} signs only until", "successor"),
        ("trust", "can be changed by other users", f"chmod 600 {store_path}"),
        ("clock", "is behind the spool's latest record", "timedatectl set-ntp true"),
        ("serial", "lock bus A: ", "plug the adapter in"),
        ("serial", "scanner: ", "is not a serial device"),
    ]
    for check, problem, fix in expected:
        assert any(c == check and problem in p and (fix in f or fix in p) for c, p, f in problems), \
            f"missing {check}: {problem}\n{text}"
    assert len(problems) == len(expected), text
    plain = doctor(station_dir)
    assert plain.returncode == 1 and plain.stdout.count("PROBLEM [") == len(expected)
    assert plain.stdout.count("    fix: ") == len(expected)


@pytest.mark.cups
@pytest.mark.timeout(300)
def test_the_printer_checks_ask_a_real_cups_scheduler(station_dir: Path, tmp_path: Path) -> None:
    """Through the CUPS lab: the queue's error policy over IPP, cupsd.conf over the admin interface."""
    if os.geteuid() != 0 or shutil.which("cupsd") is None or shutil.which("ippeveprinter") is None:
        pytest.skip("the CUPS lab needs root and the cups and cups-ipp-utils packages")
    from simulators.cups_lab import CupsLab

    with CupsLab(tmp_path / "lab") as lab:
        env = {f"STATION_PRINTER_{key.upper()}": str(value) for key, value in lab.printer_settings().items()}

        def printer_problems() -> list[str]:
            done = subprocess.run([STATION, "--config", str(station_dir / "station.toml"), "doctor", "--json",
                                   "--only", "printer"], capture_output=True, text=True, timeout=60,
                                  env={**os.environ, "STATION_CONFIG": "", **env})
            return [p["problem"] for p in json.loads(done.stdout)["problems"]]

        # The lab's queue aborts a failed job; its cupsd keeps job files (the lab purges them itself).
        assert [p for p in printer_problems() if "printer-error-policy" in p] == []
        assert any(p.startswith("cupsd.conf: PreserveJobFiles is Yes") for p in printer_problems())
        subprocess.run(["lpadmin", "-h", lab.server, "-p", lab.queue, "-o", "printer-error-policy=stop-printer"],
                       check=True, capture_output=True, timeout=30)
        assert any("printer-error-policy is stop-printer" in p for p in printer_problems())


def test_files_another_user_owns_and_link_targets_others_may_write_are_problems(station_dir: Path,
                                                                               tmp_path: Path) -> None:
    """(issue 21, point 9) The old doctor looked at modes only: a trust store or a station key owned by
    another user passed as "all good"."""
    if os.geteuid() != 0:
        pytest.skip("chown to another user needs root")
    cfg = config.load(station_dir / "station.toml", environ={})
    _trust_issuer(cfg, trust.entry_for(trust.new_private_key(), "issuer"))
    fds = _plug_ports(station_dir)
    try:
        assert doctor(station_dir, "--only", "files").returncode == 0
        store_path, key_path = cfg.path(cfg.paths.trust_store), cfg.path(cfg.paths.station_key)
        os.chown(store_path, 65534, 65534)  # mode 0600 still: only the owner changed
        os.chown(key_path, 65534, -1)
        # The kiosk key through a link to a file of the station's user that the group may write,
        # and a spare link to a file another user owns.
        outside = tmp_path / "outside"
        outside.mkdir(mode=0o700)
        kiosk_key = cfg.path(cfg.paths.kiosk_key)
        shared = outside / "kiosk.key"
        shared.write_bytes(kiosk_key.read_bytes())
        shared.chmod(0o620)
        kiosk_key.unlink()
        kiosk_key.symlink_to(shared)
        theirs = outside / "theirs.pem"
        theirs.write_text("x")
        theirs.chmod(0o600)
        os.chown(theirs, 65534, 65534)
        (station_dir / "keys" / "spare.pem").symlink_to(theirs)
        done = doctor(station_dir, "--json", "--only", "files")
        assert done.returncode == 1, done.stdout + done.stderr
        problems = [(p["problem"], p["fix"]) for p in json.loads(done.stdout)["problems"]]
        text = "\n".join(f"{p} | {f}" for p, f in problems)
        expected = [(f"{store_path} belongs to nobody", f"chown root {store_path}"),
                    (f"{key_path} belongs to nobody", f"chown root {key_path}"),
                    (f"{theirs} (a link points there) belongs to nobody", f"chown root {theirs}"),
                    (f"{shared} (a link points there) is mode 0620", f"chmod go-w {shared}")]
        for problem, fix in expected:
            assert any(p.startswith(problem) and f == fix for p, f in problems), f"missing {problem}\n{text}"
        assert doctor(station_dir).stdout.count("    fix: chown root ") == 3
    finally:
        for fd in fds:
            os.close(fd)
