"""The §7.2 form of a Document: a signed PDF in place of template data, the issuer's signature over all of it."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import signedpdf_support as pdfs
from hypothesis import given, settings
from hypothesis import strategies as st

from station.trust import store as trust_module
from station.backoffice import document
from station.backoffice.document import DocumentRefused

KEY = trust_module.new_private_key()
STORE = trust_module.TrustStore(keys=(trust_module.entry_for(KEY, "issuer",
                                                             sign_from=datetime.now(UTC) - timedelta(days=1)),))
PDF = pdfs.plain()


def fields(**overrides) -> dict:
    now = datetime.now(UTC)
    return {"id": "PDF-DOC-1", "kind": "pdf", "pdf": base64.b64encode(PDF).decode(),
            "sha256": hashlib.sha256(PDF).hexdigest(),
            "pickup_expires": trust_module.format_time(now + timedelta(days=14)),
            "issued_at": trust_module.format_time(now), **overrides}


def test_a_pdf_document_parses_verifies_and_keeps_its_exact_form():
    signed = document.sign(fields(), KEY)
    doc = document.check(signed, STORE)
    assert (doc.kind, doc.sha256, doc.template, doc.data) == ("pdf", hashlib.sha256(PDF).hexdigest(), "", {})
    assert json.loads(doc.payload()) == signed, "the stored payload is the document as signed"


def test_the_issuer_signature_covers_the_pdf_bytes():
    signed = document.sign(fields(), KEY)
    other = copy.deepcopy(signed)
    other["pdf"] = base64.b64encode(PDF + b"\n").decode()
    with pytest.raises(DocumentRefused) as refused:
        document.check(other, STORE)
    assert refused.value.reason == "bad_signature"


@pytest.mark.parametrize("change", [
    {"kind": "template"}, {"kind": "PDF"}, {"pdf": "not base64!"}, {"pdf": ""}, {"pdf": "QUJD\n"},
    {"sha256": "ABC"}, {"sha256": "0" * 63}, {"template": "akta-kelahiran"}, {"data": {}}, {"extra": 1},
], ids=repr)
def test_a_malformed_pdf_document_is_refused_with_one_clear_reason(change):
    with pytest.raises(DocumentRefused) as refused:
        document.check(document.sign(fields(**change), KEY), STORE)
    assert refused.value.reason == "malformed" and "\n" not in str(refused.value)


def test_a_pdf_over_the_protocol_ceiling_is_refused_unseen():
    big = base64.b64encode(b"%PDF-" + b"0" * (8 * 1024 * 1024)).decode()
    with pytest.raises(DocumentRefused, match="malformed"):
        document.parse(fields(pdf=big))


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(st.sampled_from(["id", "kind", "pdf", "sha256", "pickup_expires", "issued_at", "kid",
                                        "signature", "template", "data", "pin_verifier"]),
                       st.one_of(st.text(max_size=40), st.integers(), st.none(), st.binary(max_size=8).map(str))))
def test_any_would_be_pdf_document_is_parsed_or_refused_as_malformed(item):
    item = {**item, "kind": item.get("kind", "pdf")}
    try:
        document.parse(item)
    except DocumentRefused as err:
        assert err.reason == "malformed"


def test_station_spool_import_takes_a_pdf_document(tmp_path: Path):
    station = str(Path(sys.executable).with_name("station"))
    env = {**os.environ, "STATION_CONFIG": ""}
    subprocess.run([station, "init", str(tmp_path / "st")], check=True, capture_output=True, env=env)
    cfg = tmp_path / "st" / "station.toml"
    store_path = tmp_path / "st" / "trust.json"
    trust_module.TrustStore.load(store_path).with_key(STORE.keys[0]).save(store_path)
    path = tmp_path / "pdf-doc.json"
    path.write_text(json.dumps(document.sign(fields(), KEY)))
    result = subprocess.run([station, "--config", str(cfg), "spool", "import", str(path)], capture_output=True,
                            text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{path}: 1 document(s): 1 stored, 0 already there, 0 refused"
    listed = subprocess.run([station, "--config", str(cfg), "spool", "list"], capture_output=True, text=True,
                            env=env, timeout=60)
    assert "PDF-DOC-1" in listed.stdout and "signed pdf" in listed.stdout
