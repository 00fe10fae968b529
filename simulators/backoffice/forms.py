"""Filling a template's fields with a fictional case, the field names read from the template itself.

Each template ships a fictional example (`templates/examples/<id>.json`):
its keys are the fields to fill (`TABLE.N.COLUMN` for table rows). When the
bundle's manifest is there too, it adds what it knows (digits-only fields,
maximum lengths, how many table rows). Each field gets a generated value
chosen by what its name says (`nik`, `nama_ayah`, `tanggal_lahir`,
`alamat`, `nib`, ...); a field whose name says nothing known keeps the
example's (fictional) value.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .citizens import ORDINALS, Activity, Case, Citizens, Person, indonesian_date

log = logging.getLogger("simulators.backoffice.forms")

_TABLE_KEY = re.compile(r"^([a-z][a-z0-9_]*)\.([1-9][0-9]*)\.([a-z][a-z0-9_]*)$")


@dataclass(frozen=True)
class Table:
    """A table of the form: its columns in order and its row limits."""

    name: str
    columns: tuple[str, ...]
    max_rows: int
    min_rows: int = 1


@dataclass(frozen=True)
class Form:
    """What one template asks for: scalar fields, tables, the example, known limits."""

    template: str
    version: int
    title: str
    fields: tuple[str, ...]
    tables: tuple[Table, ...]
    example: dict[str, str]
    digits: frozenset[str] = frozenset()
    max_length: dict[str, int] = field(default_factory=dict)

    @property
    def child_subject(self) -> bool:
        """A birth certificate is about a child."""
        return any(word in self.template for word in ("kelahiran", "lahir", "birth"))


def load_forms(templates_dir: Path) -> dict[str, Form]:
    """Every template found in `templates_dir`, by id: from its example, its manifest, or both."""
    names = {p.stem for p in (templates_dir / "examples").glob("*.json")}
    names |= {p.parent.name for p in templates_dir.glob("*/template.toml") if p.parent.name != "examples"}
    forms: dict[str, Form] = {}
    for name in sorted(names):
        try:
            forms[name] = load_form(templates_dir, name)
        except (OSError, ValueError) as err:
            log.warning("template %s skipped: %s", name, err)
    return forms


def load_form(templates_dir: Path, template: str) -> Form:
    """The form of one template, from its example and (when present) its manifest."""
    manifest = _manifest(templates_dir / template)
    path = templates_dir / "examples" / f"{template}.json"
    if not path.exists():
        if manifest is None:
            raise ValueError("neither an example nor a manifest")
        return form_from_example(template, {}, manifest=manifest)
    raw = json.loads(path.read_text(encoding="utf-8"))
    data = raw.get("data") if isinstance(raw, dict) and isinstance(raw.get("data"), dict) else raw
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ValueError("an example is an object of text fields (or a document with one in 'data')")
    version = (raw.get("template_version") or raw.get("version")) if data is not raw else None
    return form_from_example(template, data, version=version, manifest=manifest)


def form_from_example(template: str, data: dict[str, str], *, version: int | None = None,
                      manifest: Any = None) -> Form:
    """The form an example's keys describe, refined by the template's manifest when given."""
    fields: list[str] = []
    columns: dict[str, list[str]] = {}
    rows: dict[str, int] = {}
    for key in data:
        match = _TABLE_KEY.match(key)
        if match is None:
            fields.append(key)
            continue
        table, row, column = match.group(1), int(match.group(2)), match.group(3)
        if column not in columns.setdefault(table, []):
            columns[table].append(column)
        rows[table] = max(rows.get(table, 0), row)
    digits: set[str] = set()
    max_length: dict[str, int] = {}
    limits: dict[str, tuple[int, int]] = {}
    title = template.replace("-", " ").title()
    if manifest is not None:
        version = version or manifest.version
        title = manifest.title
        for spec in manifest.fields:
            if spec.name not in fields and (spec.required or not data):
                fields.append(spec.name)
            _limits(spec, spec.name, digits, max_length)
        for table_spec in manifest.tables:
            limits[table_spec.name] = (table_spec.min_rows, table_spec.max_rows)
            names = columns.setdefault(table_spec.name, [])
            for column in table_spec.columns:
                if column.name not in names:
                    names.append(column.name)
                _limits(column, f"{table_spec.name}.{column.name}", digits, max_length)
    tables = tuple(Table(name, tuple(cols), max_rows=limits.get(name, (1, max(rows.get(name, 1), 10)))[1],
                         min_rows=max(1, limits.get(name, (1, 1))[0])) for name, cols in columns.items())
    return Form(template=template, version=int(version or 1), title=title, fields=tuple(fields),
                tables=tables, example=dict(data), digits=frozenset(digits), max_length=max_length)


def _manifest(bundle: Path) -> Any:
    """The bundle's parsed manifest, or None (no bundle, or the template module is not there)."""
    path = bundle / "template.toml"
    if not path.exists():
        return None
    try:
        from station.templates.manifest import parse_manifest
    except ImportError:
        return None
    try:
        return parse_manifest(path.read_bytes(), str(path))
    except Exception as err:  # noqa: BLE001 - a broken bundle: fill from the example alone
        log.warning("manifest %s not used: %s", path, err)
        return None


def _limits(spec: Any, key: str, digits: set[str], max_length: dict[str, int]) -> None:
    if getattr(spec, "kind", "text") == "digits":
        digits.add(key)
    max_length[key] = getattr(spec, "max_length", 200)


# --- values by what a field's name says --------------------------------------

@dataclass(frozen=True)
class Row:
    """Whom or what one value is about: the document's person (or a table row's member) and activity."""

    person: Person
    activity: Activity


Make = Callable[["_Filler", Row, set[str]], str]


def _any(*words: str) -> Callable[[set[str]], bool]:
    return lambda tokens: any(w in tokens for w in words)


def _all(*words: str) -> Callable[[set[str]], bool]:
    return lambda tokens: all(w in tokens for w in words)


def _who(filler: _Filler, row: Row, tokens: set[str]) -> Person:
    """Whose value a field asks for: the head of the family's, the owner's, or the row's person."""
    if "kepala" in tokens and "keluarga" in tokens:
        return filler.case.family[0]
    return row.person


def _name(filler: _Filler, row: Row, tokens: set[str]) -> str:
    case = filler.case
    if tokens & {"usaha", "perusahaan", "badan", "toko", "business", "company"}:
        return case.business.name
    if tokens & {"pejabat", "petugas", "pencatat", "official", "dinas"}:
        return case.official.name
    person = _who(filler, row, tokens)
    if "ayah" in tokens or "father" in tokens:
        return person.father_name
    if "ibu" in tokens or "mother" in tokens:
        return person.mother_name
    return person.name


def _date(filler: _Filler, row: Row, tokens: set[str]) -> str:
    if "lahir" in tokens or "birth" in tokens:
        return indonesian_date(_who(filler, row, tokens).birth_date)
    return indonesian_date(filler.case.issued_on)


def _address(filler: _Filler, row: Row, tokens: set[str]) -> str:
    return filler.case.address.line() if filler.split_address else filler.case.address.full()


# First match wins: more specific names before general ones.
RULES: tuple[tuple[Callable[[set[str]], bool], Make], ...] = (
    (_any("nip"), lambda f, r, t: f.case.official.nip),
    (_any("nik"), lambda f, r, t: _who(f, r, t).nik),
    (lambda t: "kk" in t or {"kartu", "keluarga"} <= t or ("keluarga" in t and bool(t & {"no", "nomor"})),
     lambda f, r, t: f.case.family_number),
    (_any("nib"), lambda f, r, t: f.case.business.nib),
    (_any("npwp"), lambda f, r, t: f.case.business.npwp),
    (_any("kbli"), lambda f, r, t: r.activity.kbli),
    (_any("judul", "title"), lambda f, r, t: r.activity.title),
    (_any("risiko", "risk"), lambda f, r, t: r.activity.risk),
    (_any("lokasi", "location"), lambda f, r, t: r.activity.location),
    (_any("akta", "registrasi", "register"), lambda f, r, t: f.case.act_number),
    (lambda t: ("tempat" in t and ("lahir" in t or "birth" in t)) or "birthplace" in t,
     lambda f, r, t: _who(f, r, t).birth_place),
    (_any("tanggal", "tgl", "date"), _date),
    (_any("nama", "name"), _name),
    (_any("kelamin", "sex", "gender"), lambda f, r, t: r.person.sex),
    (_any("agama", "religion"), lambda f, r, t: r.person.religion),
    (_any("pekerjaan", "occupation", "job"), lambda f, r, t: r.person.job),
    (_any("pendidikan", "education"), lambda f, r, t: r.person.education),
    (_any("perkawinan", "kawin", "marital"), lambda f, r, t: r.person.marital),
    (_any("hubungan", "shdk", "relation"), lambda f, r, t: r.person.relation),
    (_any("kewarganegaraan", "warga", "nationality"), lambda f, r, t: "WNI"),
    (_any("darah", "blood"), lambda f, r, t: r.person.blood_type),
    (_all("anak", "ke"), lambda f, r, t: f.citizens.rng.choice(ORDINALS[:4])),
    (_all("rt", "rw"), lambda f, r, t: f"{f.case.address.rt}/{f.case.address.rw}"),
    (_any("rt"), lambda f, r, t: f.case.address.rt),
    (_any("rw"), lambda f, r, t: f.case.address.rw),
    (_any("kelurahan", "desa", "village"), lambda f, r, t: f.case.address.village),
    (_any("kecamatan", "district"), lambda f, r, t: f.case.address.district),
    (_any("kabupaten", "kota", "city", "regency"), lambda f, r, t: f.case.address.city),
    (_any("provinsi", "province"), lambda f, r, t: f.case.address.province),
    (_all("kode", "pos"), lambda f, r, t: f.case.address.postcode),
    (_any("alamat", "address"), _address),
    (_any("skala", "scale"), lambda f, r, t: f.case.business.scale),
    (_any("modal", "capital", "investasi"), lambda f, r, t: f.case.business.capital),
    (lambda t: bool(t & {"kegiatan", "bidang", "activity"}) or {"jenis", "usaha"} <= t,
     lambda f, r, t: r.activity.title),
    (_any("tempat", "place"), lambda f, r, t: f.case.address.city),
    (_any("pejabat", "petugas", "official"), lambda f, r, t: f.case.official.name),
)


class _Filler:
    """Fills one form for one case."""

    def __init__(self, form: Form, case: Case, citizens: Citizens) -> None:
        self.form = form
        self.case = case
        self.citizens = citizens
        # With separate RT/RW/village fields, `alamat` is the street line only.
        self.split_address = any(_tokens(n) & {"rt", "kelurahan", "desa", "kecamatan"} for n in form.fields)

    def value(self, key: str, name: str, row: Row, example: str | None) -> str:
        """The value for field `key` (named `name`), in the example's letter case, within its limits."""
        tokens = _tokens(name)
        for matches, make in RULES:
            if matches(tokens):
                text = make(self, row, tokens)
                break
        else:
            text = example if example is not None else "-"
        if example is not None and example.isupper():
            text = text.upper()  # the template's example writes this field in capitals
        if key in self.form.digits:
            text = "".join(ch for ch in text if ch.isdigit()) or "0"
        limit = self.form.max_length.get(key)
        return text[:limit] if limit else text


def _tokens(name: str) -> set[str]:
    return {t for t in re.split(r"[_.\-]+", name.lower()) if t}


def _about_activities(table: Table) -> bool:
    """A table of business activities (KBLI rows) rather than of people."""
    return any(_tokens(c) & {"kbli", "judul", "risiko"} for c in table.columns)


def fill(form: Form, citizens: Citizens) -> dict[str, str]:
    """A document's data for `form`: a fresh fictional case, every field of the example filled."""
    rows = {t.name: citizens.rng.randint(t.min_rows, t.max_rows) for t in form.tables}
    people = [rows[t.name] for t in form.tables if not _about_activities(t)]
    activities = [rows[t.name] for t in form.tables if _about_activities(t)]
    case = citizens.case(family_size=max(people, default=None), activities=max(activities, default=None),
                         child=form.child_subject)
    filler = _Filler(form, case, citizens)
    subject = Row(case.person, case.business.activities[0])
    data = {name: filler.value(name, name, subject, form.example.get(name)) for name in form.fields}
    for table in form.tables:
        for number in range(1, rows[table.name] + 1):
            row = Row(case.family[(number - 1) % len(case.family)],
                      case.business.activities[(number - 1) % len(case.business.activities)])
            for column in table.columns:
                example = form.example.get(f"{table.name}.{number}.{column}",
                                           form.example.get(f"{table.name}.1.{column}"))
                data[f"{table.name}.{number}.{column}"] = filler.value(f"{table.name}.{column}", column, row,
                                                                       example)
    return data


# Used only when no template examples are found (a checkout without
# templates/): the three document kinds with plausible field names.
_FALLBACK_EXAMPLES: dict[str, dict[str, str]] = {
    "akta-kelahiran": {"nomor_akta": "", "nama": "", "jenis_kelamin": "", "tempat_lahir": "",
                       "tanggal_lahir": "", "anak_ke": "", "nama_ayah": "", "nama_ibu": "",
                       "tempat_terbit": "", "tanggal_terbit": "", "nama_pejabat": ""},
    "kartu-keluarga": {"nomor_kk": "", "nama_kepala_keluarga": "", "alamat": "", "rt_rw": "",
                       "kelurahan": "", "kecamatan": "", "kabupaten_kota": "", "provinsi": "",
                       "kode_pos": "", "tanggal_terbit": "",
                       **{f"anggota.1.{c}": "" for c in ("nama", "nik", "jenis_kelamin", "tempat_lahir",
                                                         "tanggal_lahir", "agama", "pendidikan",
                                                         "pekerjaan", "status_perkawinan",
                                                         "hubungan")}},
    "nib": {"nib": "", "nama_usaha": "", "nama_pemilik": "", "nik_pemilik": "", "alamat_usaha": "",
            "kbli": "", "kegiatan_usaha": "", "skala_usaha": "", "tanggal_terbit": ""},
}


def fallback_forms() -> dict[str, Form]:
    """Built-in forms for the three document kinds (only when no template examples exist)."""
    return {template: form_from_example(template, example, version=1)
            for template, example in _FALLBACK_EXAMPLES.items()}
