"""The trust store is read live: a change counts at the next use, is described in a fixed vocabulary,
and a rewrite that keeps the old time stamp and size is still seen."""

from __future__ import annotations

import json
import logging
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from station.trust import store as trust
from station.templates import BundleRefused, TemplateCache
from station.templates.cache import TemplateMismatch
from station.trust.watch import describe_change

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _store_with_issuer(tmp_path: Path) -> tuple[Path, trust.TrustStore, str]:
    issuer = trust.entry_for(trust.new_private_key(), "issuer")
    store = trust.TrustStore.load(TEMPLATES / "trust.json").with_key(issuer)
    path = tmp_path / "trust.json"
    store.save(path)
    return path, store, issuer.kid


def test_a_revocation_counts_at_the_next_use_and_is_described_by_kid(tmp_path: Path) -> None:
    path, store, kid = _store_with_issuer(tmp_path)
    seen: list[dict] = []
    live = trust.TrustFile(path, on_change=lambda old, new: seen.append(describe_change(old, new)))
    assert live() is live()  # unchanged: the same store, no reload
    store.with_revoked(kid).save(path)
    assert [k.status for k in live().candidates(kid, "issuer")] == ["revoked"]
    assert seen == [{"keys": 2, "active": 1, "revoked": 1, "changes": {kid: "revoked"}}]


def test_a_same_size_rewrite_with_the_old_mtime_is_seen(tmp_path: Path) -> None:
    """The old check (mtime, size) missed this: the file is edited in place, its mtime set back."""
    path, store, kid = _store_with_issuer(tmp_path)
    live = trust.TrustFile(path)
    live()
    before = path.stat()
    text = path.read_text()
    revoked = text.replace('"status": "active"\n    }\n  ]', '"status": "revoked"\n    }\n  ]')
    revoked = revoked.replace('"status": "revoked"', '"status":"revoked"', 1)  # "active" is one letter shorter
    assert len(revoked) == len(text) and revoked != text
    with open(path, "r+", encoding="utf-8") as handle:  # in place: same inode
        handle.write(revoked)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (before.st_ino, before.st_size, before.st_mtime_ns)
    assert [k.status for k in live().candidates(kid, "issuer")] == ["revoked"]


@pytest.mark.parametrize("break_it", ["malformed entry", "truncated", "deleted", "not json", "unreadable"])
def test_a_broken_file_verifies_nothing_never_the_last_good_store(tmp_path: Path, break_it: str,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    """(issue 21) The old TrustFile kept the last good store in force: a revocation written beside a bad
    entry, or a truncated or deleted file, left the revoked issuer key opening doors."""
    path, store, kid = _store_with_issuer(tmp_path)
    live = trust.TrustFile(path)
    assert live().check_signature  # a good store first
    text = path.read_text()
    if break_it == "malformed entry":  # the revocation, and one entry that does not parse
        entries = store.with_revoked(kid).to_json()
        entries["keys"].append({"kid": "00", "purpose": "issuer", "public_key": "AAAA"})
        path.write_text(json.dumps(entries))
    elif break_it == "truncated":
        path.write_text(text[: len(text) // 2])
    elif break_it == "deleted":
        path.unlink()
    elif break_it == "not json":
        path.write_text("{ not json")
    else:
        path.chmod(0o000)
        path.rename(tmp_path / "elsewhere")
        (tmp_path / "trust.json").mkdir()  # a folder where the file was: reading it fails
    with caplog.at_level(logging.ERROR, logger="station.trust.store"):
        broken = live()
        assert live() is broken  # the same broken store: one log line, not one per scan
    assert broken.unreadable and live.unreadable and broken.keys == ()
    with pytest.raises(trust.TrustError) as caught:
        broken.check_signature(kid, "issuer", b"message", bytes(64))
    assert caught.value.reason == "trust_store_unreadable"
    assert len([r for r in caplog.records if "verifying nothing" in r.getMessage()]) == 1
    # Fixed: the store reads again at the next use, with no restart.
    if path.is_dir():
        path.rmdir()
    store.with_revoked(kid).save(path)
    assert [k.status for k in live().candidates(kid, "issuer")] == ["revoked"]
    assert live.unreadable is None


def test_a_store_missing_from_the_start_verifies_nothing(tmp_path: Path) -> None:
    live = trust.TrustFile(tmp_path / "trust.json")
    assert live().unreadable and "trust.json" in str(live.unreadable)
    _store_with_issuer(tmp_path)
    assert live().unreadable is None and live.unreadable is None


def test_describe_change_names_each_kind_of_change() -> None:
    a, b, c = (trust.entry_for(trust.new_private_key(), p) for p in ("issuer", "template", "station"))
    old = trust.TrustStore(keys=(a, b))
    new = trust.TrustStore(keys=(a, c)).with_revoked(a.kid)
    assert describe_change(old, new)["changes"] == {a.kid: "revoked", b.kid: "removed", c.kid: "added"}
    assert describe_change(new, old.with_key(c))["changes"] == {a.kid: "reinstated", b.kid: "added"}


def test_the_template_cache_follows_the_trust_file(tmp_path: Path) -> None:
    """A revoked template key renders nothing new, with no call to the cache (the worker never gets one)."""
    root = tmp_path / "templates"
    shutil.copytree(TEMPLATES / "akta-kelahiran", root / "akta-kelahiran")
    path = tmp_path / "trust.json"
    store = trust.TrustStore.load(TEMPLATES / "trust.json")
    store.save(path)
    cache = TemplateCache(trust.TrustFile(path), clock=lambda: NOW)
    template = cache.find(root, "akta-kelahiran", 1)
    assert cache.find(root, "akta-kelahiran", 1) is template
    store.with_revoked(store.keys[0].kid).save(path)
    with pytest.raises(BundleRefused) as caught:
        cache.find(root, "akta-kelahiran", 1)
    assert caught.value.reason == "revoked_key"


def test_a_template_folder_holding_another_template_is_refused(tmp_path: Path) -> None:
    """The old cache checked only the version: kartu-keluarga@1 asked, akta-kelahiran@1 rendered."""
    root = tmp_path / "templates"
    shutil.copytree(TEMPLATES / "akta-kelahiran", root / "kartu-keluarga")
    cache = TemplateCache(trust.TrustStore.load(TEMPLATES / "trust.json"), clock=lambda: NOW)
    akta = cache.load(root / "kartu-keluarga")
    assert akta.bundle.template == "akta-kelahiran"
    with pytest.raises(TemplateMismatch) as caught:
        cache.find(root, "kartu-keluarga", akta.version)
    assert caught.value.reason == "template_mismatch"
    with pytest.raises(TemplateMismatch):
        cache.find(root, "../templates/kartu-keluarga", akta.version)
