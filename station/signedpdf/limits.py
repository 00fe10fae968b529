"""Limits and hostile-content checks for a PDF from outside, before and after it is parsed.

Two passes, cheapest first:
- `prescan` looks at the raw bytes only: the size, the header, how many
  objects the file spells out, encryption, and names that have no place in
  a document to print (JavaScript, embedded files, launch actions, XFA).
  Names may be written with `#xx` escapes; they are decoded before the
  comparison. What an object stream hides from this pass, the next finds.
- `inspect` walks the parsed file (pyHanko's reader, whose stream decoding
  is bounded for untrusted input): the number of objects in its
  cross-reference sections before resolving any, then every object's keys
  and name values, then the page tree (bounded, cycles refused).

A refusal is a `PdfRefused` with `pdf_too_large`, `pdf_malformed` or `pdf_hostile`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from .verdict import PdfRefused

# Names whose presence makes a PDF hostile for a print station: active content, files inside the
# file, actions that reach outside it, and encryption (the station prints what it verified).
HOSTILE_NAMES = frozenset({
    "JavaScript", "JS", "EmbeddedFile", "EmbeddedFiles", "FileAttachment", "Launch", "RichMedia", "XFA",
    "GoToE", "ImportData", "SubmitForm", "Encrypt",
})

# The raw pass skips `JS`: two letters turn up by chance in compressed stream bytes, and a
# JavaScript action names `/JavaScript` as well. The parsed pass checks every name.
_RAW_HOSTILE = HOSTILE_NAMES - {"JS"}
_NAME = re.compile(rb"/([^\x00\t\n\f\r ()<>\[\]{}/%]{1,127})")
_OBJ = re.compile(rb"(?<![0-9])[0-9]{1,10}[ \t\r\n\f\x00]+[0-9]{1,5}[ \t\r\n\f\x00]+obj\b")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
MAX_TREE_DEPTH = 64


@dataclass(frozen=True)
class Limits:
    """How much a signed PDF may hold."""

    max_bytes: int = 8 * 1024 * 1024
    max_pages: int = 50
    max_objects: int = 20_000


def _decoded(name: bytes) -> str:
    return _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), name).decode("latin-1")


def prescan(data: bytes, limits: Limits) -> None:
    """Refuse on the raw bytes alone: too large, not a PDF, too many objects, hostile names."""
    if len(data) > limits.max_bytes:
        raise PdfRefused("pdf_too_large", f"{len(data)} bytes, over the limit of {limits.max_bytes}")
    if not data.startswith(b"%PDF-"):
        raise PdfRefused("pdf_malformed", "not a PDF (no %PDF- header)")
    objects = sum(1 for _ in _OBJ.finditer(data))
    if objects > limits.max_objects:
        raise PdfRefused("pdf_hostile", f"{objects} objects, over the limit of {limits.max_objects}")
    for match in _NAME.finditer(data):
        name = _decoded(match.group(1))
        if name in _RAW_HOSTILE:
            raise PdfRefused("pdf_hostile", _hostile_message(name))


def _hostile_message(name: str) -> str:
    if name == "Encrypt":
        return "the PDF is encrypted"
    if name in ("EmbeddedFile", "EmbeddedFiles", "FileAttachment"):
        return "the PDF carries embedded files"
    if name in ("JavaScript", "JS"):
        return "the PDF carries JavaScript"
    return f"the PDF carries active content (/{name})"


def inspect(reader: PdfFileReader, limits: Limits) -> int:
    """Walk the parsed PDF: object count, hostile keys and names, encryption; returns the page count."""
    if reader.encrypted or "/Encrypt" in reader.trailer:
        raise PdfRefused("pdf_hostile", "the PDF is encrypted")
    refs: set[generic.Reference] = set()
    for revision in range(reader.xrefs.total_revisions):
        refs |= reader.xrefs.explicit_refs_in_revision(revision)
        if len(refs) > limits.max_objects:
            raise PdfRefused("pdf_hostile", f"over {limits.max_objects} objects")
    for ref in refs:
        _check_object(reader.get_object(ref))
    return _count_pages(reader, limits)


def _check_object(obj: Any) -> None:
    """Hostile keys or name values anywhere in one object (nested arrays and dicts, iteratively)."""
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, generic.DictionaryObject):  # streams are dictionaries too
            for key in item:
                if key[1:] in HOSTILE_NAMES:
                    raise PdfRefused("pdf_hostile", _hostile_message(key[1:]))
            stack.extend(item.raw_get(key) for key in item)
        elif isinstance(item, generic.ArrayObject):
            stack.extend(item.raw_get(index) for index in range(len(item)))
        elif isinstance(item, generic.NameObject) and item[1:] in HOSTILE_NAMES:
            raise PdfRefused("pdf_hostile", _hostile_message(item[1:]))


def _count_pages(reader: PdfFileReader, limits: Limits) -> int:
    """Leaf pages of the page tree, walked with a depth bound and a guard against cycles."""
    pages = 0
    seen: set[int] = set()
    stack: list[tuple[Any, int]] = [(reader.root.raw_get("/Pages"), 0)]
    while stack:
        ref, depth = stack.pop()
        if isinstance(ref, generic.IndirectObject):
            if ref.idnum in seen:
                raise PdfRefused("pdf_malformed", "the page tree has a cycle")
            seen.add(ref.idnum)
        node = ref.get_object() if isinstance(ref, generic.IndirectObject) else ref
        if depth > MAX_TREE_DEPTH or not isinstance(node, generic.DictionaryObject):
            raise PdfRefused("pdf_malformed", "the page tree is not a tree of dictionaries")
        kind = node.get("/Type")
        if kind == "/Page":
            pages += 1
            if pages > limits.max_pages:
                raise PdfRefused("pdf_too_large", f"more than {limits.max_pages} pages")
        elif kind == "/Pages" and isinstance(node.get("/Kids"), generic.ArrayObject):
            kids = node["/Kids"]
            stack.extend((kids.raw_get(i), depth + 1) for i in range(len(kids)))
        else:
            raise PdfRefused("pdf_malformed", "a page tree node is neither /Pages nor /Page")
    if pages == 0:
        raise PdfRefused("pdf_malformed", "the PDF has no pages")
    return pages
