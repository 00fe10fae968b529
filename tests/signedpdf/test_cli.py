"""`station pdf verify FILE [--json]` through the installed command, as a technician runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import signedpdf_support as pdfs

from simulators.backoffice.pki import Hierarchy

STATION = str(Path(sys.executable).with_name("station"))


def station(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([STATION, *args], capture_output=True, text=True, timeout=60, cwd=cwd,
                          env={**os.environ, "STATION_CONFIG": ""})


def test_verify_shows_the_decision_signer_time_and_chain(tmp_path: Path, ca: Hierarchy):
    (tmp_path / "ca.pem").write_bytes(ca.root.pem)
    (tmp_path / "good.pdf").write_bytes(pdfs.signed(ca, ca.signer("Kepala Dinas Uji")))
    shown = station("pdf", "verify", "good.pdf", "--ca-bundle", "ca.pem", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0].startswith("accepted")
    assert any(line.strip().startswith("signer:") and "Kepala Dinas Uji" in line for line in lines)
    assert any(line.strip().startswith("signed at:") for line in lines)
    assert [line.split(". ", 1)[1].split(",")[0] for line in lines if line.startswith("    ") and ". " in line] == [
        "Common Name: Kepala Dinas Uji", "Common Name: Uji Intermediate CA", "Common Name: Uji Root CA"]


def test_verify_json_of_a_refused_pdf_exits_1(tmp_path: Path, ca: Hierarchy):
    (tmp_path / "ca.pem").write_bytes(ca.root.pem)
    (tmp_path / "changed.pdf").write_bytes(pdfs.incremental_update_after_signing(pdfs.signed(ca)))
    shown = station("pdf", "verify", "changed.pdf", "--ca-bundle", "ca.pem", "--json", cwd=tmp_path)
    assert shown.returncode == 1, shown.stderr
    verdict = json.loads(shown.stdout)
    assert (verdict["decision"], verdict["reason"], verdict["pages"]) == ("refused", "pdf_modified", 1)
    assert len(verdict["chain"]) == 3 and verdict["signed_at"]


def test_verify_uses_the_station_configuration(tmp_path: Path, ca: Hierarchy):
    assert station("init", "st", cwd=tmp_path).returncode == 0
    (tmp_path / "good.pdf").write_bytes(pdfs.signed(ca))
    config = str(tmp_path / "st" / "station.toml")
    refused = station("--config", config, "pdf", "verify", "good.pdf", cwd=tmp_path)
    assert refused.returncode == 1 and refused.stdout.startswith("refused: pdf_untrusted_signer")
    (tmp_path / "st" / "pdf-ca.pem").write_bytes(ca.root.pem)
    text = Path(config).read_text().replace('ca_bundle = ""', 'ca_bundle = "pdf-ca.pem"')
    Path(config).write_text(text)
    assert station("--config", config, "pdf", "verify", "good.pdf", cwd=tmp_path).returncode == 0


def test_bad_input_gets_one_clear_line(tmp_path: Path, ca: Hierarchy):
    (tmp_path / "ca.pem").write_bytes(ca.root.pem)
    (tmp_path / "junk.pdf").write_bytes(b"\x00" * 100)
    for args, code in [(("missing.pdf", "--ca-bundle", "ca.pem"), 2), (("junk.pdf", "--ca-bundle", "junk.pdf"), 2),
                       (("junk.pdf", "--ca-bundle", "ca.pem"), 1), (("junk.pdf",), 2)]:
        shown = station("pdf", "verify", *args, cwd=tmp_path)
        assert shown.returncode == code, (args, shown.stdout, shown.stderr)
        assert "Traceback" not in shown.stderr + shown.stdout
        assert len((shown.stderr or shown.stdout).strip().splitlines()) <= 8


def test_verify_says_where_the_signing_time_comes_from_and_what_is_printed(tmp_path: Path, ca: Hierarchy):
    (tmp_path / "ca.pem").write_bytes(ca.root.pem)
    (tmp_path / "stamped.pdf").write_bytes(pdfs.sign(pdfs.plain(), ca.signer("Kepala Dinas Uji"), ca, tsa=ca.tsa()))
    (tmp_path / "plain.pdf").write_bytes(pdfs.signed(ca))
    stamped = station("pdf", "verify", "stamped.pdf", "--ca-bundle", "ca.pem", cwd=tmp_path)
    assert stamped.returncode == 0, stamped.stderr
    assert any(line.strip().startswith("signed at:") and "(trusted timestamp)" in line
               for line in stamped.stdout.splitlines())
    assert "the signed revision" in stamped.stdout, "a DSS follows the signature: the printed part is named"
    shown = json.loads(station("pdf", "verify", "plain.pdf", "--ca-bundle", "ca.pem", "--json", cwd=tmp_path).stdout)
    assert shown["timestamped"] is False and shown["printed_size"] < shown["size"] and shown["printed_sha256"]
