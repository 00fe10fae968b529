"""The loader verifies a bundle once and keeps it; a changed signature makes it verify again."""

from __future__ import annotations

import json

import pytest
from templates_support import NOW, STATION_ID, Lab

from station.templates import BundleRefused, MemoryLedger, TemplateCache, TemplateUnavailable, render_document


def test_verified_once_then_from_memory(lab: Lab) -> None:
    ledger = MemoryLedger()
    cache = TemplateCache(lab.store, ledger=ledger, clock=lambda: NOW)
    bundle = lab.bundle()
    first = cache.load(bundle)
    assert cache.load(bundle) is first
    assert ledger.highest("akta-kelahiran") == 1
    # A file changed on disk after loading: documents still render from the verified bytes.
    (bundle / "background.pdf").write_bytes(b"%PDF-1.4 tampered")
    assert cache.load(bundle) is first
    render_document(first, lab.example(), document_id="D", station_id=STATION_ID, station_key=lab.station_key,
                    now=NOW)
    # A new SIGNATURE.json makes it verify again, and the tampering is found.
    signature = bundle / "SIGNATURE.json"
    signature.write_text(json.dumps(json.loads(signature.read_text()), indent=1))
    with pytest.raises(BundleRefused) as caught:
        cache.load(bundle)
    assert caught.value.reason == "file_changed"


def test_find_by_document_and_a_new_trust_store(lab: Lab) -> None:
    cache = TemplateCache(lab.store, clock=lambda: NOW)
    lab.bundle()
    root = lab.root / "bundles"
    assert cache.find(root, "akta-kelahiran", 1).ref == "akta-kelahiran@1"
    with pytest.raises(TemplateUnavailable):
        cache.find(root, "akta-kelahiran", 2)
    with pytest.raises(BundleRefused) as caught:
        cache.find(root, "surat-nikah", 1)
    assert caught.value.reason == "malformed"
    demo_kid = lab.store.keys[0].kid
    cache.use_trust(lab.store.with_revoked(demo_kid))
    with pytest.raises(BundleRefused) as caught:
        cache.find(root, "akta-kelahiran", 1)
    assert caught.value.reason == "revoked_key"
