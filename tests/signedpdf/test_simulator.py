"""The back-office simulator's signed PDFs: a CA made at start, PDFs a station accepts, both revocation forms."""

from __future__ import annotations

import base64
import json
import urllib.request

import pytest

from simulators.backoffice import BackOffice, BackOfficeServer
from station.backoffice import document
from station.signedpdf import verify_pdf
from station.signedpdf.cabundle import parse
from station.trust.store import TrustStore

STATION = "MPP-PDF-01"


def test_citizens_get_signed_pdfs_a_station_accepts():
    office = BackOffice(stations={STATION: "bearer-pdf"}, seed=5, pdf_ratio=1.0, pin_ln=10)
    trust = TrustStore(keys=(office.issuer_entry(),))
    bundle = parse(office.pdf_issuer.root_pem, "simulator root")
    approvals = office.approve(2)
    assert [a.kind for a in approvals] == ["pdf", "pdf"]
    forms = set()
    for approval in approvals:
        doc = document.check(approval.document, trust)
        assert doc.kind == "pdf" and "data" not in approval.document and "template" not in approval.document
        pdf = base64.b64decode(approval.document["pdf"])
        verdict = verify_pdf(pdf, bundle)
        assert verdict.accepted, verdict
        forms.add(b"/OCSPs" in pdf)
    assert forms == {True, False}, "one PDF carries OCSP data, the other CRLs"


def test_the_ratio_mixes_kinds_and_a_kind_can_be_asked_for():
    office = BackOffice(stations={STATION: "bearer-pdf"}, seed=9, pdf_ratio=0.5, pin_ln=10)
    kinds = {a.kind for a in office.approve(12)}
    assert kinds == {"pdf", "template"}
    assert [a.kind for a in office.approve(2, kind="template")] == ["template", "template"]
    assert [a.kind for a in office.approve(1, kind="pdf")] == ["pdf"]


def test_the_root_is_served_and_spoiled_pdf_documents_are_refused():
    office = BackOffice(stations={STATION: "bearer-pdf"}, seed=2, pdf_ratio=1.0, pin_ln=10)
    office.set_faults(bad_signature_rate=1.0)
    office.approve(1)
    with BackOfficeServer(office) as server:
        with urllib.request.urlopen(f"{server.url}/sim/pdf-ca.pem", timeout=10) as reply:
            assert reply.read() == office.pdf_issuer.root_pem
        request = urllib.request.Request(f"{server.url}/api/v1/stations/{STATION}/documents?after=&limit=10",
                                         headers={"Authorization": "Bearer bearer-pdf"})
        with urllib.request.urlopen(request, timeout=10) as reply:
            [item] = json.loads(reply.read())["documents"]
    trust = TrustStore(keys=(office.issuer_entry(),))
    with pytest.raises(document.DocumentRefused) as refused:
        document.check(item, trust)
    assert refused.value.reason == "bad_signature"
