"""TrueType fonts: read once from a bundle's bytes, embedded per document as a small subset.

A document embeds only the glyphs it uses, as a CIDFontType2 font with
Identity-H encoding: text is written as two-byte glyph ids, and a ToUnicode
map makes it extractable again. The subset keeps every glyph at its original
id (unused glyphs are empty), so that nothing in the text or in composite
glyphs has to be renumbered: a subset is a few slices of the original font
joined together, cheap enough to build for every document.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from ..errors import StationError


class FontError(StationError):
    """A bundle's font file cannot be used (not TrueType, damaged, or not embeddable)."""


# Tables a subset carries: outlines, metrics and the hinting programs.
_STATIC_TABLES = ("cvt ", "fpgm", "prep")
_REQUIRED_TABLES = ("head", "hhea", "maxp", "hmtx", "loca", "glyf", "cmap")

# Composite glyph flags (OpenType `glyf` table).
_ARG_WORDS, _HAS_SCALE, _MORE, _XY_SCALE, _TWO_BY_TWO = 0x0001, 0x0008, 0x0020, 0x0040, 0x0080

# Subsets carry a multiple of this many glyph slots (see Font.subset).
_COUNT_STEP = 128

# OS/2 fsType bits that forbid embedding a subset.
_RESTRICTED, _NO_SUBSET, _BITMAP_ONLY = 0x0002, 0x0100, 0x0200


def _checksum(data: bytes) -> int:
    """The sfnt checksum: the sum of big-endian uint32 words, zero-padded."""
    if len(data) % 4:
        data += bytes(4 - len(data) % 4)
    return sum(struct.unpack(f">{len(data) // 4}L", data)) & 0xFFFFFFFF


def _pad4(data: bytes) -> bytes:
    return data + bytes(-len(data) % 4)


@dataclass(frozen=True, eq=False)
class Font:
    """One TrueType font: metrics for layout, and glyph data for subsets."""

    name: str                      # PostScript name, as PDF BaseFont
    units_per_em: int
    ascent: float                  # in em (1.0 = the font size)
    descent: float                 # negative, in em
    cap_height: float
    bbox: tuple[int, int, int, int]  # in 1/1000 em
    italic_angle: float
    fixed_pitch: bool
    bold: bool
    glyph_of: dict[int, int]       # code point -> glyph id
    advances: tuple[int, ...]      # per glyph id, font units
    _tables: dict[str, bytes] = field(repr=False)
    _loca: tuple[int, ...] = field(repr=False)
    _num_h_metrics: int = field(repr=False)

    @classmethod
    def parse(cls, data: bytes, where: str = "font") -> Font:
        """Read a TrueType font file; FontError for anything unusable."""
        try:
            return cls._parse(bytes(data))
        except FontError as err:
            raise FontError(f"{where}: {err}") from None
        except (struct.error, IndexError, ValueError, KeyError, UnicodeDecodeError) as err:
            raise FontError(f"{where}: damaged TrueType font ({err})") from None

    @classmethod
    def _parse(cls, data: bytes) -> Font:
        version = data[:4]
        if version == b"OTTO":
            raise FontError("CFF (OpenType PostScript) outlines are not supported; use a TrueType font")
        if version not in (b"\x00\x01\x00\x00", b"true"):
            raise FontError("not a TrueType font file")
        (count,) = struct.unpack_from(">H", data, 4)
        tables: dict[str, bytes] = {}
        for i in range(count):
            tag, _, offset, length = struct.unpack_from(">4sLLL", data, 12 + 16 * i)
            if offset + length > len(data):
                raise FontError(f"table {tag!r} runs past the end of the file")
            tables[tag.decode("latin-1")] = data[offset:offset + length]
        missing = [t for t in _REQUIRED_TABLES if t not in tables]
        if missing:
            raise FontError(f"missing tables {missing}")

        head, hhea, maxp = tables["head"], tables["hhea"], tables["maxp"]
        upem = struct.unpack_from(">H", head, 18)[0]
        if not 16 <= upem <= 16384:
            raise FontError(f"bad unitsPerEm {upem}")
        x_min, y_min, x_max, y_max = struct.unpack_from(">4h", head, 36)
        mac_style = struct.unpack_from(">H", head, 44)[0]
        loca_format = struct.unpack_from(">h", head, 50)[0]
        ascender, descender = struct.unpack_from(">hh", hhea, 4)
        num_h_metrics = struct.unpack_from(">H", hhea, 34)[0]
        num_glyphs = struct.unpack_from(">H", maxp, 4)[0]
        if not 1 <= num_h_metrics <= num_glyphs:
            raise FontError("bad numberOfHMetrics")

        hmtx = tables["hmtx"]
        widths = struct.unpack_from(f">{num_h_metrics * 2}H", hmtx, 0)[0::2]
        advances = tuple(widths) + (widths[-1],) * (num_glyphs - num_h_metrics)

        loca_raw = tables["loca"]
        if loca_format == 0:
            loca = tuple(2 * v for v in struct.unpack_from(f">{num_glyphs + 1}H", loca_raw))
        elif loca_format == 1:
            loca = struct.unpack_from(f">{num_glyphs + 1}L", loca_raw)
        else:
            raise FontError(f"bad indexToLocFormat {loca_format}")
        if any(b < a for a, b in zip(loca, loca[1:], strict=False)) or loca[-1] > len(tables["glyf"]):
            raise FontError("glyph locations are out of order or out of range")

        cap_height, weight = 0.7 * upem, 400
        if "OS/2" in tables:
            os2 = tables["OS/2"]
            fs_type = struct.unpack_from(">H", os2, 8)[0]
            if fs_type & (_RESTRICTED | _NO_SUBSET | _BITMAP_ONLY):
                raise FontError(f"the font's licence bits forbid embedding a subset (fsType {fs_type:#06x})")
            weight = struct.unpack_from(">H", os2, 4)[0]
            typo_asc, typo_desc = struct.unpack_from(">hh", os2, 68)
            if typo_asc > 0:
                ascender, descender = typo_asc, typo_desc
            if struct.unpack_from(">H", os2, 0)[0] >= 2 and len(os2) >= 90:
                cap_height = struct.unpack_from(">h", os2, 88)[0] or cap_height
        italic_angle, fixed = 0.0, False
        if "post" in tables:
            italic_angle = struct.unpack_from(">l", tables["post"], 4)[0] / 65536.0
            fixed = struct.unpack_from(">L", tables["post"], 12)[0] != 0

        glyph_of = {cp: gid for cp, gid in _read_cmap(tables["cmap"]).items() if 0 < gid < num_glyphs}
        scale = 1000.0 / upem
        return cls(
            name=_postscript_name(tables.get("name", b"")) or "Font",
            units_per_em=upem, ascent=ascender / upem, descent=descender / upem,
            cap_height=cap_height / upem,
            bbox=(round(x_min * scale), round(y_min * scale), round(x_max * scale), round(y_max * scale)),
            italic_angle=italic_angle, fixed_pitch=fixed, bold=bool(mac_style & 1) or weight >= 600,
            glyph_of=glyph_of, advances=advances, _tables=tables, _loca=loca,
            _num_h_metrics=num_h_metrics)

    # --- layout -------------------------------------------------------------

    @cached_property
    def em_width(self) -> dict[str, float]:
        """Advance width, in em, of every character the font covers."""
        upem = self.units_per_em
        return {chr(cp): self.advances[gid] / upem for cp, gid in self.glyph_of.items()}

    def width(self, text: str, size: float) -> float:
        """Width of `text` set at `size` points, in points (every character must be covered)."""
        return sum(map(self.em_width.__getitem__, text)) * size

    def missing(self, text: str) -> str | None:
        """The first character of `text` the font has no glyph for, if any."""
        widths = self.em_width
        for char in text:
            if char not in widths:
                return char
        return None

    @cached_property
    def hex_codes(self) -> dict[int, str]:
        """A `str.translate` table: code point -> four hex digits of its glyph id."""
        return {cp: f"{gid:04X}" for cp, gid in self.glyph_of.items()}

    # --- subsets ------------------------------------------------------------

    def glyph_closure(self, gids: Iterable[int]) -> set[int]:
        """`gids` with every glyph their composite glyphs are built from (and glyph 0)."""
        found = {0}
        stack = list(gids)
        while stack:
            gid = stack.pop()
            if gid in found:
                continue
            found.add(gid)
            stack.extend(self._components(gid))
        return found

    def _components(self, gid: int) -> tuple[int, ...]:
        cache = self._component_cache
        if gid not in cache:
            cache[gid] = _composite_parts(self._glyph(gid))
        return cache[gid]

    @cached_property
    def _component_cache(self) -> dict[int, tuple[int, ...]]:
        return {}

    def _glyph(self, gid: int) -> bytes:
        return self._tables["glyf"][self._loca[gid]:self._loca[gid + 1]]

    @cached_property
    def _glyph_cache(self) -> dict[int, tuple[bytes, int]]:
        """Per glyph: its data padded to four bytes, and that data's checksum."""
        return {}

    @cached_property
    def _metric_cache(self) -> dict[int, tuple[tuple[str, bytes, int], ...]]:
        """Per glyph count: the hhea, hmtx and maxp tables of a subset that long, with checksums."""
        return {}

    @cached_property
    def _fixed_tables(self) -> tuple[tuple[str, bytes, int], ...]:
        """Tables every subset carries unchanged: head (long loca offsets) and the hinting programs."""
        head = bytearray(self._tables["head"])
        head[8:12] = bytes(4)                        # checkSumAdjustment: set per subset
        head[50:52] = struct.pack(">h", 1)           # long loca offsets
        fixed = [("head", bytes(head))] + [(tag, self._tables[tag]) for tag in _STATIC_TABLES
                                           if tag in self._tables]
        return tuple((tag, data, _checksum(data)) for tag, data in fixed)

    def _metrics(self, count: int) -> tuple[tuple[str, bytes, int], ...]:
        cached = self._metric_cache.get(count)
        if cached is None:
            metrics = min(self._num_h_metrics, count)
            hmtx = self._tables["hmtx"][:4 * metrics + 2 * (count - metrics)]
            hhea = bytearray(self._tables["hhea"])
            hhea[34:36] = struct.pack(">H", metrics)
            maxp = bytearray(self._tables["maxp"])
            maxp[4:6] = struct.pack(">H", count)
            cached = tuple((tag, bytes(data), _checksum(bytes(data)))
                           for tag, data in (("hhea", hhea), ("hmtx", hmtx), ("maxp", maxp)))
            self._metric_cache[count] = cached
        return cached

    def subset(self, gids: Iterable[int]) -> bytes:
        """A TrueType program holding only `gids` (and what they need), at their original ids.

        Checksums are summed from cached parts: every glyph starts on a
        four-byte boundary, so a table's checksum is the sum of its glyphs'.
        """
        used = sorted(self.glyph_closure(gids))
        # The glyph count is rounded up (empty glyphs cost four bytes each) so
        # that few distinct metric tables are ever cached, whatever text comes.
        count = min(len(self.advances), -(-(used[-1] + 1) // _COUNT_STEP) * _COUNT_STEP)
        cache = self._glyph_cache
        pieces = []
        offsets = [0] * (count + 1)
        position = glyf_sum = 0
        previous = -1
        for gid in used:
            # Glyphs between the previous used one and this one are empty.
            if gid > previous + 1:
                offsets[previous + 1:gid + 1] = [position] * (gid - previous)
            else:
                offsets[gid] = position
            entry = cache.get(gid)
            if entry is None:
                data = _pad4(self._glyph(gid))
                entry = cache[gid] = (data, _checksum(data))
            pieces.append(entry[0])
            glyf_sum += entry[1]
            position += len(entry[0])
            previous = gid
        offsets[previous + 1:] = [position] * (count - previous)
        tables = [("glyf", b"".join(pieces), glyf_sum & 0xFFFFFFFF),
                  ("loca", struct.pack(f">{count + 1}L", *offsets), sum(offsets) & 0xFFFFFFFF)]
        tables.extend(self._fixed_tables)
        tables.extend(self._metrics(count))
        return _sfnt(sorted(tables))

    def subset_tag(self, gids: Iterable[int]) -> str:
        """Six capital letters naming a subset (PDF requires them before a subset's name)."""
        digest = hashlib.sha256(",".join(map(str, sorted(gids))).encode()).digest()
        return "".join(chr(65 + b % 26) for b in digest[:6])


def _composite_parts(glyph: bytes) -> tuple[int, ...]:
    """The glyph ids a composite glyph refers to (empty for a simple glyph)."""
    if len(glyph) < 10 or struct.unpack_from(">h", glyph, 0)[0] >= 0:
        return ()
    parts = []
    at = 10
    while True:
        flags, gid = struct.unpack_from(">HH", glyph, at)
        parts.append(gid)
        at += 4 + (4 if flags & _ARG_WORDS else 2)
        if flags & _HAS_SCALE:
            at += 2
        elif flags & _XY_SCALE:
            at += 4
        elif flags & _TWO_BY_TWO:
            at += 8
        if not flags & _MORE:
            return tuple(parts)


def _sfnt(tables: list[tuple[str, bytes, int]]) -> bytes:
    """An sfnt file from (tag, data, checksum) sorted by tag; head gets its checkSumAdjustment."""
    count = len(tables)
    power = 1
    while power * 2 <= count:
        power *= 2
    header = struct.pack(">LHHHH", 0x00010000, count, power * 16, power.bit_length() - 1,
                         count * 16 - power * 16)
    offset = 12 + 16 * count
    directory, body = [], []
    total = 0
    head_index = -1
    for tag, data, checksum in tables:
        directory.append(struct.pack(">4sLLL", tag.encode("latin-1"), checksum, offset, len(data)))
        if tag == "head":
            head_index = len(body)
        body.append(_pad4(data))
        offset += len(body[-1])
        total += checksum
    front = header + b"".join(directory)
    adjustment = (0xB1B0AFBA - (_checksum(front) + total)) & 0xFFFFFFFF
    if head_index >= 0:
        head = body[head_index]
        body[head_index] = head[:8] + struct.pack(">L", adjustment) + head[12:]
    return front + b"".join(body)


def _read_cmap(cmap: bytes) -> dict[int, int]:
    """Code point -> glyph id from the best Unicode subtable (format 12, else format 4)."""
    (count,) = struct.unpack_from(">H", cmap, 2)
    subtables = {}
    for i in range(count):
        platform, encoding, offset = struct.unpack_from(">HHL", cmap, 4 + 8 * i)
        fmt = struct.unpack_from(">H", cmap, offset)[0]
        subtables[(platform, encoding, fmt)] = offset
    for key in ((3, 10, 12), (0, 4, 12), (0, 6, 12)):
        if key in subtables:
            return _cmap_format12(cmap, subtables[key])
    for key in ((3, 1, 4), (0, 3, 4), (0, 2, 4), (0, 1, 4), (0, 0, 4)):
        if key in subtables:
            return _cmap_format4(cmap, subtables[key])
    raise FontError("no Unicode character map (cmap format 4 or 12)")


def _cmap_format4(cmap: bytes, at: int) -> dict[int, int]:
    seg_count = struct.unpack_from(">H", cmap, at + 6)[0] // 2
    ends = struct.unpack_from(f">{seg_count}H", cmap, at + 14)
    starts_at = at + 16 + 2 * seg_count
    starts = struct.unpack_from(f">{seg_count}H", cmap, starts_at)
    deltas = struct.unpack_from(f">{seg_count}h", cmap, starts_at + 2 * seg_count)
    ranges_at = starts_at + 4 * seg_count
    range_offsets = struct.unpack_from(f">{seg_count}H", cmap, ranges_at)
    result: dict[int, int] = {}
    for i in range(seg_count):
        start, end, delta, range_offset = starts[i], ends[i], deltas[i], range_offsets[i]
        if start == 0xFFFF:
            continue
        for cp in range(start, end + 1):
            if range_offset == 0:
                gid = (cp + delta) & 0xFFFF
            else:
                where = ranges_at + 2 * i + range_offset + 2 * (cp - start)
                gid = struct.unpack_from(">H", cmap, where)[0]
                if gid:
                    gid = (gid + delta) & 0xFFFF
            if gid:
                result[cp] = gid
    return result


def _cmap_format12(cmap: bytes, at: int) -> dict[int, int]:
    (groups,) = struct.unpack_from(">L", cmap, at + 12)
    result: dict[int, int] = {}
    for i in range(groups):
        start, end, first = struct.unpack_from(">LLL", cmap, at + 16 + 12 * i)
        if end - start > 0x10FFFF or end > 0x10FFFF:
            raise FontError("cmap group out of range")
        for offset in range(end - start + 1):
            result[start + offset] = first + offset
    return result


def _postscript_name(table: bytes) -> str | None:
    """The PostScript name (name id 6), reduced to characters a PDF name may carry plainly."""
    if len(table) < 6:
        return None
    count, strings = struct.unpack_from(">HH", table, 2)
    for i in range(count):
        platform, encoding, _, name_id, length, offset = struct.unpack_from(">6H", table, 6 + 12 * i)
        if name_id != 6:
            continue
        raw = table[strings + offset:strings + offset + length]
        text = raw.decode("utf-16-be", "replace") if platform in (0, 3) else raw.decode("latin-1")
        clean = "".join(c for c in text if c.isascii() and (c.isalnum() or c in "-_"))
        if clean:
            return clean[:63]
    return None
