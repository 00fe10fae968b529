"""A fixed US keymap for keyboard-wedge scanners: Linux key codes to characters.

Fixed on purpose: the station never follows the console's layout, so a
scanner set to "US keyboard" types the same text on every kiosk. Codes are
those of linux/input-event-codes.h.
"""

from __future__ import annotations

KEY_ENTER, KEY_KPENTER = 28, 96
SHIFTS = frozenset({42, 54})  # KEY_LEFTSHIFT, KEY_RIGHTSHIFT
ENTERS = frozenset({KEY_ENTER, KEY_KPENTER})
KEY_UP, KEY_DOWN, KEY_REPEAT = 0, 1, 2

# code: (plain, shifted)
KEYS: dict[int, tuple[str, str]] = {
    2: ("1", "!"), 3: ("2", "@"), 4: ("3", "#"), 5: ("4", "$"), 6: ("5", "%"), 7: ("6", "^"),
    8: ("7", "&"), 9: ("8", "*"), 10: ("9", "("), 11: ("0", ")"), 12: ("-", "_"), 13: ("=", "+"),
    15: ("\t", "\t"),
    16: ("q", "Q"), 17: ("w", "W"), 18: ("e", "E"), 19: ("r", "R"), 20: ("t", "T"), 21: ("y", "Y"),
    22: ("u", "U"), 23: ("i", "I"), 24: ("o", "O"), 25: ("p", "P"), 26: ("[", "{"), 27: ("]", "}"),
    30: ("a", "A"), 31: ("s", "S"), 32: ("d", "D"), 33: ("f", "F"), 34: ("g", "G"), 35: ("h", "H"),
    36: ("j", "J"), 37: ("k", "K"), 38: ("l", "L"), 39: (";", ":"), 40: ("'", '"'), 41: ("`", "~"),
    43: ("\\", "|"), 44: ("z", "Z"), 45: ("x", "X"), 46: ("c", "C"), 47: ("v", "V"), 48: ("b", "B"),
    49: ("n", "N"), 50: ("m", "M"), 51: (",", "<"), 52: (".", ">"), 53: ("/", "?"), 57: (" ", " "),
    # keypad
    55: ("*", "*"), 71: ("7", "7"), 72: ("8", "8"), 73: ("9", "9"), 74: ("-", "-"), 75: ("4", "4"),
    76: ("5", "5"), 77: ("6", "6"), 78: ("+", "+"), 79: ("1", "1"), 80: ("2", "2"), 81: ("3", "3"),
    82: ("0", "0"), 83: (".", "."), 98: ("/", "/"),
}


class UsKeymap:
    """Key events in, characters out; "\\n" for Enter."""

    def __init__(self) -> None:
        self._shift: set[int] = set()

    def feed(self, code: int, value: int) -> str | None:
        """One EV_KEY event (`value` 1 down, 0 up, 2 repeat); the character it types, if any."""
        if code in SHIFTS:
            if value == KEY_UP:
                self._shift.discard(code)
            else:
                self._shift.add(code)
            return None
        if value != KEY_DOWN:
            return None
        if code in ENTERS:
            return "\n"
        pair = KEYS.get(code)
        if pair is None:
            return None
        return pair[1] if self._shift else pair[0]


_TYPING = {}
for _code, (_plain, _shifted) in sorted(KEYS.items(), reverse=True):  # main block wins over keypad
    _TYPING[_plain] = (_code, False)
    if _shifted != _plain:
        _TYPING[_shifted] = (_code, True)


def typing(text: str) -> list[tuple[int, int]]:
    """The key events a US keyboard wedge sends to type `text` and Enter (what a simulator needs)."""
    events: list[tuple[int, int]] = []
    for char in text:
        if char not in _TYPING:
            raise ValueError(f"{char!r} cannot be typed on a US keyboard")
        code, shifted = _TYPING[char]
        if shifted:
            events.append((42, KEY_DOWN))
        events += [(code, KEY_DOWN), (code, KEY_UP)]
        if shifted:
            events.append((42, KEY_UP))
    return events + [(KEY_ENTER, KEY_DOWN), (KEY_ENTER, KEY_UP)]
