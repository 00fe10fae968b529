"""Where a locker door is, in words a blind person can use: "pintu nomor 5, kolom kedua dari kiri, ...".

Locks are numbered left to right, top to bottom on each cabinet (one cabinet per
lock board, `columns` wide), as the kiosk's drawing shows them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .words import SIDES, ordinal


@dataclass(frozen=True)
class Cabinet:
    """One lock board's cabinet: its address and how many locks it has."""

    address: int
    locks: int


@dataclass(frozen=True)
class Geometry:
    """The locker as the citizen stands at the kiosk: cabinets left to right, their width, which side."""

    cabinets: tuple[Cabinet, ...]
    columns: int
    side: str = "right"


def door_place(door: int, board: int | None, geometry: Geometry) -> dict[str, str]:
    """The door's number, column and row (and cabinet, where there are several), in Indonesian and English."""
    columns = max(1, geometry.columns)
    col, row = (door - 1) % columns + 1, (door - 1) // columns + 1
    side_id, side_en = SIDES.get(geometry.side, SIDES["right"])
    words_id = f"pintu nomor {door}, kolom {ordinal(col, 'id')} dari kiri, baris {ordinal(row, 'id')} dari atas"
    words_en = (f"door number {door}, {ordinal(col, 'en')} column from the left, "
                f"{ordinal(row, 'en')} row from the top")
    addresses = [c.address for c in geometry.cabinets]
    if len(addresses) > 1 and board in addresses:
        at = addresses.index(board) + 1
        words_id += f", di lemari {ordinal(at, 'id')} dari kiri"
        words_en += f", in the {ordinal(at, 'en')} cabinet from the left"
    return {"id": f"{words_id}, {side_id}", "en": f"{words_en}, {side_en}"}
