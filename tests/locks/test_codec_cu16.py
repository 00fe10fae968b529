"""CU16 codec: the vectors of PROTOCOLS.md 1.4, round trips, and arbitrary bytes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.locks import cu16
from drivers.locks.errors import FrameError
from drivers.locks.frames import Verdict


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def test_vectors_of_the_protocol_document() -> None:
    assert cu16.status_request(0) == h("02 00 30 03 35")
    assert cu16.status_request(1) == h("02 10 30 03 45")
    assert cu16.unlock_request(0, 1) == h("02 00 31 03 36")
    assert cu16.unlock_request(1, 16) == h("02 1F 31 03 55")
    assert cu16.unlock_all_request(0) == h("02 00 33 03 38")
    status = cu16.decode_status(h("02 00 35 01 01 01 00 03 3D"))
    assert status.board_id == 0
    assert [i + 1 for i, bit in enumerate(status.latch) if bit] == [1, 9]
    assert [i + 1 for i, bit in enumerate(status.items) if bit] == [1]


def test_requests_decode_as_a_board_sees_them() -> None:
    assert cu16.decode_request(h("02 1F 31 03 55")) == cu16.Request("unlock", 1, 16)
    assert cu16.decode_request(h("02 00 30 03 35")) == cu16.Request("status", 0, None)
    assert cu16.decode_request(h("02 00 33 03 38")) == cu16.Request("unlock_all", 0, None)


@pytest.mark.parametrize("frame", ["02 00 30 03 36", "03 00 30 03 36", "02 00 32 03 37", "02 01 30 03 36",
                                   "02 00 30 03", ""])
def test_bad_requests_are_refused(frame: str) -> None:
    with pytest.raises(FrameError):
        cu16.decode_request(h(frame))


@pytest.mark.parametrize("call", [lambda: cu16.status_request(16), lambda: cu16.unlock_request(0, 0),
                                  lambda: cu16.unlock_request(0, 17), lambda: cu16.status_request(-1)])
def test_out_of_range_arguments_are_typed_errors(call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FrameError):
        call()


bits16 = st.lists(st.booleans(), min_size=16, max_size=16).map(tuple)


@given(board=st.integers(0, 15), lock=st.integers(1, 16))
def test_request_round_trip(board: int, lock: int) -> None:
    assert cu16.decode_request(cu16.unlock_request(board, lock)) == cu16.Request("unlock", board, lock)
    assert cu16.decode_request(cu16.status_request(board)) == cu16.Request("status", board, None)


@given(board=st.integers(0, 15), latch=bits16, items=bits16)
def test_status_round_trip_and_judge(board: int, latch: tuple[bool, ...], items: tuple[bool, ...]) -> None:
    frame = cu16.encode_status(cu16.Status(board, latch, items))
    assert cu16.decode_status(frame) == cu16.Status(board, latch, items)
    judge = cu16.judge_status(board)
    assert [judge(frame[:n]) for n in range(1, 9)] == [Verdict.MORE] * 8
    assert judge(frame) is Verdict.DONE
    assert cu16.judge_status((board + 1) % 16)(frame) is Verdict.BAD


@given(st.binary(max_size=32))
def test_arbitrary_bytes_raise_only_the_codec_error(data: bytes) -> None:
    for decode in (cu16.decode_request, cu16.decode_status):
        try:
            decode(data)
        except FrameError:
            pass
    verdict = cu16.judge_status(0)(data)
    if verdict is Verdict.DONE:
        cu16.decode_status(data)  # the judge never accepts what the decoder refuses


@given(st.binary(min_size=9, max_size=9))
def test_a_corrupted_status_never_passes(data: bytes) -> None:
    good = cu16.encode_status(cu16.Status(0, (False,) * 16, (False,) * 16))
    if data != good and cu16.judge_status(0)(data) is Verdict.DONE:
        assert cu16.checksum(data[:8]) == data[8]


def test_non_bytes_are_a_codec_error() -> None:
    with pytest.raises(FrameError):
        cu16.decode_status("02 00 35")  # type: ignore[arg-type]
