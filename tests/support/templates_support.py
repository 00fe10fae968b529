"""Helpers of the template and rendering tests (imported by their conftest and tests)."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from station.trust import store as trust
from station.cli import main

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "templates"
TEMPLATE_IDS = ("akta-kelahiran", "kartu-keluarga", "nib")
STATION_ID = "MPP-DEMO-01"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@dataclass
class Lab:
    """A folder with a trust store (demo template key, a station key), the station key, and bundle copies."""

    root: Path
    trust_path: Path
    station_pem: Path
    station_key: Ed25519PrivateKey
    template_key: Ed25519PrivateKey
    template_pem: Path

    @property
    def store(self) -> trust.TrustStore:
        """The trust store as it is on disk now."""
        return trust.TrustStore.load(self.trust_path)

    def bundle(self, name: str = "akta-kelahiran") -> Path:
        """A fresh copy of a shipped bundle."""
        target = self.root / "bundles" / name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(TEMPLATES / name, target)
        return target

    def example(self, name: str = "akta-kelahiran") -> dict[str, str]:
        """The shipped example data of a template."""
        return json.loads((TEMPLATES / "examples" / f"{name}.json").read_text(encoding="utf-8"))

    def write_data(self, data: object, name: str = "data.json") -> Path:
        """Data as a JSON file in the lab."""
        path = self.root / name
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return path

    def render_args(self, bundle: Path, data: Path, out: Path, *extra: str) -> list[str]:
        """The arguments of `station render` for this lab."""
        return ["render", "--template", str(bundle), "--data", str(data), "--trust", str(self.trust_path),
                "--station-key", str(self.station_pem), "--station", STATION_ID, "--out", str(out), *extra]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the real CLI in-process: exit code, standard output, standard error."""
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def pdftotext(pdf: Path | bytes, *, layout: bool = False, raw: bool = False) -> str:
    """The text poppler extracts from a PDF (a path, or the bytes themselves).

    `raw` keeps the order the text was drawn in, instead of poppler's reading-order guesses.
    """
    args = (["pdftotext", "-enc", "UTF-8"] + (["-layout"] if layout else []) + (["-raw"] if raw else [])
            + ["-", "-"])
    data = pdf.read_bytes() if isinstance(pdf, Path) else pdf
    done = subprocess.run(args, input=data, capture_output=True, check=True, timeout=60)
    return done.stdout.decode("utf-8")


def pdffonts(pdf: Path) -> list[list[str]]:
    """poppler's font table of a PDF: one row of columns per font."""
    done = subprocess.run(["pdffonts", str(pdf)], capture_output=True, check=True, timeout=60, text=True)
    return [line.split() for line in done.stdout.splitlines()[2:] if line.strip()]


PROBE_MANIFEST = """\
id = "probe"
version = 1
title = "Probe"

[page]
size = "A5"

[fonts]
serif = "fonts/DejaVuSerif.ttf"
bold = "fonts/DejaVuSerif-Bold.ttf"

[seal]
fields = ["nama"]

[[fields]]
name = "nama"
max_length = 60

[[fields]]
name = "catatan"
required = false
max_length = 120

[[tables]]
name = "baris"
max_rows = 2
columns = [{ name = "isi", max_length = 40 }]

[[pages]]
[[pages.boxes]]
field = "nama"
x = 12
y = 12
width = 124
height = 30
font = "bold"
size = 14
min_size = 8

[[pages.paragraphs]]
text = "Catatan: {catatan}."
x = 12
y = 46
width = 124
height = 40
font = "serif"
size = 11
min_size = 7
align = "justify"

[[pages.tables]]
table = "baris"
x = 12
y = 90
rows = 2
row_height = 6
header_height = 6
font = "serif"
size = 9
min_size = 6
columns = [{ column = "isi", header = "Isi", en = "Content", width = 30 }]

[pages.seal]
x = 12
y = 150
size = 40
"""


def make_probe_bundle(folder: Path, key: Ed25519PrivateKey, manifest: str = PROBE_MANIFEST) -> Path:
    """A small bundle exercising a box, a paragraph and a table, signed with `key`."""
    from station.templates import sign_bundle
    from station.templates.manifest import parse_manifest

    (folder / "fonts").mkdir(parents=True, exist_ok=True)
    for name in ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"):
        shutil.copyfile(TEMPLATES / "akta-kelahiran" / "fonts" / name, folder / "fonts" / name)
    (folder / "template.toml").write_text(manifest, encoding="utf-8")
    parsed = parse_manifest(manifest.encode())
    sign_bundle(folder, key, template=parsed.id, version=parsed.version)
    return folder
