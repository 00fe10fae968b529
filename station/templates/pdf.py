"""Just enough PDF syntax to assemble a document from prepared parts.

A rendered document is the template's blank (every page's unchanging
content, serialised once as numbered objects) followed by the few objects
that change per document: the field text, its font subsets, the seal QR,
the pages and the metadata. Writing those directly, instead of running a
general PDF library per document, is what makes rendering fast.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pypdf import generic

from .fonts import Font

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
_NAME_PLAIN = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.+*")


def name(text: str) -> bytes:
    """A PDF name object (`/Title`), escaping what a name may not hold plainly."""
    raw = text.encode("utf-8")
    return b"/" + b"".join(bytes([c]) if c in _NAME_PLAIN else b"#%02X" % c for c in raw)


def string(text: str) -> bytes:
    """A PDF text string: a literal for printable ASCII, else UTF-16BE with a byte-order mark."""
    if text.isascii() and text.isprintable():
        return b"(" + text.encode("ascii").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(
            b")", b"\\)") + b")"
    return b"<FEFF" + text.encode("utf-16-be", "surrogatepass").hex().upper().encode() + b">"


def number(value: float) -> str:
    """A PDF number, short: `12`, `12.5`, `0.125`."""
    if value == int(value):
        return str(int(value))
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def date(moment: datetime) -> bytes:
    """A PDF date string in UTC: `(D:20260101120000Z)`."""
    return b"(" + moment.astimezone(UTC).strftime("D:%Y%m%d%H%M%SZ").encode() + b")"


def ref(num: int) -> bytes:
    """An indirect reference `12 0 R`."""
    return b"%d 0 R" % num


def stream_body(data: bytes, entries: bytes = b"", *, compress: bool = True, level: int = 6) -> bytes:
    """A stream object's body: its dictionary, then the (Flate-compressed) data."""
    if compress:
        data = zlib.compress(data, level)
        entries += b"/Filter/FlateDecode"
    return b"<<%b/Length %d>>stream\n%b\nendstream" % (entries, len(data), data)


@dataclass(frozen=True)
class Prefix:
    """Objects serialised once and shared by every document: numbers 1 .. next_number - 1."""

    data: bytes
    offsets: tuple[int, ...]   # of each object, relative to the start of `data`

    @property
    def next_number(self) -> int:
        """The first object number free for a document's own objects."""
        return len(self.offsets) + 1


class Objects:
    """The objects of one document, numbered after the shared prefix."""

    def __init__(self, prefix: Prefix) -> None:
        self.prefix = prefix
        self._bodies: list[bytes | None] = []

    def reserve(self) -> int:
        """A number for an object whose body is written later with `put`."""
        self._bodies.append(None)
        return self.prefix.next_number + len(self._bodies) - 1

    def put(self, num: int, body: bytes) -> None:
        """Set the body of a reserved object."""
        self._bodies[num - self.prefix.next_number] = body

    def add(self, body: bytes) -> int:
        """A new object; returns its number."""
        self._bodies.append(body)
        return self.prefix.next_number + len(self._bodies) - 1

    def assemble(self, root: int, info: int, file_id: bytes) -> bytes:
        """The complete file: header, shared prefix, own objects, cross-reference table, trailer."""
        out = [HEADER, self.prefix.data]
        base = len(HEADER)
        offsets = [base + o for o in self.prefix.offsets]
        position = base + len(self.prefix.data)
        first = self.prefix.next_number
        for index, body in enumerate(self._bodies):
            if body is None:
                raise ValueError(f"object {first + index} was reserved but never written")
            chunk = b"%d 0 obj\n%b\nendobj\n" % (first + index, body)
            offsets.append(position)
            out.append(chunk)
            position += len(chunk)
        size = len(offsets) + 1
        xref = [b"xref\n0 %d\n0000000000 65535 f \n" % size]
        xref.extend(b"%010d 00000 n \n" % o for o in offsets)
        id_hex = file_id.hex().upper().encode()
        trailer = (b"trailer\n<</Size %d/Root %b/Info %b/ID[<%b><%b>]>>\nstartxref\n%d\n%%%%EOF\n"
                   % (size, ref(root), ref(info), id_hex, id_hex, position))
        return b"".join(out) + b"".join(xref) + trailer


# --- fonts ------------------------------------------------------------------

_TO_UNICODE_HEAD = (b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
                    b"/CIDSystemInfo <</Registry (Adobe) /Ordering (UCS) /Supplement 0>> def\n"
                    b"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
                    b"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
_TO_UNICODE_TAIL = b"endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"


def to_unicode(glyph_chars: dict[int, str]) -> bytes:
    """A ToUnicode CMap: glyph id -> the character it was drawn for."""
    out = [_TO_UNICODE_HEAD]
    items = sorted(glyph_chars.items())
    for start in range(0, len(items), 100):
        chunk = items[start:start + 100]
        out.append(b"%d beginbfchar\n" % len(chunk))
        out.extend(b"<%04X> <%b>\n" % (gid, char.encode("utf-16-be", "surrogatepass").hex().upper().encode())
                   for gid, char in chunk)
        out.append(b"endbfchar\n")
    out.append(_TO_UNICODE_TAIL)
    return b"".join(out)


def add_font(objects: Objects, font: Font, chars: Iterable[str]) -> int:
    """Embed the subset of `font` that draws `chars`; returns the Type0 font's object number."""
    glyph_chars: dict[int, str] = {}
    glyph_of = font.glyph_of
    for char in chars:
        glyph_chars.setdefault(glyph_of[ord(char)], char)
    program = font.subset(glyph_chars)
    base = name(f"{font.subset_tag(glyph_chars)}+{font.name}")
    file_num = objects.add(stream_body(program, b"/Length1 %d" % len(program)))
    flags = (1 if font.fixed_pitch else 0) | 32 | (64 if font.italic_angle else 0)
    descriptor = (b"<</Type/FontDescriptor/FontName%b/Flags %d/FontBBox[%d %d %d %d]/ItalicAngle %s"
                  b"/Ascent %d/Descent %d/CapHeight %d/StemV %d/FontFile2 %b>>"
                  % (base, flags, *font.bbox, number(font.italic_angle).encode(),
                     round(font.ascent * 1000), round(font.descent * 1000),
                     round(font.cap_height * 1000), 120 if font.bold else 80, ref(file_num)))
    descriptor_num = objects.add(descriptor)
    scale = 1000.0 / font.units_per_em
    widths = b" ".join(b"%d[%d]" % (gid, round(font.advances[gid] * scale)) for gid in sorted(glyph_chars))
    cid_num = objects.add(
        b"<</Type/Font/Subtype/CIDFontType2/BaseFont%b/CIDSystemInfo<</Registry(Adobe)/Ordering(Identity)"
        b"/Supplement 0>>/FontDescriptor %b/DW %d/W[%b]/CIDToGIDMap/Identity>>"
        % (base, ref(descriptor_num), round(font.advances[0] * scale), widths))
    unicode_num = objects.add(stream_body(to_unicode(glyph_chars)))
    return objects.add(b"<</Type/Font/Subtype/Type0/BaseFont%b/Encoding/Identity-H/DescendantFonts[%b]"
                       b"/ToUnicode %b>>" % (base, ref(cid_num), ref(unicode_num)))


# --- importing pages drawn elsewhere -----------------------------------------

def pages_as_forms(pages: Sequence[Any]) -> tuple[Prefix, list[int], list[tuple[float, float, float, float]]]:
    """Each pypdf page as a Form XObject, serialised with everything it uses, numbered from 1.

    Returns the prefix, the form's object number per page, and each page's
    media box.
    """
    numbers: dict[tuple[int, int], int] = {}
    bodies: list[bytes | None] = []
    pending: list[tuple[int, Any]] = []

    def number_of(indirect: generic.IndirectObject) -> int:
        key = (indirect.idnum, indirect.generation)
        if key not in numbers:
            bodies.append(None)
            numbers[key] = len(bodies)
            pending.append((len(bodies), indirect.get_object()))
        return numbers[key]

    def write(value: Any, out: io.BytesIO) -> None:
        if isinstance(value, generic.IndirectObject):
            out.write(ref(number_of(value)))
        elif isinstance(value, generic.StreamObject):
            raise ValueError("a stream must be an indirect object")
        elif isinstance(value, generic.DictionaryObject):
            out.write(b"<<")
            for key, inner in value.items():
                out.write(name(str(key)[1:]) + b" ")
                write(inner, out)
            out.write(b">>")
        elif isinstance(value, generic.ArrayObject):
            out.write(b"[")
            for i, inner in enumerate(value):
                if i:
                    out.write(b" ")
                write(inner, out)
            out.write(b"]")
        else:
            value.write_to_stream(out)

    def write_object(value: Any) -> bytes:
        out = io.BytesIO()
        if isinstance(value, generic.StreamObject):
            # `_data` holds the bytes as stored, matching the stream's own /Filter.
            data = value._data  # noqa: SLF001 - pypdf keeps encoded stream bytes here
            out.write(b"<<")
            for key, inner in value.items():
                if key == "/Length":
                    continue
                out.write(name(str(key)[1:]) + b" ")
                write(inner, out)
            out.write(b"/Length %d>>stream\n" % len(data))
            out.write(data)
            out.write(b"\nendstream")
        else:
            write(value, out)
        return out.getvalue()

    forms: list[int] = []
    boxes: list[tuple[float, float, float, float]] = []
    for page in pages:
        box = tuple(float(v) for v in page.mediabox)
        content = page.get_contents()
        data = content.get_data() if content is not None else b""
        resources = page.get("/Resources", generic.DictionaryObject())
        out = io.BytesIO()
        write(resources.get_object() if isinstance(resources, generic.IndirectObject) else resources, out)
        bodies.append(None)
        form_num = len(bodies)
        bodies[form_num - 1] = stream_body(
            data, b"/Type/XObject/Subtype/Form/BBox[%b]/Resources %b"
            % (" ".join(number(v) for v in box).encode(), out.getvalue()))
        forms.append(form_num)
        boxes.append(box)  # type: ignore[arg-type]
        while pending:
            num, value = pending.pop()
            bodies[num - 1] = write_object(value)

    chunks, offsets, position = [], [], 0
    for index, body in enumerate(bodies):
        chunk = b"%d 0 obj\n%b\nendobj\n" % (index + 1, body)
        offsets.append(position)
        chunks.append(chunk)
        position += len(chunk)
    return Prefix(data=b"".join(chunks), offsets=tuple(offsets)), forms, boxes

