"""A slot's states in words: its door and item sensors, and what it holds (never "pintu closed")."""

from __future__ import annotations

from .words import Words

# The lock drivers' sensor values (drivers/locks/model.py), as staff say them.
DOOR: dict[str, Words] = {
    "open": Words("pintu terbuka", "door open"),
    "closed": Words("pintu tertutup", "door closed"),
    "unknown": Words("pintu tidak diketahui", "door unknown"),
}
ITEM: dict[str, Words] = {
    "present": Words("ada dokumen", "document inside"),
    "absent": Words("kosong", "empty"),
    "unknown": Words("isi tidak diketahui", "contents unknown"),
}
# What a slot is, as the slot table and the ops page's legend say it.
SLOT_STATES: dict[str, Words] = {
    "occupied": Words("terisi", "occupied"),
    "free": Words("kosong", "free"),
    "door_open": Words("pintu terbuka", "door open"),
    "alarm": Words("alarm", "alarm"),
    "out_of_service": Words("tidak dipakai", "out of service"),
    "retired": Words("dipensiunkan", "retired"),
    "take_out": Words("perlu dikeluarkan", "to take out"),
}

# Why paper must come out of a slot (station.release.take_out's tasks).
TAKE_OUT: dict[str, Words] = {
    "expired": Words("kedaluwarsa, tidak diambil", "expired, not collected"),
    "cancelled": Words("dibatalkan", "cancelled"),
    "reprint": Words("salinan lama, akan dicetak ulang", "old copy, to be printed again"),
}


def door_word(value: str, language: str) -> str:
    """`closed` -> "pintu tertutup" / "door closed"; an unknown value reads as unknown."""
    return DOOR.get(value, DOOR["unknown"]).get(language)


def item_word(value: str, language: str) -> str:
    return ITEM.get(value, ITEM["unknown"]).get(language)
