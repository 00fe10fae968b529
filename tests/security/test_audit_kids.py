"""A key id whose 16 hex digits are all decimal (about 1 key in 1,850) is no NIK: it must not stop a
release or `station init` (the audit's personal-data guard refused it), while a NIK still is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

import spool
from spool import audit
from spool.errors import PersonalDataInAudit


def test_an_all_digit_kid_enters_the_audit_and_a_nik_does_not(tmp_path: Path) -> None:
    conn = spool.connect(tmp_path / "spool.db", create=True)
    with spool.write(conn):
        audit.append(conn, "citizen", "job.released", details={"token": "0a1b2c3d", "kid": "3174012345678901"})
        audit.append(conn, "system", "station.created", details={"station_kid": "3174012345678901"})
    for details in ({"note": "3174012345678901"}, {"kid": "nik 3174012345678901"}, {"nik": "x"}):
        with pytest.raises(PersonalDataInAudit), spool.write(conn):
            audit.append(conn, "system", "x.y", details=details)
    assert audit.verify(conn).ok
