"""Keyboard wedge: the fixed US keymap, and the optional evdev dependency."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.scanner import wedge
from drivers.scanner.errors import ScannerError
from drivers.scanner.keymap import UsKeymap, typing
from drivers.scanner.wedge import WedgeScanner

printable = st.text(alphabet=string.ascii_letters + string.digits + string.punctuation + " ", min_size=1,
                    max_size=200)


@given(printable)
def test_typing_and_reading_back_agree(text: str) -> None:
    keymap = UsKeymap()
    typed = "".join(c for code, value in typing(text) if (c := keymap.feed(code, value)) is not None)
    assert typed == text + "\n"


@given(st.lists(printable, min_size=1, max_size=4))
def test_wedge_yields_whole_scans(texts: list[str]) -> None:
    scanner = WedgeScanner("/dev/input/event-test")
    for text in texts:
        for code, value in typing(text):
            scanner.feed(code, value, now=0.0)
    assert [scanner._ready.popleft().text for _ in texts] == texts


def test_a_pause_drops_a_half_typed_scan() -> None:
    scanner = WedgeScanner("/dev/input/event-test", partial_timeout=0.3)
    for code, value in typing("HALF")[:-2]:  # no Enter
        scanner.feed(code, value, now=0.0)
    for code, value in typing("MPP1:OK"):
        scanner.feed(code, value, now=1.0)
    assert [s.text for s in scanner._ready] == ["MPP1:OK"]


def test_repeats_and_unknown_keys_type_nothing() -> None:
    keymap = UsKeymap()
    assert keymap.feed(30, 2) is None   # auto-repeat of "a"
    assert keymap.feed(125, 1) is None  # the "Windows" key
    assert keymap.feed(30, 1) == "a"


def test_without_evdev_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wedge, "evdev", None)
    with pytest.raises(ScannerError, match=r"mpp-station\[evdev\]"):
        WedgeScanner("/dev/input/event0").open()


class FakeInputDevice:
    """Stands in for evdev.InputDevice (evdev is optional and /dev/input has no scanner here)."""

    opened: list["FakeInputDevice"] = []

    def __init__(self, path: str) -> None:
        import os

        self.path = path
        self.fd, self._w = os.pipe()
        self.grabbed = False
        self.events: list[object] = []
        FakeInputDevice.opened.append(self)

    def grab(self) -> None:
        self.grabbed = True

    def ungrab(self) -> None:
        self.grabbed = False

    def close(self) -> None:
        import os

        os.close(self.fd)
        os.close(self._w)

    def type(self, text: str) -> None:
        import os
        from types import SimpleNamespace

        self.events += [SimpleNamespace(type=1, code=code, value=value) for code, value in typing(text)]
        self.events.append(SimpleNamespace(type=4, code=4, value=0))  # EV_MSC noise: ignored
        os.write(self._w, b"x")

    def read(self):  # type: ignore[no-untyped-def]
        import os

        os.read(self.fd, 64)
        events, self.events = self.events, []
        return iter(events)


def test_the_wedge_grabs_its_device_and_reads_whole_scans(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    monkeypatch.setattr(wedge, "evdev", SimpleNamespace(InputDevice=FakeInputDevice))
    scanner = WedgeScanner("/dev/input/by-id/usb-scanner-event-kbd")
    scanner.open()
    device = FakeInputDevice.opened[-1]
    assert device.grabbed  # its keys reach the station only, never the kiosk's browser
    device.type("MPP1:WEDGE")
    scan = scanner.read(1)
    assert scan is not None and scan.text == "MPP1:WEDGE"
    assert scanner.read(0.05) is None
    scanner.close()
    assert not device.grabbed
