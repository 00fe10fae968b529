"""Shared setup for the pickup-token tests: the independent corpus and a test issuer."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

# The corpus is a plain module beside the tests (importlib import mode adds no path).

import token_corpus  # noqa: E402
from token_fixtures import Issuer  # noqa: E402

from station.trust import store as trust  # noqa: E402


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus written to a folder: trust.json, issuer.pem, cases.jsonl."""
    folder = tmp_path_factory.mktemp("token-corpus")
    token_corpus.write(folder)
    return folder


@pytest.fixture
def issuer(tmp_path: Path) -> Issuer:
    """An issuer key signing from 2026-01-01 for 400 days, trusted by a store on disk."""
    key = trust.new_private_key()
    pem = tmp_path / "issuer.pem"
    trust.save_private_key(key, pem)
    entry = trust.entry_for(key, "issuer", sign_from=datetime(2026, 1, 1, tzinfo=UTC), valid_days=400)
    store = trust.TrustStore(keys=(entry,))
    store.save(tmp_path / "trust.json")
    return Issuer(key=key, pem=pem, store=store, trust_path=tmp_path / "trust.json")
