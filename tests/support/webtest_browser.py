"""Headless Chromium for the page tests (Debian's chromium; never a downloaded browser)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("STATION_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
# Set STATION_SCREENSHOTS=1 to refresh the screenshots under docs/screenshots.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def launch(playwright):
    """Chromium as LAB.md says it runs here; skips the test where it is missing."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)


def screenshot(page, name: str) -> None:
    """Save a screenshot for the docs when asked to."""
    if os.environ.get("STATION_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page="ops" in name)


def only_local(page, base_url: str) -> list[str]:
    """Record every request the page makes that does not go to the station itself."""
    strays: list[str] = []
    page.on("request", lambda request: None if request.url.startswith((base_url, "data:")) else strays.append(request.url))
    return strays
