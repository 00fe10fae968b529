"""What the fleet tests share: the Prometheus tools, found or explained."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy" / "prometheus"


def tool(name: str) -> str:
    """The path of a Prometheus tool; skips where it is missing, except on CI (which installs it)."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (scripts/system-packages.sh installs prometheus and prometheus-alertmanager)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path
