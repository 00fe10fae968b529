"""(issue 24) A dispenser serves the person in front: the next person's scan never takes their screen.

While one citizen's document is printed or presented, a scan (or a typed
code) by the next person in the queue publishes the current view again with a
small `banner` in both languages ("please wait, someone is being served") and
when it clears itself (`banner_until`); the screen stays as it is. Nothing is
verified or spent: the next person scans again once the machine is free.
"""

from __future__ import annotations

import time
from dataclasses import replace

from station.release.kiosk import KioskView, at_time
from .screens import waiting

BANNER_S = 8.0


def with_banner(view: KioskView, wait_s: float) -> KioskView:
    """`view` unchanged but for the banner for the next person, and when it clears itself."""
    return replace(view, banner=waiting(wait_s), banner_until=at_time(time.time() + BANNER_S))


def without_banner(view: KioskView) -> KioskView:
    """`view` with its banner cleared."""
    return replace(view, banner=None, banner_until=None)
