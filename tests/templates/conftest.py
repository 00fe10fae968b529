"""Shared setup for the template and rendering tests: a lab folder with copies of the real bundles."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

# The helpers are a plain module beside the tests (importlib import mode adds no path).

from templates_support import NOW, STATION_ID, TEMPLATES, Lab  # noqa: E402

from station.trust import store as trust  # noqa: E402
from station.templates import Template, load_template  # noqa: E402


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Lab:
    """A lab with no station configuration around (versions go beside the trust store)."""
    monkeypatch.delenv("STATION_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    station_key = trust.new_private_key()
    station_pem = tmp_path / "station.pem"
    trust.save_private_key(station_key, station_pem)
    template_key = trust.new_private_key()
    template_pem = tmp_path / "template.pem"
    trust.save_private_key(template_key, template_pem)
    store = trust.TrustStore.load(TEMPLATES / "trust.json")
    store = store.with_key(trust.entry_for(station_key, "station", sign_from=datetime(2025, 1, 1, tzinfo=UTC),
                                           valid_days=3650, station=STATION_ID))
    store = store.with_key(trust.entry_for(template_key, "template", sign_from=datetime(2025, 1, 1, tzinfo=UTC),
                                           valid_days=3650))
    store.save(tmp_path / "trust.json")
    return Lab(root=tmp_path, trust_path=tmp_path / "trust.json", station_pem=station_pem, station_key=station_key,
               template_key=template_key, template_pem=template_pem)


@pytest.fixture(scope="session")
def compiled() -> Callable[[str], Template]:
    """The shipped templates, verified and compiled once per test session."""
    store = trust.TrustStore.load(TEMPLATES / "trust.json")
    cache: dict[str, Template] = {}

    def get(name: str) -> Template:
        if name not in cache:
            cache[name] = load_template(TEMPLATES / name, store, now=NOW)
        return cache[name]

    return get
