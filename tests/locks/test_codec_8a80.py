"""8A/80 codec: the vectors of PROTOCOLS.md 1.4, round trips, and arbitrary bytes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.locks import a8a80
from drivers.locks.errors import FrameError
from drivers.locks.frames import Verdict


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def test_vectors_of_the_protocol_document() -> None:
    assert a8a80.unlock_request(1, 1) == h("8A 01 01 11 9B")
    assert a8a80.unlock_all_request(1) == h("8A 01 00 11 9A")
    assert a8a80.read_request(1, 1) == h("80 01 01 33 B3")
    assert a8a80.read_board_request(1) == h("80 01 00 33 B2")
    reply = a8a80.decode_board(h("80 01 00 00 00 33 B2"))
    assert reply.board == 1 and reply.groups == 3 and reply.bits == (False,) * 24


def test_groups_are_counted_from_the_length_received() -> None:
    one = a8a80.decode_board(h("80 01 05 33") + bytes((0x80 ^ 0x01 ^ 0x05 ^ 0x33,)))
    assert one.groups == 1 and [i + 1 for i, b in enumerate(one.bits) if b] == [1, 3]
    # highest group first: channel 9 is bit 0 of the first of two status bytes
    two = a8a80.decode_board(a8a80.encode_board(2, [False] * 8 + [True], 2))
    assert two.groups == 2 and [i + 1 for i, b in enumerate(two.bits) if b] == [9]
    assert a8a80.encode_board(2, [False] * 8 + [True], 2)[2:4] == h("01 00")


def test_unlock_reply_with_feedback_11_is_the_request_itself() -> None:
    reply = a8a80.encode_feedback(a8a80.Feedback(a8a80.UNLOCK, 1, 1, True))
    assert reply == a8a80.unlock_request(1, 1)
    assert a8a80.decode_feedback(reply).on is True


@pytest.mark.parametrize("frame", ["8A 01 01 11 9A", "8A 01 01 33 B9", "80 00 01 33 B2", "81 01 01 33 B3",
                                   "80 01 19 33 AB", "80 01 01 33"])
def test_bad_requests_are_refused(frame: str) -> None:
    with pytest.raises(FrameError):
        a8a80.decode_request(h(frame))


def test_feedback_must_be_00_or_11() -> None:
    frame = bytes((0x80, 1, 1, 0x01))
    with pytest.raises(FrameError):
        a8a80.decode_feedback(frame + bytes((a8a80.bcc(frame),)))


@given(board=st.integers(1, 31), channel=st.integers(1, 24))
def test_request_round_trip(board: int, channel: int) -> None:
    assert a8a80.decode_request(a8a80.unlock_request(board, channel)) == a8a80.Request("unlock", board, channel)
    assert a8a80.decode_request(a8a80.read_request(board, channel)) == a8a80.Request("read", board, channel)
    assert a8a80.decode_request(a8a80.read_board_request(board)) == a8a80.Request("read_board", board, 0)
    assert a8a80.decode_request(a8a80.unlock_all_request(board)) == a8a80.Request("unlock_all", board, 0)


@given(board=st.integers(1, 31), channel=st.integers(0, 24), on=st.booleans(),
       head=st.sampled_from([a8a80.UNLOCK, a8a80.READ]))
def test_feedback_round_trip_and_judge(board: int, channel: int, on: bool, head: int) -> None:
    reply = a8a80.Feedback(head, board, channel, on)
    frame = a8a80.encode_feedback(reply)
    assert a8a80.decode_feedback(frame) == reply
    judge = a8a80.judge_feedback(head, board, channel)
    assert [judge(frame[:n]) for n in range(1, 5)] == [Verdict.MORE] * 4
    assert judge(frame) is Verdict.DONE


@given(board=st.integers(1, 31), groups=st.integers(1, 3), data=st.data())
def test_board_round_trip_and_judge(board: int, groups: int, data: st.DataObject) -> None:
    bits = data.draw(st.lists(st.booleans(), min_size=groups * 8, max_size=groups * 8))
    frame = a8a80.encode_board(board, bits, groups)
    decoded = a8a80.decode_board(frame)
    assert decoded.board == board and list(decoded.bits) == bits
    assert a8a80.judge_board(board)(frame) is (Verdict.DONE if groups == 3 else Verdict.MAYBE)
    assert a8a80.judge_board(board, known_length=len(frame))(frame) is Verdict.DONE
    assert a8a80.judge_board(board % 31 + 1)(frame) is Verdict.BAD


@given(st.binary(max_size=32))
def test_arbitrary_bytes_raise_only_the_codec_error(data: bytes) -> None:
    for decode in (a8a80.decode_request, a8a80.decode_feedback, a8a80.decode_board):
        try:
            decode(data)
        except FrameError:
            pass
    if a8a80.judge_board(1)(data) in (Verdict.DONE, Verdict.MAYBE):
        a8a80.decode_board(data)
    if a8a80.judge_feedback(a8a80.READ, 1, 1)(data) is Verdict.DONE:
        a8a80.decode_feedback(data)
