"""An agency-signed PDF through the real CUPS scheduler and ippeveprinter: the paper gets the verified bytes.

The agency's file carries validation data after its signature (a DSS
update): the station keeps and prints the signed revision alone, and what
ippeveprinter received is byte for byte the bytes the station verified
(their SHA-256 recorded at verification).
"""

from __future__ import annotations

import base64
import filecmp
import hashlib

import pytest

from drivers.printer.cups_driver import CupsPrinter
from simulators.backoffice.pki import Hierarchy
from simulators.backoffice.signing import one_page_pdf, sign
from spool import machine
from spool.jobs import get_job
from spool.states import Flow, JobState
from station import config as config_module
from station.printing.stage import PrintStage
from station.signedpdf import verify_pdf
from station.signedpdf.cabundle import parse
from station.signedpdf.stage import accept

from .conftest import drive, states

pytestmark = pytest.mark.cups


def test_a_signed_pdf_is_verified_then_printed_byte_for_byte(conn, lab, queue, tmp_path):
    ca = Hierarchy("Lab")
    signed = sign(one_page_pdf(["Nama: Contoh Warga"], title="Kutipan Akta"), ca.signer("Kepala Dinas Lab"), ca)
    (tmp_path / "pdf-ca.pem").write_bytes(ca.root.pem)
    cfg = config_module.from_dict({"pdf": {"ca_bundle": "pdf-ca.pem"}}, base_dir=tmp_path, environ={})
    document = {"kind": "pdf", "pdf": base64.b64encode(signed).decode(), "sha256": hashlib.sha256(signed).hexdigest()}
    written = accept(document, cfg, tmp_path / "documents" / "PDF-CUPS-1.pdf")
    assert written.get("pages") == 1, written
    verdict = verify_pdf(signed, parse(ca.root.pem, "lab"))
    verified = signed[:verdict.printed_size]
    assert verdict.accepted and len(verified) < len(signed), "the DSS after the signature is not printed"
    assert written["sha256"] == verdict.printed_sha256 == hashlib.sha256(verified).hexdigest()
    machine.create_job(conn, "PDF-CUPS-1", flow=Flow.LOCKER, template="", template_version=0, kind="pdf")
    machine.transition(conn, "PDF-CUPS-1", JobState.RENDERED, actor="system", pdf_path=written["path"],
                       pdf_sha256=written["sha256"], pages=written["pages"])
    stage = PrintStage(conn, CupsPrinter(queue, server=lab.server, printer_uri=lab.printer_uri))
    drive(stage, lambda: states(conn)["PDF-CUPS-1"] == "printed")
    [out] = [p for p in lab.printed() if p.title == "PDF-CUPS-1"]
    assert out.file.read_bytes() == verified, "the printer got other bytes than the station verified"
    assert filecmp.cmp(out.file, get_job(conn, "PDF-CUPS-1").pdf_path, shallow=False)
