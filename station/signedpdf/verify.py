"""Verify an agency-signed PDF (PAdES) offline with pyHanko: is it safe, whole, and signed by a trusted signer?

The order, stopping at the first failure:
1. limits and hostile content on the raw bytes (`limits.prescan`);
2. a strict parse, bounded decoding, then hostile content and pages on the
   parsed objects (`limits.inspect`);
3. at least one signature (`pdf_unsigned`);
4. the last signature's byte range ends with its revision's `%%EOF`, and
   what follows is whitespace or whole revisions that pyHanko reads
   (`revision`, `pdf_modified`): the signed revision alone is what the
   station stores and prints (`Verdict.printed_size`, `printed_sha256`);
5. for each signature: the signed bytes unchanged and the signature
   good, and for the last one, nothing after it but validation data (a DSS
   update or a document timestamp) and what its DocMDP level allows
   (`pdf_modified`). Visible changes after signing would be printed as if
   signed, so form filling or annotations added later are refused;
6. the signer's chain to a root of the CA bundle, valid at the signing
   time, the key usage fit for signing, and revocation checked with the
   data embedded in the file, never fetched (`pdf_untrusted_signer`,
   `pdf_expired`, `pdf_key_usage`, `pdf_signer_revoked`,
   `pdf_revocation_unknown`);
7. the signer policy: a document-signing certificate, never a CA's
   (`signer_policy`, `pdf_signer_policy`).

The signing time is the earliest RFC 3161 timestamp by a TSA under the CA
bundle (`signing_time`); without one, the time of the check. The time the
signer declares (`/M`, `signingTime`) is shown, never trusted; a declared
or stamped time in the future is refused (`pdf_signing_time`).
"""

from __future__ import annotations

import hashlib
import io
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.misc import PdfDecodeLimitError, PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESIndeterminate
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.general import (
    MultivaluedAttributeError,
    NonexistentAttributeError,
    find_unique_cms_attribute,
)
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    EmbeddedPdfSignature,
    PdfSignatureStatus,
    SignatureCoverageLevel,
    validate_pdf_signature,
)
from pyhanko.sign.validation.errors import NoDSSFoundError, SignatureValidationError
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)

from .cabundle import Bundle
from .limits import Limits, inspect, prescan
from .revision import check_tail, signed_end
from .signer_policy import DOCUMENT_SIGNING_OIDS, check_signer
from .signing_time import trusted_time
from .verdict import ChainLink, PdfRefused, Verdict

log = logging.getLogger("station.signedpdf")
# pyHanko logs validation failures with tracebacks that name the signer (a person): text from a
# document never reaches the station's log, so its loggers are kept to themselves.
for _name in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_name).addHandler(logging.NullHandler())
    logging.getLogger(_name).propagate = False

MAX_SIGNATURES = 8
CLOCK_SKEW = timedelta(minutes=5)
# Revocation must be known for the signer and every CA under the root, from the file's own data.
_REVOCATION = CertRevTrustPolicy(RevocationCheckingPolicy(
    ee_certificate_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
    intermediate_ca_cert_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED))
# Either usage makes a certificate fit to sign documents.
_KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False)
_SIGNING_USAGES = frozenset(_KEY_USAGE.key_usage or ())
_AFTER_SIGNING_ALLOWED = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)
_TRUST_REASONS = {
    AdESIndeterminate.REVOKED_NO_POE: "pdf_signer_revoked",
    AdESIndeterminate.REVOKED_CA_NO_POE: "pdf_signer_revoked",
    AdESIndeterminate.OUT_OF_BOUNDS_NO_POE: "pdf_expired",
    AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED: "pdf_expired",
    AdESIndeterminate.EXPIRED: "pdf_expired",
    AdESIndeterminate.NOT_YET_VALID: "pdf_expired",
    AdESIndeterminate.TRY_LATER: "pdf_revocation_unknown",
    AdESIndeterminate.REVOCATION_OUT_OF_BOUNDS_NO_POE: "pdf_revocation_unknown",
}
_TRUST_MESSAGES = {
    "pdf_signer_revoked": "the signer's certificate (or a CA above it) was revoked before the signing time",
    "pdf_expired": "the signer's certificate was not valid at the signing time",
    "pdf_revocation_unknown": "the revocation data in the file is not usable at the signing time",
    "pdf_untrusted_signer": "the signer's certificate does not chain to a CA in the bundle",
    "pdf_key_usage": "the signer's certificate is not for signing documents",
}

# What a parser may raise for bytes that are not a well-formed PDF: a refusal, never a crash (a
# number like `..28` raises decimal's InvalidOperation, an ArithmeticError).
PARSE_ERRORS = (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError,
                ArithmeticError)


def verify_pdf(data: bytes, bundle: Bundle, *, limits: Limits | None = None, now: datetime | None = None,
               signer_oids: tuple[str, ...] = DOCUMENT_SIGNING_OIDS) -> Verdict:
    """The station's decision on one PDF; never raises for what is in the file.

    `signer_oids`: the EKUs or certificate policies a document signer must
    name (one of them), `[pdf] signer_oids`.
    """
    limits = limits or Limits()
    digest = hashlib.sha256(data).hexdigest()
    found: dict[str, Any] = {}
    try:
        prescan(data, limits)
        reader = _read(data)
        found["pages"] = _inspect(reader, limits)
        end = _check_signatures(reader, data, bundle, now or datetime.now(UTC), signer_oids, found)
    except PdfRefused as err:
        return Verdict(err.reason, err.detail, digest, len(data), **found)
    return Verdict(None, "signature good, signer trusted", digest, len(data), printed_size=end,
                   printed_sha256=hashlib.sha256(data[:end]).hexdigest(), **found)


def _read(data: bytes) -> PdfFileReader:
    try:
        return PdfFileReader(io.BytesIO(data), strict=True)
    except PdfDecodeLimitError:
        raise PdfRefused("pdf_hostile", "a stream decodes to more than the limits allow") from None
    except PARSE_ERRORS as err:
        raise PdfRefused("pdf_malformed", f"does not parse: {type(err).__name__}") from None


def _inspect(reader: PdfFileReader, limits: Limits) -> int:
    try:
        return inspect(reader, limits)
    except PdfRefused:
        raise
    except PdfDecodeLimitError:
        raise PdfRefused("pdf_hostile", "a stream decodes to more than the limits allow") from None
    except PARSE_ERRORS as err:
        raise PdfRefused("pdf_malformed", f"does not parse: {type(err).__name__}") from None


def _check_signatures(reader: PdfFileReader, data: bytes, bundle: Bundle, now: datetime,
                      signer_oids: tuple[str, ...], found: dict[str, Any]) -> int:
    """Check every signature; returns where the last one's signed revision ends (what is printed)."""
    try:
        embedded = list(reader.embedded_signatures)
        signatures = [s for s in embedded if s.sig_object_type == "/Sig"]
    except PARSE_ERRORS as err:
        raise PdfRefused("pdf_malformed", f"its signature fields do not parse: {type(err).__name__}") from None
    if not signatures:
        raise PdfRefused("pdf_unsigned", "the PDF carries no signature")
    if len(signatures) > MAX_SIGNATURES:
        raise PdfRefused("pdf_hostile", f"{len(signatures)} signatures, over {MAX_SIGNATURES}")
    try:
        end = signed_end([int(n) for n in signatures[-1].byte_range], len(data))
    except (TypeError, ValueError) as err:
        raise PdfRefused("pdf_malformed", f"its byte range does not parse: {type(err).__name__}") from None
    check_tail(data, end)
    dss = _dss(reader)
    for number, signature in enumerate(signatures, 1):
        last = number == len(signatures)
        status = _validate(signature, embedded, bundle, dss, now, found if last else {})
        _check_integrity(status, last)
        _check_trust(status, bundle)
        check_signer(status.signing_cert, signer_oids)
    return end


def _dss(reader: PdfFileReader) -> DocumentSecurityStore | None:
    try:
        return DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return None
    except PARSE_ERRORS as err:
        raise PdfRefused("pdf_malformed", f"its validation data does not parse: {type(err).__name__}") from None


def _validate(signature: EmbeddedPdfSignature, embedded: list[EmbeddedPdfSignature], bundle: Bundle,
              dss: DocumentSecurityStore | None, now: datetime, found: dict[str, Any]) -> PdfSignatureStatus:
    """pyHanko's verdict on one signature, at its trusted signing time, with the file's own revocation data."""
    try:
        declared = signature.self_reported_timestamp
        found["signer"] = signature.signer_cert.subject.human_friendly
        found["signed_at"] = declared
        found["chain"] = _chain(signature)
        crls, ocsps = _archived_revocation(signature)
        if dss is None and not crls and not ocsps:
            raise PdfRefused("pdf_revocation_unknown", "the file carries no revocation data (CRL or OCSP)"
                                                       " to check the signer offline")
        settings: dict[str, Any] = dict(trust_roots=list(bundle.roots), allow_fetching=False, moment=now,
                                        revinfo_policy=_REVOCATION, crls=crls, ocsps=ocsps)
        stamped = trusted_time(signature, embedded, _context(dss, settings))
        if stamped is not None:
            found["signed_at"], found["timestamped"] = stamped, True
        for when in (declared, stamped):
            if when is not None and when > now + CLOCK_SKEW:
                raise PdfRefused("pdf_signing_time", f"signed at {when.isoformat()}, after now")
        # Judged at the TSA's time, or now: never at the time the signer declares (/M can be backdated).
        _check_validity(signature.signer_cert, stamped or now)
        # Revocation data fetched after a trusted timestamp still speaks for that time (PAdES B-LT).
        signer_context = _context(dss, settings | ({"moment": stamped, "retroactive_revinfo": True}
                                                   if stamped is not None else {}))
        return validate_pdf_signature(signature, signer_context, ts_validation_context=_context(dss, settings),
                                      key_usage_settings=_KEY_USAGE)
    except PdfRefused:
        raise
    except PdfDecodeLimitError:
        raise PdfRefused("pdf_hostile", "a stream decodes to more than the limits allow") from None
    except SignatureValidationError as err:
        raise PdfRefused("pdf_modified", f"the signature cannot be verified ({type(err).__name__})") from None
    except Exception as err:  # noqa: BLE001 - pyHanko and asn1crypto raise many kinds for a broken signature
        log.info("signature does not parse: %s", type(err).__name__)
        raise PdfRefused("pdf_malformed", f"the signature does not parse ({type(err).__name__})") from None


def _check_validity(cert: asn1_x509.Certificate, moment: datetime) -> None:
    """The signer's own certificate valid at `moment` (named before any revocation trouble up its chain)."""
    validity = cert["tbs_certificate"]["validity"]
    if not validity["not_before"].native <= moment <= validity["not_after"].native:
        raise PdfRefused("pdf_expired", _TRUST_MESSAGES["pdf_expired"])


def _context(dss: DocumentSecurityStore | None, settings: dict[str, Any]) -> ValidationContext:
    """A fresh validation context (they cache what they validated) with the file's DSS, if any."""
    return dss.as_validation_context(settings) if dss is not None else ValidationContext(**settings)


def _archived_revocation(signature: EmbeddedPdfSignature) -> tuple[list[Any], list[Any]]:
    """CRLs and OCSP responses inside the signature (`adbe-revocationInfoArchival`)."""
    try:
        archival = find_unique_cms_attribute(signature.signer_info["signed_attrs"], "adobe_revocation_info_archival")
    except (NonexistentAttributeError, MultivaluedAttributeError):
        return [], []
    return list(archival["crl"] or []), list(archival["ocsp"] or [])


def _chain(signature: EmbeddedPdfSignature) -> tuple[ChainLink, ...]:
    """The signer's certificate, then each issuer the signature carries, up to a self-signed root."""
    chain = [signature.signer_cert]
    others = {c.sha256: c for c in signature.other_embedded_certs}
    while len(chain) < MAX_SIGNATURES and chain[-1].subject != chain[-1].issuer:
        issuer = next((c for c in others.values() if c.subject == chain[-1].issuer and c not in chain), None)
        if issuer is None:
            break
        chain.append(issuer)
    return tuple(_link(c) for c in chain)


def _link(cert: asn1_x509.Certificate) -> ChainLink:
    validity = cert["tbs_certificate"]["validity"]
    return ChainLink(subject=cert.subject.human_friendly, issuer=cert.issuer.human_friendly,
                     serial=format(cert.serial_number, "x"), not_before=validity["not_before"].native.isoformat(),
                     not_after=validity["not_after"].native.isoformat())


def _check_integrity(status: PdfSignatureStatus, last: bool) -> None:
    if not status.intact:
        raise PdfRefused("pdf_modified", "the signed bytes were changed after signing")
    if not status.valid:
        raise PdfRefused("pdf_modified", "the signature does not match the signed bytes")
    if status.docmdp_ok is False:
        raise PdfRefused("pdf_modified", "changed after signing beyond what the signature's DocMDP level allows")
    if not last:
        return
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return
    if status.coverage == SignatureCoverageLevel.ENTIRE_REVISION and \
            status.modification_level in _AFTER_SIGNING_ALLOWED:
        return
    raise PdfRefused("pdf_modified", "the PDF was changed after it was signed")


def _check_trust(status: PdfSignatureStatus, bundle: Bundle) -> None:
    if status.trusted and not status.revoked:
        return
    if bundle.empty:
        raise PdfRefused("pdf_untrusted_signer", f"the station trusts no CA for signed PDFs ({bundle.source})")
    if status.revoked:
        reason = "pdf_signer_revoked"
    elif status.trust_problem_indic == AdESIndeterminate.CHAIN_CONSTRAINTS_FAILURE and \
            not _SIGNING_USAGES & set(status.signing_cert.key_usage_value.native
                                      if status.signing_cert.key_usage_value else ()):
        reason = "pdf_key_usage"
    else:
        reason = _TRUST_REASONS.get(status.trust_problem_indic, "pdf_untrusted_signer")
    raise PdfRefused(reason, _TRUST_MESSAGES[reason])
