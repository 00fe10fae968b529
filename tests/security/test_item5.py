"""The four suspicions of issue 13 item 5, each settled: every test here fails on the old code.

- a seal's station id was not bound to the key that signed it;
- two document ids could share one PDF file name (`X:1`, `X_1`);
- the kiosk credential went to any client that looked like loopback;
- a forged document carrying a real id queued a `held` event for that id.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

import spool
from spool.states import Flow
from station import config
from station.trust import store as trust
from station.backoffice import document, intake
from station.templates.reasons import pdf_name
from station.trust.seal import SealClaims, SealError, encode_seal, verify_seal

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


# -- seals name the station their key speaks for ------------------------------------------

def test_a_station_key_cannot_seal_paper_as_another_station() -> None:
    key_a, key_b = trust.new_private_key(), trust.new_private_key()
    store = trust.TrustStore(keys=(
        trust.entry_for(key_a, "station", sign_from=datetime(2026, 1, 1, tzinfo=UTC), station="MPP-A"),
        trust.entry_for(key_b, "station", sign_from=datetime(2026, 1, 1, tzinfo=UTC), station="MPP-B")))
    claims = SealClaims(station="MPP-A", issued_at=int(NOW.timestamp()), document="D-1", template="probe@1",
                        fields={}, data_sha256=bytes(32))
    assert verify_seal(encode_seal(claims, key_a), store, now=NOW).claims.station == "MPP-A"
    with pytest.raises(SealError) as caught:  # B's key, A's name: verified on the old code
        verify_seal(encode_seal(claims, key_b), store, now=NOW)
    assert caught.value.reason == "wrong_station"
    with pytest.raises(SealError) as caught:  # the paper is A's, the reader expected B's
        verify_seal(encode_seal(claims, key_a), store, now=NOW, station="MPP-B")
    assert caught.value.reason == "wrong_station"
    unbound = trust.TrustStore(keys=(trust.entry_for(key_a, "station", sign_from=datetime(2026, 1, 1, tzinfo=UTC)),))
    with pytest.raises(SealError) as caught:  # a key bound to no station vouches for none
        verify_seal(encode_seal(claims, key_a), unbound, now=NOW)
    assert caught.value.reason == "wrong_station"


def test_the_station_binding_survives_the_trust_file_and_belongs_to_station_keys_only(tmp_path: Path) -> None:
    entry = trust.entry_for(trust.new_private_key(), "station", station="MPP-A")
    trust.TrustStore(keys=(entry,)).save(tmp_path / "trust.json")
    assert trust.TrustStore.load(tmp_path / "trust.json").keys[0].station == "MPP-A"
    bad = {**trust.entry_for(trust.new_private_key(), "issuer").to_entry(), "station": "MPP-A"}
    with pytest.raises(trust.TrustStoreError):
        trust.TrustedKey.from_entry(bad)


# -- one PDF name per document id ---------------------------------------------------------

def test_ids_that_used_to_share_a_file_name_get_their_own() -> None:
    names = {pdf_name(i) for i in ("X:1", "X_1", "X.1", "X-1", "X1")}
    assert len(names) == 5
    assert pdf_name("AKTA-2026-000123") == "AKTA-2026-000123.pdf"  # plain ids keep their name


IDS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=300)


@given(a=IDS, b=IDS)
def test_pdf_names_are_injective_and_safe(a: str, b: str) -> None:
    if a != b:
        assert pdf_name(a) != pdf_name(b)
    name = pdf_name(a)
    assert "/" not in name and "\0" not in name and not name.startswith(".")
    assert len(name.encode()) <= 255 and name.endswith(".pdf")


# -- the kiosk's credential is a key, not an address --------------------------------------

def test_the_kiosk_key_is_read_live_and_loopback_proves_nothing(station_dir: Path) -> None:
    from station.web import create_app

    cfg = config.load(station_dir / "station.toml", environ={})
    key_file = cfg.path(cfg.paths.kiosk_key)
    assert key_file.stat().st_mode & 0o777 == 0o600
    key = key_file.read_text().strip()
    with TestClient(create_app(cfg), client=("127.0.0.1", 50000)) as local:
        assert local.get("/api/v1/kiosk/layout").status_code == 401
        assert key not in local.get("/kiosk").text  # the old code handed it to any loopback client
        assert local.get("/api/v1/kiosk/layout", headers={"Authorization": f"Bearer {key}"}).status_code == 200
        # A new key in the file retires the old one at the next request: no restart.
        time.sleep(0.01)
        from station.files import write_atomic

        write_atomic(key_file, b"a-brand-new-kiosk-key-0123456789\n")
        assert local.get("/api/v1/kiosk/layout", headers={"Authorization": f"Bearer {key}"}).status_code == 401
        fresh = {"Authorization": "Bearer a-brand-new-kiosk-key-0123456789"}
        assert local.get("/api/v1/kiosk/layout", headers=fresh).status_code == 200


# -- a refused document's id is not reported ---------------------------------------------

KEY, FORGER = trust.new_private_key(), trust.new_private_key()
STORE = trust.TrustStore(keys=(trust.entry_for(KEY, "issuer", sign_from=datetime(2026, 1, 1, tzinfo=UTC)),))


def _doc(key: Any = KEY, **overrides: Any) -> dict[str, Any]:
    fields = {"id": "AK-REAL-00001", "template": "akta-kelahiran", "template_version": 1,
              "data": {"nama": "SITI RAHAYU"}, "pickup_expires": "2026-03-15T00:00:00Z",
              "issued_at": "2026-03-01T08:00:00Z", **overrides}
    return document.sign(fields, key)


def _events(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    return [(r["document_id"], r["event"]) for r in conn.execute("SELECT * FROM outbox ORDER BY id")]


@pytest.mark.parametrize("forged", [
    pytest.param(lambda: _doc(key=FORGER), id="unknown_key"),
    pytest.param(lambda: {**_doc(), "data": {"nama": "SOMEONE ELSE"}}, id="bad_signature"),
    pytest.param(lambda: {**_doc(), "template_version": "x"}, id="malformed")])
def test_a_forged_document_with_a_real_id_reports_nothing_about_that_id(tmp_path: Path, forged: Any) -> None:
    conn = spool.connect(tmp_path / "spool.db", create=True)
    result = intake.take(conn, [forged()], STORE, flow=Flow.LOCKER, cursor="c1", now=NOW)
    assert [r.document_id for r in result.refused] == ["AK-REAL-00001"]
    assert _events(conn) == []  # the old code queued ("AK-REAL-00001", "held") for the back office
    # The real document, a page later, is taken as usual.
    assert intake.take(conn, [_doc()], STORE, flow=Flow.LOCKER, cursor="c2", now=NOW).stored == ["AK-REAL-00001"]
    assert _events(conn) == [("AK-REAL-00001", "received")]


def test_a_signed_document_refused_for_its_times_is_still_reported_held(tmp_path: Path) -> None:
    conn = spool.connect(tmp_path / "spool.db", create=True)
    late = _doc(pickup_expires="2026-03-01T08:30:00Z")  # signed by the issuer: its id is the office's own
    result = intake.take(conn, [late], STORE, flow=Flow.LOCKER, cursor="c1", now=NOW)
    assert [r.reason for r in result.refused] == ["expired"]
    assert _events(conn) == [("AK-REAL-00001", "held")]
