"""The bus transport on a real pty, with a scripted peer: framing, line discipline, port errors."""

from __future__ import annotations

import os
import threading
import time
import tty
from collections.abc import Iterator

import pytest

from drivers.locks import a8a80, cu16
from drivers.locks.errors import FrameError, NoReply, WriteFailed
from drivers.locks.transport import BusTransport
from drivers.serialport import PortBusy, PortDenied, PortVanished
from drivers.errors import DeviceConfigError as ConfigError


class Peer:
    """The far end of a pty: reads a request, then writes scripted chunks."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)

    def answer(self, request_len: int, *chunks: tuple[float, bytes]) -> threading.Thread:
        """After `request_len` bytes arrive, write each chunk after its delay (seconds)."""
        def run() -> None:
            got = b""
            while len(got) < request_len:
                got += os.read(self.master, 64)
            for delay, data in chunks:
                time.sleep(delay)
                os.write(self.master, data)
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass


@pytest.fixture
def peer() -> Iterator[Peer]:
    p = Peer()
    yield p
    p.close()


@pytest.fixture
def transport(peer: Peer) -> Iterator[BusTransport]:
    t = BusTransport(peer.path, 9600, echo="no")
    t.open()
    yield t
    t.close()


def test_exclusive_and_not_inherited(peer: Peer, transport: BusTransport) -> None:
    assert transport._port is not None and not os.get_inheritable(transport._port.fileno())
    with pytest.raises(PortBusy):
        BusTransport(peer.path, 9600).open()


def test_missing_port_is_vanished_not_a_config_error() -> None:
    with pytest.raises(PortVanished):
        BusTransport("/dev/no-such-tty", 9600).open()


def test_not_a_serial_port_is_a_config_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "file"
    path.write_text("x")
    with pytest.raises(ConfigError):
        BusTransport(str(path), 9600).open()


def test_permission_denied_is_a_configuration_error(peer: Peer) -> None:
    """As an unprivileged user (fork + setuid), the root-owned pty gives EACCES: a config error, exit 2."""
    if os.getuid() != 0:
        pytest.skip("needs root to drop to another user")
    from station.cli import build_parser, main
    build_parser()  # import everything now: the child may not read the interpreter's own files
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no pytest machinery from here on
        code = 99
        try:
            os.setgid(65534)
            os.setuid(65534)
            try:
                BusTransport(peer.path, 9600).open()
            except PortDenied as err:
                os.write(write_end, f"{isinstance(err, ConfigError)} {err}".encode())
                os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
                code = main(["locker", "status", "--port", peer.path, "--family", "cu16"])
        finally:
            os._exit(code)
    os.close(write_end)
    message = os.read(read_end, 4096).decode()
    _, status = os.waitpid(pid, 0)
    assert message.startswith("True ") and "permission denied" in message
    assert os.waitstatus_to_exitcode(status) == 2


def test_a_fixed_reply_completes_at_once(peer: Peer, transport: BusTransport) -> None:
    reply = cu16.encode_status(cu16.Status(0, (True,) * 16, (False,) * 16))
    peer.answer(5, (0.0, reply[:4]), (0.01, reply[4:]))
    assert transport.transact(cu16.status_request(0), cu16.judge_status(0), 1.0) == reply


def test_a_valid_looking_prefix_waits_for_line_quiet(peer: Peer, transport: BusTransport) -> None:
    """80 01 81 33 33 is a valid one-group reply; with 00 after it, a valid two-group one."""
    reply = bytes.fromhex("80 01 81 33 33 00")
    assert a8a80.decode_board(reply[:5]).groups == 1 and a8a80.decode_board(reply).groups == 2
    peer.answer(5, (0.0, reply[:5]), (0.012, reply[5:]))
    assert transport.transact(a8a80.read_board_request(1), a8a80.judge_board(1), 1.5) == reply


def test_strays_before_a_request_are_discarded(peer: Peer, transport: BusTransport) -> None:
    os.write(peer.master, b"\x80\x01\x00")  # a late reply's tail
    time.sleep(0.01)
    reply = a8a80.encode_feedback(a8a80.Feedback(a8a80.READ, 1, 2, False))
    peer.answer(5, (0.0, reply))
    assert transport.transact(a8a80.read_request(1, 2), a8a80.judge_feedback(a8a80.READ, 1, 2), 1.5) == reply
    assert transport.stats.strays_discarded == 1


def test_no_reply(peer: Peer, transport: BusTransport) -> None:
    with pytest.raises(NoReply):
        transport.transact(cu16.status_request(0), cu16.judge_status(0), 0.1)


def test_garbage_then_flush_then_next_is_clean(peer: Peer, transport: BusTransport) -> None:
    good = cu16.encode_status(cu16.Status(0, (False,) * 16, (True,) * 16))
    peer.answer(5, (0.0, b"\x02\x00\x99"), (0.005, b"\x01\x02\x03"))
    with pytest.raises(FrameError):
        transport.transact(cu16.status_request(0), cu16.judge_status(0), 0.5)
    assert transport.stats.recoveries >= 1
    peer.answer(5, (0.0, good))
    assert transport.transact(cu16.status_request(0), cu16.judge_status(0), 0.5) == good


def test_an_incomplete_reply_is_a_frame_error(peer: Peer, transport: BusTransport) -> None:
    peer.answer(5, (0.0, b"\x02\x00\x35\x00"))
    with pytest.raises(FrameError):
        transport.transact(cu16.status_request(0), cu16.judge_status(0), 0.1)


def test_writing_to_a_closed_bus_sends_nothing(transport: BusTransport) -> None:
    transport.close()
    with pytest.raises(WriteFailed) as caught:
        transport.send(cu16.unlock_request(0, 1))
    assert caught.value.sent == 0


def test_a_vanished_peer(peer: Peer, transport: BusTransport) -> None:
    peer.close()
    with pytest.raises((PortVanished, WriteFailed)):
        transport.transact(cu16.status_request(0), cu16.judge_status(0), 0.5)
    assert not transport.is_open


def test_echo_probe(peer: Peer) -> None:
    probe = b"\x02\x00\x30\x03\xca"

    def echo() -> None:
        os.write(peer.master, os.read(peer.master, 5))
    threading.Thread(target=echo, daemon=True).start()
    echoing = BusTransport(peer.path, 19200)
    echoing.open(probe=probe)
    assert echoing.echo is True
    echoing.close()
    silent = BusTransport(peer.path, 19200)
    silent.open(probe=probe)
    assert silent.echo is False
    silent.close()
