"""Line splitting: whole scans out of any chunking, stale partial lines dropped."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from drivers.scanner.lines import LineSplitter, decode_scan

scan_text = st.binary(min_size=1, max_size=300).filter(lambda b: b"\r" not in b and b"\n" not in b)
ending = st.sampled_from([b"\r", b"\n", b"\r\n"])


@given(scans=st.lists(st.tuples(scan_text, ending), max_size=8), data=st.data())
def test_any_chunking_gives_the_same_scans(scans: list[tuple[bytes, bytes]], data: st.DataObject) -> None:
    stream = b"".join(text + end for text, end in scans)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    splitter = LineSplitter(partial_timeout=1.0)
    lines: list[bytes] = []
    for start, stop in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        lines += splitter.feed(stream[start:stop], now=0.0)  # one instant: nothing goes stale
    assert lines == [text for text, _ in scans]


@given(st.binary(max_size=64))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    splitter = LineSplitter(0.3)
    splitter.feed(data, 0.0)
    splitter.expire(10.0)
    decode_scan(data)


def test_a_stale_partial_line_is_dropped() -> None:
    splitter = LineSplitter(partial_timeout=0.3)
    assert splitter.feed(b"MPP1:HALF", 1.0) == []
    assert splitter.deadline == 1.3
    assert splitter.feed(b"MPP1:WHOLE\r", 1.5) == [b"MPP1:WHOLE"]  # not "MPP1:HALFMPP1:WHOLE"
    assert splitter.dropped == 1


def test_bytes_within_the_timeout_make_one_scan() -> None:
    splitter = LineSplitter(partial_timeout=0.3)
    assert splitter.feed(b"MPP1:", 1.0) == []
    assert splitter.feed(b"REST\n", 1.25) == [b"MPP1:REST"]


def test_an_overlong_line_is_dropped_whole() -> None:
    splitter = LineSplitter(partial_timeout=1.0, max_length=10)
    assert splitter.feed(b"x" * 25 + b"\rshort\r", 0.0) == [b"short"]
    assert splitter.overlong == 1


def test_decoding_never_fails() -> None:
    assert decode_scan("Ünïcode".encode()) == "Ünïcode"
    assert decode_scan(b"\xff\xfe") == "ÿþ"


def test_bytes_read_late_by_a_busy_reader_still_finish_their_line() -> None:
    """The reader was not scheduled for 4 s: the rest of the scan waited in the port all that time."""
    splitter = LineSplitter(partial_timeout=0.3)
    assert splitter.feed(b"MPP1:", 1.0) == []
    assert splitter.feed(b"REST\n", 5.0, arrived_after=1.1) == [b"MPP1:REST"]
    # Seen drained after the half line went stale: a new scan starts afresh.
    assert splitter.feed(b"MPP1:HALF", 6.0) == []
    assert splitter.feed(b"WHOLE\n", 7.0, arrived_after=6.5) == [b"WHOLE"]
