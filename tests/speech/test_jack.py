"""(issue 24) The headphone jack: struct input_event encoded and decoded, and read from the simulator's FIFO."""

from __future__ import annotations

import struct

from hypothesis import given
from hypothesis import strategies as st

from drivers.jack import EV_SW, SW_HEADPHONE_INSERT, InputEvent, JackSwitch, decode, encode
from drivers.jack.events import SIZE
from simulators.jack import JackSim

events = st.builds(InputEvent, st.integers(0, 2**31 - 1), st.integers(0, 999_999), st.integers(0, 0xFFFF),
                   st.integers(0, 0xFFFF), st.integers(-(2**31), 2**31 - 1))


@given(st.lists(events, max_size=8), st.integers(0, SIZE - 1))
def test_events_read_back_whole_and_a_partial_one_waits(batch: list[InputEvent], cut: int) -> None:
    data = b"".join(encode(e) for e in batch)
    tail = encode(InputEvent(1, 2, EV_SW, SW_HEADPHONE_INSERT, 1))[:cut]
    decoded, rest = decode(data + tail)
    assert decoded == batch and rest == tail


def test_the_layout_is_the_kernels() -> None:
    # 64-bit Linux: two longs of timeval, then __u16 type, __u16 code, __s32 value.
    assert SIZE == struct.calcsize("@llHHi") == (24 if struct.calcsize("@l") == 8 else 16)
    assert encode(InputEvent(0, 0, 5, 2, 1))[-8:] == bytes([5, 0, 2, 0, 1, 0, 0, 0])


def test_the_switch_follows_the_simulated_jack(tmp_path) -> None:
    sim = JackSim(tmp_path / "jack").start()
    switch = JackSwitch(sim.path)
    try:
        assert switch.open() is False  # a FIFO has no state to ask: unplugged until told
        assert switch.read(0.05) is None
        sim.plug()
        assert switch.read(2) is True and switch.plugged
        sim.unplug()
        assert switch.read(2) is False
    finally:
        switch.close()
        sim.stop()


def test_other_switches_and_keys_change_nothing(tmp_path) -> None:
    path = tmp_path / "jack"
    sim = JackSim(path).start()
    switch = JackSwitch(path)
    try:
        switch.open()
        import os
        fd = os.open(path, os.O_WRONLY)
        os.write(fd, encode(InputEvent(0, 0, EV_SW, 0x04, 1)) + encode(InputEvent(0, 0, 0x01, 30, 1)))
        os.close(fd)
        assert switch.read(2) is None and switch.plugged is False
    finally:
        switch.close()
        sim.stop()
