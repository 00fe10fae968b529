"""Shared setup for the web tests: a station, a stub daemon on its control socket, users of each role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


from webtest_daemon import StubDaemon  # noqa: E402
from webtest_jobs import make_job  # noqa: E402

import spool  # noqa: E402
from spool.states import JobState  # noqa: E402
from station import config  # noqa: E402
from spool.users import add_user  # noqa: E402

ROLES = ("viewer", "operator", "technician", "admin")


@dataclass
class Station:
    """A station folder with its configuration, spool, stub daemon and one token per role."""

    dir: Path
    cfg: config.Config
    daemon: StubDaemon
    tokens: dict[str, str]

    def conn(self):
        """A fresh connection to the station's spool."""
        return spool.connect(self.cfg.spool_path)

    def auth(self, role: str) -> dict[str, str]:
        """Headers for a user of `role`."""
        return {"Authorization": f"Bearer {self.tokens[role]}"}


@pytest.fixture
def station(station_dir: Path) -> Iterator[Station]:
    """A station with a running stub daemon, a few jobs, and users of every role."""
    cfg = config.load(station_dir / "station.toml", environ={})
    daemon = StubDaemon(cfg.path(cfg.paths.control_socket)).start()
    conn = spool.connect(cfg.spool_path)
    tokens = {role: add_user(conn, f"{role}-1", role) for role in ROLES}
    S = JobState
    make_job(conn, "JOB-RECEIVED", [])
    make_job(conn, "JOB-HELD", [S.RENDERED, S.PRINTING, S.HELD])
    make_job(conn, "JOB-STAGED", [S.RENDERED, S.PRINTING, S.PRINTED, S.STAGED], slot="A-1-05")
    make_job(conn, "JOB-DONE", [S.RENDERED, S.PRINTING, S.PRINTED, S.STAGED, S.RELEASED, S.COLLECTED], slot="A-1-06")
    conn.close()
    try:
        yield Station(station_dir, cfg, daemon, tokens)
    finally:
        daemon.stop()


@pytest.fixture
def client(station: Station):
    """A TestClient on the station's web app (lifespan run: the event relay follows the stub)."""
    from fastapi.testclient import TestClient

    from station.web import create_app

    with TestClient(create_app(station.cfg, kiosk_secret="kiosk-secret-for-tests")) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def chromium():
    """Headless Chromium (Debian's), one per test module."""
    from playwright.sync_api import sync_playwright
    from webtest_browser import launch

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture
def site(station):
    """The station's web app served for real on a free port (for SSE and the browser)."""
    from webtest_server import LiveServer

    from station.web import create_app

    server = LiveServer(create_app(station.cfg)).start()
    try:
        yield server
    finally:
        server.stop()
