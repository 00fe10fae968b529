"""Logs carry no personal data and no secrets, whatever shape they come in."""

from __future__ import annotations

import json
import logging
import sys

import hypothesis.strategies as st
from hypothesis import given

from station import logs
from station.logs import JsonFormatter, mask_text, mask_value


def _format(message: str, *args: object, fields: dict | None = None) -> dict:
    record = logging.LogRecord("station.test", logging.INFO, __file__, 1, message, args, None)
    if fields is not None:
        record.fields = fields
    return json.loads(JsonFormatter().format(record))


def test_nik_phone_tokens_and_keys_are_masked() -> None:
    line = _format("citizen %s phone %s token %s auth %s",
                   "3171012345678901", "+62 812-3456-7890", "MPP1:NCFOXN%TS3DH0YOJ58S S-W5HDC *PS",
                   "Bearer s3cr3t-token.value")
    text = json.dumps(line)
    for secret in ("3171012345678901", "3456", "NCFOXN", "s3cr3t"):
        assert secret not in text
    assert "3171**********01" in line["message"]


def test_fields_are_masked_by_name() -> None:
    line = _format("document received", fields={
        "doc": "AKTA-2026-000123", "data": {"nama": "Siti Nurhaliza", "nik": "3171012345678901",
                                            "alamat": "Jl. Melati No. 5", "tempat_lahir": "Palangka Raya"}})
    assert line["doc"] == "AKTA-2026-000123"
    assert line["data"]["nama"] == "S*** N********"
    assert line["data"]["nik"] == "[masked]" and line["data"]["alamat"] == "[masked]"


def test_private_key_never_logged() -> None:
    pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----"
    assert "MC4CAQ" not in mask_text(f"loaded {pem}")


@given(st.from_regex(r"\A[0-9]{16}\Z"), st.text(max_size=20), st.text(max_size=20))
def test_any_nik_inside_text_is_masked(nik: str, before: str, after: str) -> None:
    pad_before = before + " " if before and before[-1].isdigit() else before
    pad_after = " " + after if after and after[0].isdigit() else after
    assert nik not in mask_text(pad_before + nik + pad_after)


@given(st.recursive(st.text(max_size=10) | st.integers() | st.none(),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=10))
def test_masking_never_crashes(value: object) -> None:
    mask_value(value)



def test_standard_error_is_the_one_in_force_when_a_line_is_written(monkeypatch) -> None:
    """A handler set up on one sys.stderr must not write to it after it was swapped (and closed): the
    line goes to the stream in force now. A test's capture, or a redirect, once left a closed stream
    behind and a "Logging error" in the next test's output."""
    import io

    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    saved = logging.getLogger().handlers[:]
    try:
        logs.setup("info")
        monkeypatch.setattr(sys, "stderr", second)
        first.close()
        logging.getLogger("station.test").warning("after the swap")
        written = second.getvalue()
        assert "Logging error" not in written
        assert json.loads(written.splitlines()[-1])["message"] == "after the swap"
    finally:
        logging.getLogger().handlers[:] = saved
