"""Rendering one document: check the data, set the text, seal it, assemble the PDF.

Pure and blocking: nothing here touches the disk or the spool, so the
daemon can run it in a worker thread or process. The caller writes the
returned bytes (atomically). Per document only the field text, its font
subsets, the seal QR, the pages and the metadata are made; the rest is the
template's blank, made once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from reportlab.lib.units import mm

from ..errors import StationError
from station.trust.seal import SEAL_MAX_LENGTH, SealClaims, data_digest, encode_seal
from .fields import FieldError
from .layout import Line, Overflow, fit_box, fit_paragraph
from .drawing import PLACEHOLDER
from .pdf import Objects, add_font, date, number, ref, stream_body, string
from .qr import qr_modules
from .template import RGB, PagePlan, Template, TextPlan

try:
    STATION_VERSION = metadata.version("mpp-station")
except metadata.PackageNotFoundError:  # running from a source tree that was never installed
    STATION_VERSION = "dev"
# A seal module smaller than this does not read back reliably after printing.
MIN_MODULE_MM = 0.33
_ID_MAX = 128


@dataclass(frozen=True)
class Run:
    """Set text: a font, a size, a colour and its positioned lines."""

    font: str
    size: float
    color: RGB
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class RenderedDocument:
    """A rendered document: the PDF's bytes and what the spool records about them."""

    pdf: bytes
    pages: int
    sha256: str
    seal: str


def render_document(template: Template, data: Mapping[str, str], *, document_id: str, station_id: str,
                    station_key: Ed25519PrivateKey, now: datetime | None = None) -> RenderedDocument:
    """The document's PDF; FieldError (naming the field) or StationError when refused."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    _check_id(document_id, "document id")
    _check_id(station_id, "station id")
    values = template.rules.check(data)
    runs = [typeset(template, page, values) for page in template.pages]

    seal_fields = {name: values[name] for name in template.manifest.seal.fields}
    claims = SealClaims(station=station_id, issued_at=int(now.timestamp()), document=document_id,
                        template=template.ref, fields=seal_fields, data_sha256=data_digest(data))
    seal = encode_seal(claims, station_key)
    longest = max(seal_fields, key=lambda k: len(seal_fields[k]))
    if len(seal) > SEAL_MAX_LENGTH:
        raise FieldError(longest, "seal_too_long", f"the seal would be {len(seal)} characters, at most"
                                                   f" {SEAL_MAX_LENGTH}: shorten the sealed fields")
    side, bits = qr_modules(seal)
    smallest = min(page.seal[2] for page in template.pages) / mm / side
    if smallest < MIN_MODULE_MM:
        raise FieldError(longest, "seal_too_long", "the sealed fields make the seal QR too dense to read"
                                                   " back reliably: shorten them")

    objects = Objects(template.prefix)
    chars: dict[str, set[str]] = {}
    for page_runs in runs:
        for run in page_runs:
            used = chars.setdefault(run.font, set())
            for line in run.lines:
                used.update(line.text)
    font_refs = {key: add_font(objects, template.fonts[key], sorted(used)) for key, used in chars.items()}
    qr = objects.add(stream_body(bits, b"/Type/XObject/Subtype/Image/Width %d/Height %d/ColorSpace/DeviceGray"
                                       b"/BitsPerComponent 1/Interpolate false" % (side, side)))
    fonts_dict = b"".join(b"/F%d %b" % (i, ref(num)) for i, num in enumerate(font_refs.values()))
    font_names = {key: i for i, key in enumerate(font_refs)}
    box = " ".join(number(v) for v in template.media_box).encode()

    pages_num = objects.reserve()
    kids = []
    for plan, page_runs in zip(template.pages, runs, strict=True):
        content = _content(plan, page_runs, font_names, template)
        content_num = objects.add(stream_body(content))
        kids.append(objects.add(
            b"<</Type/Page/Parent %b/MediaBox[%b]/Resources<</XObject<</B %b/Q %b>>/Font<<%b>>"
            b"/ProcSet[/PDF/Text/ImageB]>>/Contents %b>>"
            % (ref(pages_num), box, ref(plan.form), ref(qr), fonts_dict, ref(content_num))))
    objects.put(pages_num, b"<</Type/Pages/Kids[%b]/Count %d>>" % (b" ".join(map(ref, kids)), len(kids)))
    manifest = template.manifest
    catalog = objects.add(b"<</Type/Catalog/Pages %b/Lang%b>>" % (ref(pages_num), string(manifest.language)))
    info = objects.add(
        b"<</Title%b/Subject%b/Creator(MPP Station)/Producer%b/CreationDate%b/ModDate%b"
        b"/DocumentId%b/TemplateId%b/TemplateVersion%b/StationId%b>>"
        % (string(manifest.title), string(manifest.subject or manifest.title),
           string(f"MPP Station {STATION_VERSION}"), date(now), date(now), string(document_id),
           string(manifest.id), string(str(manifest.version)), string(station_id)))
    file_id = hashlib.sha256(f"{document_id}\n{template.ref}\n{station_id}\n{claims.issued_at}".encode()).digest()
    pdf = objects.assemble(catalog, info, file_id[:16])
    return RenderedDocument(pdf=pdf, pages=len(kids), sha256=hashlib.sha256(pdf).hexdigest(), seal=seal)


def typeset(template: Template, plan: PagePlan, values: Mapping[str, str]) -> list[Run]:
    """Every field box, paragraph and table cell of one page, set; FieldError on overflow."""
    runs = []
    fonts = template.fonts
    for box in plan.boxes + plan.cells:
        value = values.get(box.key)
        if value:
            runs.append(_set_box(box, value, template))
    for para in plan.paragraphs:
        text = PLACEHOLDER.sub(lambda m: values.get(m[1], ""), para.text)
        text = " ".join(text.split(" "))
        try:
            size, lines = fit_paragraph(text, fonts[para.font], para.frame, size=para.size,
                                        min_size=para.min_size, align=para.align, leading=para.leading)
        except Overflow as err:
            longest = max(para.fields, key=lambda k: len(values.get(k, "")))
            raise FieldError(longest, "overflow", f"the paragraph holding it is {err}") from None
        runs.append(Run(para.font, size, para.color, tuple(lines)))
    return runs


def _set_box(box: TextPlan, value: str, template: Template) -> Run:
    try:
        size, lines = fit_box(value, template.fonts[box.font], box.frame, size=box.size, min_size=box.min_size,
                              align=box.align, valign=box.valign, wrap_lines=box.wrap, leading=box.leading)
    except Overflow as err:
        raise FieldError(box.key, "overflow", str(err)) from None
    return Run(box.font, size, box.color, tuple(lines))


def _content(plan: PagePlan, runs: list[Run], font_names: Mapping[str, int], template: Template) -> bytes:
    """A page's content stream: the blank, the text, the seal QR."""
    out = ["q /B Do Q\nBT\n"]
    for run in runs:
        font = template.fonts[run.font]
        codes = font.hex_codes
        size = number(run.size)
        out.append(f"/F{font_names[run.font]} {size} Tf {number(run.color[0])} {number(run.color[1])}"
                   f" {number(run.color[2])} rg\n")
        space = " ".translate(codes)
        for line in run.lines:
            position = f"1 0 0 1 {line.x:.2f} {line.y:.2f} Tm "
            if line.gap:
                shift = number(-line.gap * 1000 / run.size)
                words = f"{space}> {shift} <".join(w.translate(codes) for w in line.text.split(" "))
                out.append(f"{position}[<{words}>] TJ\n")
            else:
                out.append(f"{position}<{line.text.translate(codes)}> Tj\n")
    left, bottom, side = plan.seal
    out.append(f"ET\nq {side:.2f} 0 0 {side:.2f} {left:.2f} {bottom:.2f} cm /Q Do Q\n")
    return "".join(out).encode("ascii")


def _check_id(value: object, what: str) -> None:
    if not isinstance(value, str) or not value or len(value) > _ID_MAX or not value.isprintable():
        raise StationError(f"{what} must be printable text of 1 to {_ID_MAX} characters", exit_code=1)
