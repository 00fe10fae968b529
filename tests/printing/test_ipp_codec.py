"""The IPP codec (RFC 8010): fixed vectors, round trips, and garbage that must only raise IppError."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.printer import ipp
from drivers.printer.errors import IppError

# A Get-Printer-Attributes response as a printer sends it, built by hand from RFC 8010.
RESPONSE = (
    b"\x01\x01" b"\x00\x00" b"\x00\x00\x00\x07"
    b"\x01"
    b"\x47\x00\x12attributes-charset\x00\x05utf-8"
    b"\x48\x00\x1battributes-natural-language\x00\x02en"
    b"\x04"
    b"\x23\x00\x0dprinter-state\x00\x04\x00\x00\x00\x03"
    b"\x44\x00\x15printer-state-reasons\x00\x11media-empty-error"
    b"\x44\x00\x00\x00\x10media-jam-report"
    b"\x22\x00\x19printer-is-accepting-jobs\x00\x01\x01"
    b"\x03"
)


def test_a_printer_response_decodes():
    message = ipp.decode(RESPONSE)
    assert (message.version, message.code, message.request_id) == ((1, 1), 0, 7)
    assert message.first("printer-state") == 3
    assert message.values("printer-state-reasons") == ["media-empty-error", "media-jam-report"]
    assert message.first("printer-is-accepting-jobs") is True
    assert [g.tag for g in message.groups] == [ipp.OPERATION_GROUP, ipp.PRINTER_GROUP]
    assert ipp.encode(message) == RESPONSE


def test_a_job_list_keeps_one_group_per_job():
    one = b"\x21\x00\x06job-id\x00\x04" + struct.pack(">i", 1) + b"\x42\x00\x08job-name\x00\x01a"
    two = b"\x21\x00\x06job-id\x00\x04" + struct.pack(">i", 2) + b"\x42\x00\x08job-name\x00\x01b"
    data = b"\x01\x01\x00\x00\x00\x00\x00\x01\x01\x02" + one + b"\x02" + two + b"\x03"
    jobs = ipp.decode(data).groups_tagged(ipp.JOB_GROUP)
    assert [(g.first("job-id"), g.first("job-name")) for g in jobs] == [(1, "a"), (2, "b")]


def test_the_status_request_carries_what_a_printer_needs():
    message = ipp.decode(ipp.printer_attributes_request("ipp://127.0.0.1:631/ipp/print", ["printer-state"], 9))
    assert message.code == ipp.GET_PRINTER_ATTRIBUTES and message.request_id == 9
    names = [a.name for a in message.groups[0].attributes]
    assert names[:3] == ["attributes-charset", "attributes-natural-language", "printer-uri"]
    assert message.values("requested-attributes") == ["printer-state"]


@pytest.mark.parametrize("data, why", [
    (b"", "too short"),
    (RESPONSE[:-1], "no end tag"),
    (RESPONSE[:20], "cut in an attribute"),
    (b"\x01\x01\x00\x00\x00\x00\x00\x01\x23\x00\x01x\x00\x04\x00\x00\x00\x01\x03", "value before a group"),
    (b"\x01\x01\x00\x00\x00\x00\x00\x01\x04\x23\x00\x01x\x00\x02\x00\x01\x03", "integer of 2 bytes"),
    (b"\x01\x01\x00\x00\x00\x00\x00\x01\x04\x22\x00\x01x\x00\x01\x07\x03", "boolean 7"),
    (b"\x01\x01\x00\x00\x00\x00\x00\x01\x04\x44\x00\x01x\x00\x02\xff\xfe\x03", "keyword not UTF-8"),
    (b"\x01\x01\x00\x00\x00\x00\x00\x01\x04\x44\x00\x00\x00\x01a\x03", "extra value with no attribute"),
    (b"\x01\x01\x00\x00\x00\x00\x00\x01\x04\x7f\x00\x01x\x00\x00\x03", "extension tag"),
    (b"\x01\x01\x00\x00\x00\x00\x00\x01\x00\x03", "reserved delimiter"),
    (b"\x01\x01\x80\x00\x00\x00\x00\x01\x03", "negative status"),
])
def test_malformed_messages_are_refused(data, why):
    with pytest.raises(IppError):
        ipp.decode(data)


@given(st.binary(max_size=300))
def test_any_bytes_decode_or_raise_ipp_error(data):
    try:
        ipp.decode(data)
    except IppError:
        pass


@given(st.binary(min_size=9, max_size=200))
def test_bytes_after_a_valid_header_decode_or_raise_ipp_error(tail):
    try:
        ipp.decode(b"\x01\x01\x00\x00\x00\x00\x00\x01\x04" + tail)
    except IppError:
        pass


_names = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=20)
_value = st.one_of(
    st.tuples(st.sampled_from([ipp.INTEGER, ipp.ENUM]), st.integers(-(2**31), 2**31 - 1)),
    st.tuples(st.just(ipp.BOOLEAN), st.booleans()),
    st.tuples(st.sampled_from(sorted(ipp.STRING_TAGS)), st.text(max_size=40)),
    st.tuples(st.just(ipp.OCTET_STRING), st.binary(max_size=40)),
    st.tuples(st.just(ipp.DATE_TIME), st.binary(min_size=11, max_size=11)),
    st.tuples(st.sampled_from([0x10, 0x12, 0x13]), st.none()),
)
_attribute = st.builds(lambda name, values: ipp.Attribute(name, tuple(values)), _names,
                       st.lists(_value, min_size=1, max_size=4))
_group = st.builds(lambda tag, attrs: ipp.Group(tag, tuple(attrs)),
                   st.sampled_from([1, 2, 4, 5, 6, 7, 8, 9, 10, 15]), st.lists(_attribute, max_size=4))
_message = st.builds(lambda code, rid, groups, data: ipp.Message((1, 1), code, rid, tuple(groups), data),
                     st.integers(0, 0x7FFF), st.integers(0, 2**31 - 1), st.lists(_group, max_size=4),
                     st.binary(max_size=20))


@given(_message)
def test_encode_then_decode_gives_the_same_message(message):
    data = ipp.encode(message)
    assert ipp.decode(data) == message
    assert ipp.encode(ipp.decode(data)) == data


@given(_message, st.data())
def test_a_truncated_message_is_refused(message, data):
    wire = ipp.encode(message)
    body_end = len(wire) - len(message.data)
    cut = data.draw(st.integers(0, body_end - 1))
    with pytest.raises(IppError):
        ipp.decode(wire[:cut])


def test_values_that_do_not_fit_their_tag_are_refused_when_encoding():
    for bad in [ipp.Attribute("x", ((ipp.INTEGER, "3"),)), ipp.Attribute("x", ((ipp.INTEGER, 2**31),)),
                ipp.Attribute("x", ((ipp.KEYWORD, b"raw"),)), ipp.Attribute("x", ()),
                ipp.Attribute("", ((ipp.KEYWORD, "a"),)), ipp.Attribute("x", ((ipp.KEYWORD, "a" * 40000),))]:
        with pytest.raises(IppError):
            ipp.encode(ipp.Message((1, 1), 0, 1, (ipp.Group(1, (bad,)),)))
