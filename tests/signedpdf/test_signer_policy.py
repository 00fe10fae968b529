"""Issue 21, point 3: only a document signer signs documents, not any certificate under the agency's root."""

from __future__ import annotations

import pytest
import signedpdf_support as pdfs
from cryptography.x509.oid import ExtendedKeyUsageOID

from simulators.backoffice.pki import _CA_USAGE, Hierarchy
from station.signedpdf import verify_pdf
from station.signedpdf.signer_policy import DOCUMENT_SIGNING_OIDS


def test_a_document_signer_is_accepted(ca, bundle):
    verdict = verify_pdf(pdfs.signed(ca, ca.signer("Kepala Dinas Uji")), bundle)
    assert verdict.accepted, verdict


@pytest.mark.parametrize("make", [
    lambda ca: ca.signer("server.dukcapil.simulasi", extended=[ExtendedKeyUsageOID.SERVER_AUTH]),
    lambda ca: ca.signer("Penandatangan Kode", extended=[ExtendedKeyUsageOID.CODE_SIGNING]),
    lambda ca: ca.signer("Tanpa EKU", extended=[]),
    lambda ca: ca.signer("Sub CA Simulasi", ca=True, key_usage=_CA_USAGE),
], ids=["tls-server-only", "code-signing-only", "no-eku", "ca-certificate"])
def test_a_certificate_under_the_root_that_is_not_a_document_signer_is_refused(ca, bundle, make):
    verdict = verify_pdf(pdfs.signed(ca, make(ca)), bundle)
    assert verdict.reason == "pdf_signer_policy", verdict


def test_the_station_lists_which_usages_or_policies_may_sign(ca, bundle):
    email = ca.signer("Pegawai Surel", extended=[ExtendedKeyUsageOID.EMAIL_PROTECTION])
    data = pdfs.signed(ca, email)
    assert verify_pdf(data, bundle).reason == "pdf_signer_policy"
    listed = (*DOCUMENT_SIGNING_OIDS, ExtendedKeyUsageOID.EMAIL_PROTECTION.dotted_string)
    assert verify_pdf(data, bundle, signer_oids=listed).accepted


def test_the_configured_list_reaches_the_render_stage(tmp_path, ca):
    import base64
    import hashlib

    from station import config as config_module
    from station.signedpdf.stage import accept

    (tmp_path / "pdf-ca.pem").write_bytes(ca.root.pem)
    data = pdfs.signed(ca, ca.signer("Pegawai Surel", extended=[ExtendedKeyUsageOID.EMAIL_PROTECTION]))
    document = {"kind": "pdf", "pdf": base64.b64encode(data).decode(), "sha256": hashlib.sha256(data).hexdigest()}
    for oids, expected in ((None, "pdf_signer_policy"), (["1.3.6.1.5.5.7.3.4"], None)):
        section = {"ca_bundle": "pdf-ca.pem"} | ({"signer_oids": oids} if oids else {})
        cfg = config_module.from_dict({"pdf": section}, base_dir=tmp_path, environ={})
        assert accept(document, cfg, tmp_path / "documents" / "x.pdf").get("refused") == expected


@pytest.mark.parametrize("bad", [["not-an-oid"], [], ["1.2.3", "x"]])
def test_a_bad_oid_list_is_a_configuration_error(tmp_path, bad):
    from station import config as config_module
    from station.errors import ConfigError

    with pytest.raises(ConfigError):
        config_module.from_dict({"pdf": {"signer_oids": bad}}, base_dir=tmp_path, environ={})


def test_a_stranger_with_the_right_usage_is_still_untrusted(bundle):
    stranger = Hierarchy("Asing")
    assert verify_pdf(pdfs.signed(stranger), bundle).reason == "pdf_untrusted_signer"
