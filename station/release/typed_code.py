"""The typed pickup code at the kiosk (PROTOCOLS §4.1, issue 24): a citizen without a working QR.

The code's reference finds the document (`spool.jobs.by_pickup_ref`); its 8
secret digits are checked against the document's `code_verifier` with the
PIN's scrypt machinery (`station.trust.pickup_code`). A right code becomes
claims like a verified token's, so the rest of the release is the token's own
path: the same eligibility (state, pickup window, one use in the token ledger,
recorded durably before the lock is driven), the same PIN pad after it.

A wrong code counts where a wrong PIN counts: on the document (its
`pin_failures`, so a code cannot be guessed at one document more often than
a PIN) and, as `bad_code`, on the kiosk's lockout (`lockout.ATTACKS`).
"""

from __future__ import annotations

from spool import jobs, machine

from station.trust import pickup_code
from station.trust.token import TokenClaims
from .pin_pad import raise_locked
from .ports import Desk
from .screens import document_of
from .session import ReleaseRefused

CODE_KID = "code"  # what the audit's `kid` says of a release by typed code (no key signed it)


class TypedCodes:
    """Turns a typed code into the claims of the document it opens, or the refusal."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.attempts = desk.cfg.release.pin_attempts

    def claims(self, typed: str, now: float) -> TokenClaims:
        """The claims a right code stands for; `ReleaseRefused` (`bad_code`, `pin_locked`) otherwise."""
        try:
            code = pickup_code.parse(typed)
        except pickup_code.CodeShapeError:
            raise ReleaseRefused("bad_code", "not 12 digits") from None
        candidates = jobs.by_pickup_ref(self.desk.conn, code.ref)
        if not candidates:
            raise ReleaseRefused("bad_code", "no document has this reference")
        target = candidates[0]  # the open document the reference names (finished ones come after)
        if target.pin_failures >= self.attempts:
            raise ReleaseRefused("pin_locked", target.id)  # checked before any guess is weighed
        for job in candidates:
            document = document_of(job)
            verifier = document.get("code_verifier")
            if isinstance(verifier, str) and pickup_code.matches(code, verifier):
                return TokenClaims(station=self.desk.cfg.station.id, doc=job.id, iat=int(now), exp=int(now),
                                   cti=bytes.fromhex(pickup_code.use_id(verifier)),
                                   pin=isinstance(document.get("pin_verifier"), str), kid=CODE_KID)
        failures = target.pin_failures + 1
        machine.annotate(self.desk.conn, target.id, "release.code_wrong", actor="citizen",
                         details={"failures": failures}, pin_failures=failures)
        if failures >= self.attempts:
            raise_locked(self.desk, target.id, failures)
        raise ReleaseRefused("bad_code", "the code's secret digits are wrong")
