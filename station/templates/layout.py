"""Setting text into boxes: measure, shrink, wrap, or say that it does not fit.

Pure functions over a font's metrics; coordinates are PDF points with the
origin at the bottom-left of the page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .fonts import Font


class Overflow(ValueError):
    """The text does not fit its box under the template's rules."""


@dataclass(frozen=True)
class Frame:
    """A box on the page: left edge, top edge, width and height, in points."""

    left: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class Line:
    """One line of set text: its baseline starts at (x, y); `gap` is added after each space."""

    text: str
    x: float
    y: float
    gap: float = 0.0


def wrap(text: str, font: Font, size: float, width: float) -> list[str]:
    """Greedy line breaking at spaces; a word wider than the line is broken between characters."""
    limit = width / size
    em = font.em_width
    space = em.get(" ", 0.25)
    lines: list[str] = []
    current: list[str] = []
    current_w = 0.0
    for word in text.split(" "):
        if not word:
            continue
        word_w = sum(map(em.__getitem__, word))
        if word_w > limit:
            if current:
                lines.append(" ".join(current))
            piece, piece_w = "", 0.0
            for char in word:
                char_w = em[char]
                if char_w > limit:
                    raise Overflow(f"character {char!r} is wider than its box")
                if piece and piece_w + char_w > limit:
                    lines.append(piece)
                    piece, piece_w = char, char_w
                else:
                    piece, piece_w = piece + char, piece_w + char_w
            current, current_w = [piece], piece_w
        elif current and current_w + space + word_w > limit:
            lines.append(" ".join(current))
            current, current_w = [word], word_w
        else:
            current_w += (space if current else 0.0) + word_w
            current.append(word)
    if current:
        lines.append(" ".join(current))
    return lines


def block_height(font: Font, size: float, count: int, leading: float) -> float:
    """Height, in points, of `count` lines set at `size` with `leading` (times the size)."""
    return ((count - 1) * leading + (font.ascent - font.descent)) * size


def first_baseline(font: Font, frame: Frame, size: float, count: int, *, valign: str, leading: float,
                   anchor_size: float) -> float:
    """Where the first line's baseline goes.

    `top`: just below the frame's top. `middle`: the lines centred in the
    frame. `baseline`: where a line of `anchor_size` would sit at the top,
    whatever size the text was shrunk to, so a value stays on the baseline
    of the label beside it.
    """
    if valign == "middle":
        spare = frame.height - block_height(font, size, count, leading)
        return frame.top - max(spare, 0.0) / 2 - font.ascent * size
    if valign == "baseline":
        return frame.top - font.ascent * anchor_size
    return frame.top - font.ascent * size


def place(lines: list[str], font: Font, frame: Frame, size: float, *, align: str = "left",
          valign: str = "top", leading: float = 1.2, anchor_size: float | None = None) -> list[Line]:
    """Position set lines in their frame."""
    baseline = first_baseline(font, frame, size, len(lines), valign=valign, leading=leading,
                              anchor_size=anchor_size or size)
    placed = []
    last = len(lines) - 1
    for index, text in enumerate(lines):
        width = font.width(text, size)
        gap = 0.0
        x = frame.left
        if align == "center":
            x += (frame.width - width) / 2
        elif align == "right":
            x += frame.width - width
        elif align == "justify" and index != last:
            spaces = text.count(" ")
            if spaces:
                gap = (frame.width - width) / spaces
        placed.append(Line(text, x, baseline - index * leading * size, gap))
    return placed


def fit_box(text: str, font: Font, frame: Frame, *, size: float, min_size: float, align: str = "left",
            valign: str = "middle", wrap_lines: bool = True, leading: float = 1.2) -> tuple[float, list[Line]]:
    """A field's value in its box: shrink to `min_size` on one line, then wrap, then Overflow."""
    text = text.strip()
    line_em = font.ascent - font.descent
    text_em = font.width(text, 1.0)
    largest = min(size, frame.height / line_em, frame.width / text_em if text_em > 0 else math.inf)
    largest = math.floor(largest * 10 + 1e-9) / 10
    if largest >= min_size:
        return largest, place([text], font, frame, largest, align=align, valign=valign, leading=leading,
                              anchor_size=size)
    if not wrap_lines:
        raise Overflow("too long for its box on one line")
    lines = wrap(text, font, min_size, frame.width)
    top = first_baseline(font, frame, min_size, len(lines), valign=valign, leading=leading, anchor_size=size)
    needed = (frame.top - top) + ((len(lines) - 1) * leading - font.descent) * min_size
    if valign == "middle":
        needed = block_height(font, min_size, len(lines), leading)
    if needed > frame.height + 1e-6:
        raise Overflow(f"too long for its box, even at {min_size:g} pt on {len(lines)} lines")
    return min_size, place(lines, font, frame, min_size, align=align, valign=valign, leading=leading,
                           anchor_size=size)


def fit_paragraph(text: str, font: Font, frame: Frame, *, size: float, min_size: float, align: str = "left",
                  leading: float = 1.3) -> tuple[float, list[Line]]:
    """Running text wrapped in its box, half a point smaller at a time down to `min_size`."""
    current = size
    while True:
        lines = wrap(text, font, current, frame.width)
        if block_height(font, current, len(lines), leading) <= frame.height + 1e-6:
            return current, place(lines, font, frame, current, align=align, valign="top", leading=leading)
        if current <= min_size:
            raise Overflow(f"too long for its box, even at {min_size:g} pt")
        current = max(min_size, current - 0.5)
