"""A signed PDF's way through the station: intake, the render stage's check, the print stage, the outbox.

The render stage runs its worker's own function (`render_one`) in-process
and records the result as the daemon does; printing goes to the in-process
printer simulator (the CUPS lab's byte-for-byte run is in
tests/printing/test_signed_pdf_cups.py). A refused PDF is held with its
reason, the back office hears `held` with it, and nothing is printed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import signedpdf_support as pdfs

import spool
from simulators.backoffice.pki import Hierarchy
from simulators.printer import SimPrinter
from spool import alarms
from spool.jobs import get_job
from spool.states import Flow, JobState
from station import config as config_module
from station.templates import stage as rendering
from station.trust import store as trust_module
from station.backoffice import document, intake
from station.events import EventBus
from station.printing.stage import PrintStage
from station.web.views import job_summary

ISSUER = trust_module.new_private_key()
TRUST = trust_module.TrustStore(keys=(trust_module.entry_for(
    ISSUER, "issuer", sign_from=datetime.now(UTC) - timedelta(days=1)),))


def pdf_document(doc_id: str, pdf: bytes, *, sha256: str | None = None) -> dict:
    """A §7.2 document carrying `pdf`, signed by the back office's issuer key."""
    now = datetime.now(UTC)
    return document.sign({"id": doc_id, "kind": "pdf", "pdf": base64.b64encode(pdf).decode(),
                          "sha256": sha256 or hashlib.sha256(pdf).hexdigest(),
                          "pickup_expires": trust_module.format_time(now + timedelta(days=14)),
                          "issued_at": trust_module.format_time(now)}, ISSUER)


@pytest.fixture
def station(tmp_path: Path, ca: Hierarchy):
    """A station folder: configuration trusting `ca` for signed PDFs, a spool, the render stage's recorder."""
    (tmp_path / "pdf-ca.pem").write_bytes(ca.root.pem)
    cfg = config_module.from_dict({"pdf": {"ca_bundle": "pdf-ca.pem"}}, base_dir=tmp_path, environ={})
    conn = spool.connect(cfg.spool_path, create=True)
    recorder = rendering.RenderStage(tmp_path / "station.toml")
    recorder.conn, recorder.daemon = conn, SimpleNamespace(events=EventBus())
    rendering._worker["cfg"] = cfg  # what the worker process's initialiser loads
    yield SimpleNamespace(cfg=cfg, conn=conn, recorder=recorder)
    rendering._worker.clear()
    conn.close()


def take_and_render(station, items: list[dict]) -> None:
    result = intake.take(station.conn, items, TRUST, flow=Flow.LOCKER)
    assert not result.refused, result.summary()
    for item in items:
        job = get_job(station.conn, item["id"])
        station.recorder._record(rendering.render_one(job.id, job.payload))


def print_all(conn, printer: SimPrinter, ids: list[str]) -> None:
    stage = PrintStage(conn, printer)
    deadline = time.monotonic() + 30  # a liveness bound, not a speed assertion
    while not all(get_job(conn, i).state is JobState.PRINTED for i in ids):
        assert time.monotonic() < deadline, "not printed in time"
        stage.step()
        time.sleep(0.01)
    for _ in range(5):  # anything else that could be printed would be by now
        stage.step()


def test_good_pdfs_are_printed_byte_for_byte_and_bad_ones_held_with_their_reason(station, ca):
    revoked = ca.signer("Pejabat Dicabut")
    ca.revoke(revoked)
    good = pdfs.signed(ca)
    cases = {
        "PDF-GOOD": (good, None),
        "PDF-GOOD-OCSP": (pdfs.signed(ca, revocation="ocsp"), None),
        "PDF-UPDATED": (pdfs.incremental_update_after_signing(pdfs.signed(ca)), "pdf_modified"),
        "PDF-APPENDED": (pdfs.appended_update(pdfs.signed(ca), final_eof=False), "pdf_modified"),
        "PDF-APPENDED-EOF": (pdfs.appended_update(pdfs.signed(ca), final_eof=True), "pdf_modified"),
        "PDF-UNTRUSTED": (pdfs.signed(Hierarchy("Asing")), "pdf_untrusted_signer"),
        "PDF-REVOKED": (pdfs.signed(ca, revoked), "pdf_signer_revoked"),
        "PDF-EXPIRED": (pdfs.signed(ca, ca.signer("Pejabat Lama", not_before=ca.now - timedelta(days=400),
                                                  not_after=ca.now - timedelta(days=1))), "pdf_expired"),
        "PDF-UNSIGNED": (pdfs.plain(), "pdf_unsigned"),
        "PDF-JS": (pdfs.sign(pdfs.with_javascript(pdfs.plain()), ca.signer("A"), ca), "pdf_hostile"),
        "PDF-ATTACHED": (pdfs.sign(pdfs.with_embedded_file(pdfs.plain()), ca.signer("A"), ca), "pdf_hostile"),
        "PDF-ENCRYPTED": (pdfs.signed_encrypted(ca), "pdf_hostile"),
        "PDF-100K": (pdfs.many_objects(100_000), "pdf_hostile"),
    }
    items = [pdf_document(doc_id, data) for doc_id, (data, _) in cases.items()]
    items.append(pdf_document("PDF-DIGEST", good, sha256=hashlib.sha256(b"other").hexdigest()))
    take_and_render(station, items)
    conn = station.conn

    expected = {doc_id: reason for doc_id, (_, reason) in cases.items()} | {"PDF-DIGEST": "pdf_digest_mismatch"}
    for doc_id, reason in expected.items():
        job = get_job(conn, doc_id)
        assert job.kind == "pdf" and job_summary(job)["kind"] == "pdf"
        if reason is None:
            assert job.state is JobState.RENDERED and job.pages == 1
            signed_revision = pdfs.signed_revision(cases[doc_id][0])  # validation data after it is not kept
            assert Path(job.pdf_path).read_bytes() == signed_revision, "written exactly as signed"
            assert job.pdf_sha256 == hashlib.sha256(signed_revision).hexdigest()
        else:
            assert (job.state, job.held_reason, job.pdf_path) == (JobState.HELD, reason, None), doc_id

    held = {r["document_id"]: json.loads(r["detail"])["reason"]
            for r in conn.execute("SELECT document_id, detail FROM outbox WHERE event = 'held'")}
    assert held == {d: r for d, r in expected.items() if r is not None}, "the back office hears each reason"

    printer = SimPrinter("sim", pages_per_minute=6000)
    try:
        print_all(conn, printer, ["PDF-GOOD", "PDF-GOOD-OCSP"])
        assert sorted(o.title for o in printer.output) == ["PDF-GOOD", "PDF-GOOD-OCSP"], "nothing refused is printed"
        by_title = {o.title: o for o in printer.output}
        for doc_id in ("PDF-GOOD", "PDF-GOOD-OCSP"):  # what the printer received is what was verified
            assert by_title[doc_id].sha256 == get_job(conn, doc_id).pdf_sha256
        assert by_title["PDF-GOOD"].sha256 == hashlib.sha256(pdfs.signed_revision(good)).hexdigest()
    finally:
        printer.close()


def test_with_no_ca_bundle_signed_pdfs_are_held_and_a_person_is_told(tmp_path, ca):
    cfg = config_module.from_dict({}, base_dir=tmp_path, environ={})  # what `station init` leaves: no bundle
    conn = spool.connect(cfg.spool_path, create=True)
    recorder = rendering.RenderStage(tmp_path / "station.toml")
    recorder.conn, recorder.daemon = conn, SimpleNamespace(events=EventBus())
    rendering._worker["cfg"] = cfg
    try:
        take_and_render(SimpleNamespace(conn=conn, recorder=recorder), [pdf_document("PDF-NOCA", pdfs.signed(ca))])
        assert get_job(conn, "PDF-NOCA").held_reason == "pdf_untrusted_signer"
        assert [a.kind for a in alarms.list_alarms(conn, open_only=True)] == ["pdf.no_ca_bundle"]
        # The technician adds the bundle: the next PDF is trusted, no restart.
        (tmp_path / "pdf-ca.pem").write_bytes(ca.root.pem)
        rendering._worker["cfg"] = config_module.from_dict({"pdf": {"ca_bundle": "pdf-ca.pem"}}, base_dir=tmp_path,
                                                          environ={})
        take_and_render(SimpleNamespace(conn=conn, recorder=recorder), [pdf_document("PDF-CA", pdfs.signed(ca))])
        assert get_job(conn, "PDF-CA").state is JobState.RENDERED
    finally:
        rendering._worker.clear()
        conn.close()


def test_a_ca_bundle_changed_on_disk_takes_effect_without_a_restart(station, ca):
    take_and_render(station, [pdf_document("PDF-BEFORE", pdfs.signed(ca))])
    assert get_job(station.conn, "PDF-BEFORE").state is JobState.RENDERED
    other = Hierarchy("Pengganti")
    bundle_path = station.cfg.path(station.cfg.pdf.ca_bundle)
    bundle_path.write_bytes(other.root.pem + b"\n")  # the old CA is no longer trusted
    take_and_render(station, [pdf_document("PDF-AFTER", pdfs.signed(ca)),
                              pdf_document("PDF-NEW-CA", pdfs.signed(other))])
    assert get_job(station.conn, "PDF-AFTER").held_reason == "pdf_untrusted_signer"
    assert get_job(station.conn, "PDF-NEW-CA").state is JobState.RENDERED


@pytest.mark.parametrize("digest", ["changed", "missing"])
def test_a_signed_pdf_whose_bytes_differ_from_the_verified_ones_is_held_at_print_time(station, ca, digest):
    """The print stage checks the SHA-256 recorded at verification: another file, or none recorded, never prints."""
    take_and_render(station, [pdf_document("PDF-SWAP", pdfs.signed(ca))])
    job = get_job(station.conn, "PDF-SWAP")
    if digest == "changed":  # the file swapped for another one after it was verified
        Path(job.pdf_path).write_bytes(pdfs.appended_update(Path(job.pdf_path).read_bytes(), final_eof=True))
    else:  # a row with no recorded digest (an older spool, an edit): nothing says what was verified
        station.conn.execute("UPDATE jobs SET pdf_sha256 = NULL WHERE id = 'PDF-SWAP'")
        station.conn.commit()
    printer = SimPrinter("sim", pages_per_minute=6000)
    try:
        stage = PrintStage(station.conn, printer)
        for _ in range(5):
            stage.step()
        job = get_job(station.conn, "PDF-SWAP")
        assert (job.state, job.held_reason) == (JobState.HELD, "document-changed")
        assert printer.output == [], "nothing is printed"
    finally:
        printer.close()
