"""When a PDF was signed, by a source the station trusts (PROTOCOLS §7.2): a TSA, or else the station's clock.

The signer's own time (the `/M` entry or the signed `signingTime`) is what
the signer says: a signer whose key was revoked, or whose certificate has
expired, can set it to any day when the certificate was still good. Only
an RFC 3161 timestamp token by a timestamp authority that chains to the
CA bundle proves when the signature existed: the signature timestamp
inside the CMS (PAdES B-T), or a document timestamp added after the
signature. The earliest trusted one is the signing time; without one the
signer's validity and revocation are judged at the time of the check.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime

from pyhanko.sign.validation import EmbeddedPdfSignature, validate_pdf_timestamp
from pyhanko.sign.validation.generic_cms import collect_timing_info
from pyhanko_certvalidator import ValidationContext


def trusted_time(signature: EmbeddedPdfSignature, later: Iterable[EmbeddedPdfSignature],
                 context: ValidationContext) -> datetime | None:
    """The earliest time a trusted TSA vouches that `signature` existed; None when none does.

    `later`: the document timestamps of the file; those whose signed part
    holds the whole signature count. `context` validates the TSA's chain
    (roots of the CA bundle, the file's own revocation data, at the time
    of the check).
    """
    times = []
    timing = asyncio.run(collect_timing_info(signature.signer_info, context, raw_digest=signature.compute_digest))
    token = timing.get("timestamp_validity")
    if token is not None and token.intact and token.valid and token.trusted:
        times.append(token.timestamp)
    end = signature.byte_range[2] + signature.byte_range[3]
    for stamp in later:
        if stamp.sig_object_type != "/DocTimeStamp" or stamp.byte_range[2] + stamp.byte_range[3] <= end:
            continue
        status = validate_pdf_timestamp(stamp, validation_context=context, skip_diff=True)
        if status.intact and status.valid and status.trusted:
            times.append(status.timestamp)
    return min(times, default=None)
