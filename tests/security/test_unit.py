"""The systemd unit: private by default, and a sandbox `systemd-analyze security` rates OK or better."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parents[2] / "deploy" / "mpp-station.service"


def _settings() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_the_unit_keeps_files_private_and_the_daemon_confined() -> None:
    s = _settings()
    assert s["UMask"] == ["0077"] and s["StateDirectoryMode"] == ["0700"]
    for key, value in (("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("ProtectHome", "yes"),
                       ("PrivateTmp", "yes")):
        assert s[key] == [value], key
    assert s["ReadWritePaths"] == ["/var/lib/mpp-station"]
    assert s["Environment"] == ["STATION_CONFIG=/var/lib/mpp-station/station.toml"]  # inside the state folder
    assert set(s["SupplementaryGroups"][0].split()) == {"dialout", "input", "lp"}


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_rates_the_unit_ok_or_better() -> None:
    done = subprocess.run(["systemd-analyze", "security", "--offline=yes", str(UNIT)], capture_output=True,
                          text=True, timeout=60)
    found = re.search(r"Overall exposure level for \S+: ([0-9.]+) (\w+)", done.stdout)
    assert found, done.stdout[-2000:] + done.stderr[-2000:]
    exposure, level = float(found.group(1)), found.group(2)
    assert level in ("PERFECT", "SAFE", "OK"), (exposure, level)
