"""Shared setup for the back-office tests: a simulated back office on a free port, a spool, a trust store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

# Helpers beside the tests (importlib import mode adds no path).

import spool  # noqa: E402
from backoffice_support import BEARER, STATION  # noqa: E402
from simulators.backoffice import BackOffice, BackOfficeServer  # noqa: E402
from station.trust.store import TrustStore  # noqa: E402


@pytest.fixture
def office() -> BackOffice:
    """A back office for one station; no PINs by default (scrypt is slow on purpose)."""
    return BackOffice(stations={STATION: BEARER}, seed=20260101, pin_ratio=0.0, pin_ln=10)


@pytest.fixture
def server(office: BackOffice) -> Iterator[BackOfficeServer]:
    """The back office serving on a free port, in a thread."""
    with BackOfficeServer(office) as running:
        yield running


@pytest.fixture
def trust(office: BackOffice) -> TrustStore:
    """A station trust store that trusts the back office's issuer key."""
    return TrustStore(keys=(office.issuer_entry(),))


@pytest.fixture
def conn(tmp_path: Path):
    """An empty spool on disk."""
    connection = spool.connect(tmp_path / "spool.db", create=True)
    yield connection
    connection.close()
