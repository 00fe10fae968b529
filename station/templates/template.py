"""A verified bundle turned into a template ready to render: checked, measured, drawn once.

Everything that does not change per document is done here, once: the
manifest is read and cross-checked against the bundle's signed id and
version, the fonts are parsed, every static string is checked against its
font, every box is checked to lie inside the page's margins, the blank
pages are drawn and serialised, and each field box, paragraph and table
cell becomes a plan in PDF points.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from reportlab.lib.units import mm

from station.trust.store import TrustStore
from .blank import CELL_PADDING, build_blank
from .bundle import VerifiedBundle, verify_bundle
from .fields import DataRules
from .fonts import Font, FontError
from .layout import Frame
from .drawing import PageLayout
from .manifest import MANIFEST_FILE, InvalidTemplate, Manifest, parse_manifest
from .pdf import Prefix
from .versions import VersionLedger, check_not_older

MAX_IMAGE_PIXELS = 25_000_000
RGB = tuple[float, float, float]


def rgb(color: str) -> RGB:
    """`#1F3A93` as PDF colour components."""
    return tuple(int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))  # type: ignore[return-value]


@dataclass(frozen=True)
class TextPlan:
    """One field box or table cell: where its value goes and how it may shrink."""

    key: str
    font: str
    frame: Frame
    size: float
    min_size: float
    align: str
    valign: str
    wrap: bool
    leading: float
    color: RGB


@dataclass(frozen=True)
class ParagraphPlan:
    """Running text with placeholders, set per document."""

    text: str
    fields: tuple[str, ...]
    font: str
    frame: Frame
    size: float
    min_size: float
    align: str
    leading: float
    color: RGB


@dataclass(frozen=True)
class CellPlan:
    """The cells of one table column: `{table}.{row}.{column}` for each drawn row."""

    table: str
    column: str
    rows: tuple[TextPlan, ...]


@dataclass(frozen=True)
class PagePlan:
    """What each document draws on one page, over the page's blank."""

    form: int
    boxes: tuple[TextPlan, ...]
    paragraphs: tuple[ParagraphPlan, ...]
    cells: tuple[TextPlan, ...]
    seal: tuple[float, float, float]   # left, bottom, side in points


@dataclass(frozen=True)
class Template:
    """A verified, compiled template: render documents with `render.render_document`."""

    bundle: VerifiedBundle
    manifest: Manifest
    fonts: Mapping[str, Font]
    rules: DataRules
    prefix: Prefix
    media_box: tuple[float, float, float, float]
    pages: tuple[PagePlan, ...]

    def __repr__(self) -> str:
        return f"Template({self.ref})"

    @property
    def id(self) -> str:
        """The template id."""
        return self.manifest.id

    @property
    def version(self) -> int:
        """The template version."""
        return self.manifest.version

    @property
    def ref(self) -> str:
        """`akta-kelahiran@3`."""
        return f"{self.manifest.id}@{self.manifest.version}"


def load_template(folder: str | Path, trust: TrustStore, *, ledger: VersionLedger | None = None,
                  now: datetime | None = None) -> Template:
    """Verify a bundle, refuse a rollback, compile it, then record its version as accepted."""
    bundle = verify_bundle(folder, trust, now=now)
    if ledger is not None:
        check_not_older(ledger, bundle.template, bundle.version)
    template = compile_template(bundle)
    if ledger is not None:
        ledger.record(bundle.template, bundle.version)
    return template


def compile_template(bundle: VerifiedBundle) -> Template:
    """Turn a verified bundle into a Template; InvalidTemplate names the first problem."""
    files = bundle.files
    if MANIFEST_FILE not in files:
        raise InvalidTemplate(f"the bundle has no {MANIFEST_FILE}")
    manifest = parse_manifest(files[MANIFEST_FILE])
    if (manifest.id, manifest.version) != (bundle.template, bundle.version):
        raise InvalidTemplate(f"{MANIFEST_FILE} describes {manifest.id}@{manifest.version} but the bundle"
                              f" is signed as {bundle.ref}")
    fonts = _load_fonts(manifest, files)
    _check_assets(manifest, files)
    _check_static_text(manifest, fonts)
    _check_geometry(manifest)
    prefix, forms, media_box = build_blank(manifest, files, fonts)
    height_pt = manifest.page_size_mm()[1] * mm
    pages = tuple(_plan_page(page, form, height_pt, manifest) for page, form in zip(manifest.pages, forms,
                                                                                    strict=True))
    return Template(bundle=bundle, manifest=manifest, fonts=fonts, rules=DataRules(manifest, _fonts_of(manifest, fonts)),
                    prefix=prefix, media_box=media_box, pages=pages)


def _load_fonts(manifest: Manifest, files: Mapping[str, bytes]) -> dict[str, Font]:
    fonts = {}
    for key, path in manifest.fonts.items():
        if path not in files:
            raise InvalidTemplate(f"font {key}: no file {path} in the bundle")
        try:
            fonts[key] = Font.parse(files[path], path)
        except FontError as err:
            raise InvalidTemplate(f"font {key}: {err}") from None
        if " " not in fonts[key].em_width:
            raise InvalidTemplate(f"font {key} ({path}) has no space character")
    return fonts


def _check_assets(manifest: Manifest, files: Mapping[str, bytes]) -> None:
    if manifest.background is not None:
        data = files.get(manifest.background)
        if data is None:
            raise InvalidTemplate(f"background: no file {manifest.background} in the bundle")
        if not data.startswith(b"%PDF-"):
            raise InvalidTemplate(f"background {manifest.background} is not a PDF")
    for page in manifest.pages:
        for image in page.images:
            data = files.get(image.file)
            if data is None:
                raise InvalidTemplate(f"image: no file {image.file} in the bundle")
            try:
                with Image.open(io.BytesIO(data)) as picture:
                    if picture.format not in ("PNG", "JPEG"):
                        raise InvalidTemplate(f"image {image.file} must be PNG or JPEG, not {picture.format}")
                    if picture.width * picture.height > MAX_IMAGE_PIXELS:
                        raise InvalidTemplate(f"image {image.file} has too many pixels")
                    picture.verify()
            except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
                raise InvalidTemplate(f"image {image.file} cannot be read: {err}") from None


def _check_static_text(manifest: Manifest, fonts: Mapping[str, Font]) -> None:
    def covered(text: str, key: str, where: str) -> None:
        missing = fonts[key].missing(text)
        if missing is not None:
            raise InvalidTemplate(f"{where}: character U+{ord(missing):04X} is not in font {key}")

    first = next(iter(manifest.fonts))
    for page in manifest.pages:
        for text in page.texts:
            covered(text.text, text.font, f"text {text.text[:30]!r}")
        for label in page.labels:
            covered(label.text, label.font, f"label {label.text[:30]!r}")
            covered(label.en, label.en_font or label.font, f"label {label.en[:30]!r}")
        for para in page.paragraphs:
            covered(para.text, para.font, f"paragraph {para.text[:30]!r}")
        for table in page.tables:
            for column in table.columns:
                covered(column.header + column.en, table.header_font or table.font, f"header {column.header!r}")
            if table.numbers:
                covered(table.numbers.header + table.numbers.en + "0123456789",
                        table.header_font or table.font, "number column")
        covered(page.seal.caption, page.seal.caption_font or first, "seal caption")


def _check_geometry(manifest: Manifest) -> None:
    width, height = manifest.page_size_mm()
    setup = manifest.page
    left, top = setup.margin_left, setup.margin_top
    right, bottom = width - setup.margin_right, height - setup.margin_bottom

    def inside(x: float, y: float, w: float, h: float, what: str) -> None:
        tolerance = 0.01
        if x < left - tolerance or y < top - tolerance or x + w > right + tolerance or y + h > bottom + tolerance:
            raise InvalidTemplate(f"{what} ({x:g}, {y:g}, {w:g} x {h:g} mm) reaches outside the page's"
                                  f" margins ({left:g}..{right:g} x {top:g}..{bottom:g} mm)")

    for number, page in enumerate(manifest.pages, 1):
        for box in page.boxes:
            inside(box.x, box.y, box.width, box.height, f"page {number} box {box.field}")
            if box.min_size is not None and box.min_size > box.size:
                raise InvalidTemplate(f"page {number} box {box.field}: min_size exceeds size")
        for para in page.paragraphs:
            inside(para.x, para.y, para.width, para.height, f"page {number} paragraph")
            if para.min_size is not None and para.min_size > para.size:
                raise InvalidTemplate(f"page {number} paragraph: min_size exceeds size")
        for table in page.tables:
            inside(table.x, table.y, table.width, table.height, f"page {number} table {table.table}")
        for image in page.images:
            inside(image.x, image.y, image.width, image.height, f"page {number} image {image.file}")
        seal = page.seal
        inside(seal.x, seal.y, seal.size, seal.size, f"page {number} seal")
        if seal.size < 20:
            raise InvalidTemplate(f"page {number} seal: at least 20 mm wide, to be read back reliably")


def _fonts_of(manifest: Manifest, fonts: Mapping[str, Font]) -> dict[str, list[Font]]:
    """Which fonts draw each field (table columns as `table.*.column`)."""
    found: dict[str, list[Font]] = {}

    def add(key: str, font: str) -> None:
        if fonts[font] not in found.setdefault(key, []):
            found[key].append(fonts[font])

    for page in manifest.pages:
        for box in page.boxes:
            add(box.field, box.font)
        for para in page.paragraphs:
            for name in para.placeholders():
                add(name, para.font)
        for table in page.tables:
            for column in table.columns:
                add(f"{table.table}.*.{column.column}", table.font)
    return found


def _plan_page(page: PageLayout, form: int, height_pt: float, manifest: Manifest) -> PagePlan:
    def frame(x: float, y: float, w: float, h: float) -> Frame:
        return Frame(x * mm, height_pt - y * mm, w * mm, h * mm)

    boxes = tuple(
        TextPlan(key=b.field, font=b.font, frame=frame(b.x, b.y, b.width, b.height), size=b.size,
                 min_size=b.min_size or b.size, align=b.align, valign=b.valign, wrap=b.wrap,
                 leading=b.leading, color=rgb(b.color))
        for b in page.boxes)
    paragraphs = tuple(
        ParagraphPlan(text=p.text, fields=tuple(p.placeholders()), font=p.font,
                      frame=frame(p.x, p.y, p.width, p.height), size=p.size, min_size=p.min_size or p.size,
                      align=p.align, leading=p.leading, color=rgb(p.color))
        for p in page.paragraphs if p.placeholders())
    cells = []
    for table in page.tables:
        x = table.x + (table.numbers.width if table.numbers else 0)
        for column in table.columns:
            size = column.size or table.size
            for row in range(1, table.rows + 1):
                y = table.y + table.header_height + (row - 1) * table.row_height
                cells.append(TextPlan(
                    key=f"{table.table}.{row}.{column.column}", font=table.font,
                    frame=frame(x + CELL_PADDING, y, column.width - 2 * CELL_PADDING, table.row_height),
                    size=size, min_size=min(column.min_size or table.min_size or size, size),
                    align=column.align, valign="middle", wrap=True, leading=1.1, color=(0.0, 0.0, 0.0)))
            x += column.width
    seal = page.seal
    return PagePlan(form=form, boxes=boxes, paragraphs=paragraphs, cells=tuple(cells),
                    seal=(seal.x * mm, height_pt - (seal.y + seal.size) * mm, seal.size * mm))
