"""Issue 21, point 2: the signing time comes from a trusted timestamp authority, never from the signer's clock.

A signer whose certificate was revoked (key compromise) 10 days ago signs
today, writes a signing time (`/M`, `signingTime`) 19 days back and embeds
a CRL from before the revocation; an expired signer writes a time inside
its validity. Without a trusted timestamp the station judges them now; with
one, at the timestamp's time. Either way they are refused.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import signedpdf_support as pdfs

from simulators.backoffice.pki import Hierarchy
from station.signedpdf import verify_pdf
from station.signedpdf.cabundle import parse

NOW = datetime.now(UTC)
REFUSED_REVOKED = ("pdf_signer_revoked", "pdf_revocation_unknown")  # revoked, or no fresh data to say it is not


@pytest.fixture(scope="module")
def old_ca() -> Hierarchy:
    """A CA made 20 days ago (its root and intermediate, and the signers below, valid since then)."""
    return Hierarchy("Lampau", now=NOW - timedelta(days=20))


def crls(ca: Hierarchy, issued: datetime, *, tsa: bool) -> dict[str, list[bytes]]:
    """The chain's CRLs as issued at `issued`; with a TSA, the root's is today's (the TSA's own data is current)."""
    return {"crls": [ca.crl(ca.root, issued=NOW - timedelta(minutes=1) if tsa else issued),
                     ca.crl(ca.intermediate, issued=issued)]}


def _backdated_by_revoked_signer(ca: Hierarchy, *, tsa: bool, fresh_crl: bool) -> bytes:
    signer = ca.signer("Pejabat Dicabut", not_before=NOW - timedelta(days=21))
    ca.revoke(signer, at=NOW - timedelta(days=10))
    # A CRL from before the revocation (the signer is not on it), or today's.
    revinfo = crls(ca, NOW - timedelta(minutes=1) if fresh_crl else NOW - timedelta(days=19, hours=1), tsa=tsa)
    return pdfs.sign(pdfs.plain(), signer, ca, declared=NOW - timedelta(days=19), revinfo=revinfo,
                     tsa=ca.tsa() if tsa else None)


@pytest.mark.parametrize("fresh_crl", [False, True], ids=["crl-before-revocation", "current-crl"])
@pytest.mark.parametrize("tsa", [False, True], ids=["no-timestamp", "trusted-timestamp"])
def test_a_backdated_signature_by_a_revoked_signer_is_refused(old_ca, tsa, fresh_crl):
    data = _backdated_by_revoked_signer(old_ca, tsa=tsa, fresh_crl=fresh_crl)
    verdict = verify_pdf(data, parse(old_ca.root.pem, "t"))
    assert verdict.reason in REFUSED_REVOKED, verdict
    assert getattr(verdict, "timestamped", None) is tsa, "the timestamp must be trusted for this case to mean anything"


@pytest.mark.parametrize("tsa", [False, True], ids=["no-timestamp", "trusted-timestamp"])
def test_a_backdated_signature_by_an_expired_signer_is_refused(ca, bundle, tsa):
    expired = ca.signer("Pejabat Lama", not_before=NOW - timedelta(days=400), not_after=NOW - timedelta(days=1))
    inside = NOW - timedelta(days=100)
    data = pdfs.sign(pdfs.plain(), expired, ca, declared=inside, tsa=ca.tsa() if tsa else None,
                     revinfo=crls(ca, inside - timedelta(hours=1), tsa=tsa))
    verdict = verify_pdf(data, bundle)
    assert verdict.reason == "pdf_expired", verdict


def test_a_trusted_timestamp_is_the_time_the_signer_is_judged_at(ca, bundle):
    """A signer whose certificate ends tomorrow, checked the day after: good with a timestamp, expired without."""
    short = ca.signer("Pejabat Sebentar", not_before=NOW - timedelta(days=1), not_after=NOW + timedelta(days=1))
    later = NOW + timedelta(days=2)
    before = datetime.now(UTC)
    signed = pdfs.sign(pdfs.plain(), short, ca, tsa=ca.tsa())
    after = datetime.now(UTC)
    stamped = verify_pdf(signed, bundle, now=later)
    assert stamped.accepted and stamped.timestamped, stamped
    # The authority's time, not the module's NOW: a slow run may start minutes before it signs.
    assert before - timedelta(seconds=2) <= stamped.signed_at <= after + timedelta(seconds=2), stamped.signed_at
    assert verify_pdf(pdfs.sign(pdfs.plain(), short, ca), bundle, now=later).reason == "pdf_expired"


def test_a_timestamp_from_an_authority_outside_the_bundle_is_not_trusted(ca, bundle):
    """The forger's own TSA says the signature is old: the station judges the expired signer now."""
    stranger = Hierarchy("Asing", now=NOW - timedelta(days=200))
    expired = ca.signer("Pejabat Lama", not_before=NOW - timedelta(days=400), not_after=NOW - timedelta(days=1))
    data = pdfs.sign(pdfs.plain(), expired, ca, declared=NOW - timedelta(days=100), tsa=stranger.tsa(),
                     revinfo=crls(ca, NOW - timedelta(days=100, hours=1), tsa=False))
    verdict = verify_pdf(data, bundle)
    assert verdict.reason == "pdf_expired" and not verdict.timestamped, verdict


def test_the_signers_declared_time_is_shown_but_not_used(ca, bundle):
    data = pdfs.sign(pdfs.plain(), ca.signer("Kepala Dinas Uji"), ca, declared=NOW - timedelta(hours=3))
    verdict = verify_pdf(data, bundle)
    assert verdict.accepted and not verdict.timestamped
    assert abs(verdict.signed_at - (NOW - timedelta(hours=3))) < timedelta(seconds=2)


def test_a_document_timestamp_after_the_signature_also_gives_the_time(ca, bundle):
    """PAdES B-LTA style: signature, DSS, then a document timestamp; the signed revision alone is printed."""
    import io

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.signers import PdfTimeStamper

    from simulators.backoffice.signing import timestamper

    short = ca.signer("Pejabat Sebentar", not_before=NOW - timedelta(days=1), not_after=NOW + timedelta(days=1))
    signed = pdfs.sign(pdfs.plain(), short, ca)
    stamped = PdfTimeStamper(timestamper(ca.tsa())).timestamp_pdf(
        IncrementalPdfFileWriter(io.BytesIO(signed)), "sha256").getvalue()
    verdict = verify_pdf(stamped, bundle, now=NOW + timedelta(days=2))
    assert verdict.accepted and verdict.timestamped, verdict
    assert verdict.printed_size == len(pdfs.signed_revision(signed)) < len(signed) < len(stamped)
    assert verify_pdf(signed, bundle, now=NOW + timedelta(days=2)).reason == "pdf_expired"
