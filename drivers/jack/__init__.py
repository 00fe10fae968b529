"""The headphone jack's switch, read as Linux input events (EV_SW, SW_HEADPHONE_INSERT)."""

from .events import EV_SW, EV_SYN, SW_HEADPHONE_INSERT, InputEvent, decode, encode
from .switch import JackSwitch

__all__ = ["EV_SW", "EV_SYN", "SW_HEADPHONE_INSERT", "InputEvent", "JackSwitch", "decode", "encode"]
