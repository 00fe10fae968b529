"""Station configuration: one TOML file, validated, with environment overrides.

Every setting is documented in `station/station.example.toml`. A setting
`[section] key` can be overridden by the environment variable
`STATION_<SECTION>_<KEY>` (upper case), for instance `STATION_API_PORT=9000`.
Relative paths are resolved against the folder of the configuration file.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from drivers.locks.naming import slot_name
from drivers.locks.settings import BoardSettings as BoardSection
from drivers.locks.settings import BusSettings as BusSection
from drivers.printer.settings import PrinterSettings as PrinterSection
from drivers.scanner.settings import ScannerSettings as ScannerSection
from drivers.settings import Settings

from .errors import ConfigError

__all__ = ["Config", "BusSection", "BoardSection", "PrinterSection", "ScannerSection", "load", "from_dict",
           "resolve_path", "ConfigError"]

ENV_CONFIG = "STATION_CONFIG"
ENV_PREFIX = "STATION_"
EXAMPLE = Path(__file__).with_name("station.example.toml")


# A configuration section: unknown keys are errors, not silently ignored.
Section = Settings


class StationSection(Section):
    id: str = Field("MPP-DEMO-01", pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    name: str = "Mal Pelayanan Publik (demo)"
    kind: Literal["locker", "dispenser"] = "locker"
    # The station's local time (pages show times in it): WIB, WITA or WIT.
    timezone: Literal["Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura"] = "Asia/Jakarta"


class PathsSection(Section):
    spool: Path = Path("spool.db")
    documents: Path = Path("documents")
    trust_store: Path = Path("trust.json")
    station_key: Path = Path("keys/station.pem")
    templates: Path = Path("templates")
    control_socket: Path = Path("run/station.sock")
    kiosk_key: Path = Path("keys/kiosk.key")
    log: Path | None = None


class BackofficeSection(Section):
    url: str = "http://127.0.0.1:8700"
    token_file: Path = Path("backoffice.token")
    poll_seconds: float = Field(5.0, gt=0)
    timeout_seconds: float = Field(10.0, gt=0)
    page_size: int = Field(50, ge=1, le=500)
    checkpoint_seconds: float = Field(300.0, gt=0)
    ca_file: Path | None = None


class ReleaseSection(Section):
    clock_skew_seconds: int = Field(120, ge=0, le=3600)
    max_token_lifetime_days: float = Field(30, gt=0)
    door_open_alarm_seconds: float = Field(60, gt=0)
    door_watch_seconds: float = Field(300, gt=0)
    reopen_grace_seconds: float = Field(120, ge=0)
    refused_scans_per_minute: int = Field(5, ge=1)
    scanner_lockout_seconds: float = Field(60, ge=0)
    pin_attempts: int = Field(5, ge=1)
    # (issue 24) names of other stations by id, for a citizen whose token is for one of them ("MPP-JKS-02" =
    # "MPP Jakarta Selatan, lantai 2"); an id not here is shown as it is.
    station_names: dict[str, str] = Field(default_factory=dict)
    # (issue 22) an act of the ledger (unlock, print, load, presentation...) open longer than this raises an alarm
    intent_alarm_seconds: float = Field(600, gt=0)


class DispenserSection(Section):
    shutter: str = "A-1-01"
    presentation_seconds: float = Field(60, gt=0)
    reject: str = ""


class LoadingSection(Section):
    print_ahead_margin: int = Field(2, ge=0, le=1000)
    door_timeout_seconds: float = Field(300, gt=0)


class RetentionSection(Section):
    pdf_days: float = Field(7, ge=0)
    personal_data_days: float = Field(90, ge=0)
    # (issue 22) How often retention runs; after each pass the WAL is checkpointed and cut to zero bytes.
    check_seconds: float = Field(3600, gt=0)
    # The spool file is rebuilt (VACUUM) after a pass at most this often: it holds the writers for its length.
    vacuum_days: float = Field(7, gt=0)


class PdfSection(Section):
    ca_bundle: Path | None = None
    max_bytes: int = Field(8 * 1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    max_pages: int = Field(50, ge=1, le=1000)
    max_objects: int = Field(20_000, ge=100, le=1_000_000)
    # Who may sign a document (PROTOCOLS §7.2): an EKU or certificate policy OID from this list.
    signer_oids: list[str] = Field(default_factory=lambda: ["1.3.6.1.4.1.311.10.3.12", "1.3.6.1.5.5.7.3.36"],
                                   min_length=1, max_length=32)

    @field_validator("signer_oids")
    @classmethod
    def _dotted_oids(cls, value: list[str]) -> list[str]:
        for oid in value:
            if not re.fullmatch(r"[0-2](\.(0|[1-9][0-9]{0,9})){1,30}", oid):
                raise ValueError(f"not a dotted OID: {oid[:40]!r}")
        return value

    @field_validator("ca_bundle", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value


class ApiSection(Section):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    kiosk_columns: int = Field(4, ge=1, le=24)
    tls_cert: Path | None = None
    tls_key: Path | None = None
    allow_plain_http: bool = False
    # Request bodies: the most a caller may send (checked as the bytes arrive, after the credential).
    max_body_bytes: int = Field(1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    kiosk_max_body_bytes: int = Field(16 * 1024, ge=1024, le=1024 * 1024)
    body_timeout_seconds: float = Field(30.0, gt=0, le=600)


class LogSection(Section):
    level: Literal["debug", "info", "warning", "error"] = "info"
    # (issue 22) A `[paths] log` file rotates at local midnight and keeps this many old files (journald: its own).
    keep_days: int = Field(7, ge=1)


class DiskSection(Section):
    """Free-space thresholds of the watched volumes (station folder, documents, CUPS spool), in MB."""

    check_seconds: float = Field(5.0, gt=0, le=3600)
    warning_free_mb: float = Field(1024.0, ge=0)
    critical_free_mb: float = Field(256.0, ge=0)
    render_stop_free_mb: float = Field(1024.0, ge=0)
    render_resume_free_mb: float = Field(1536.0, ge=0)
    cups_spool: Path = Path("/var/spool/cups")

    @model_validator(mode="after")
    def _ordered(self) -> DiskSection:
        if self.critical_free_mb >= self.warning_free_mb:
            raise ValueError("critical_free_mb must be below warning_free_mb")
        if self.render_resume_free_mb < self.render_stop_free_mb:
            raise ValueError("render_resume_free_mb must be at least render_stop_free_mb")
        return self


# --- (issue 24, i24-voice) the kiosk's speech, keypad and screen: one [kiosk.*] block ---------------------------


class KioskSpeechSection(Section):
    """Offline speech on the station (espeak-ng, sox): where it goes, how loud, which voices."""

    # "audio": the station's sound outputs; "capture": each utterance to a WAV file + a JSON-lines log (tests,
    # demos); "off": nothing is spoken and no tone sounds.
    output: Literal["audio", "capture", "off"] = "audio"
    capture_dir: Path = Path("run/speech")
    # ALSA devices: the headphone jack (speech mode) and the loudspeaker (chimes outside speech mode).
    headphone_device: str = ""
    speaker_device: str = ""
    voice_id: str = Field("id", pattern=r"^[a-z]{2,3}(-[a-z0-9]{1,8})*$")
    voice_en: str = Field("en-us", pattern=r"^[a-z]{2,3}(-[a-z0-9]{1,8})*$")
    words_per_minute: int = Field(150, ge=80, le=450)
    # Volume steps 1..10; every citizen starts at the default.
    volume_default: int = Field(5, ge=1, le=10)
    # Where the jack's switch is read (evdev, SW_HEADPHONE_INSERT); empty: no jack switch.
    jack_device: str = ""


class KioskKeypadSection(Section):
    """What each key of the 12-key keypad (a USB keypad is a keyboard) sends, as the browser's `key` names it."""

    enter: str = "Enter"
    clear: str = "Backspace"
    cancel: str = "Escape"
    help: str = "F1"
    repeat: str = "*"
    back: str = "#"
    volume_up: str = "+"
    volume_down: str = "-"
    screen_off: str = "/"
    large_text: str = "."
    problem: str = "F2"

    @model_validator(mode="after")
    def _distinct(self) -> KioskKeypadSection:
        keys = list(self.model_dump().values())
        if len(keys) != len(set(keys)) or any(len(k) == 1 and k.isdigit() for k in keys):
            raise ValueError("each keypad function needs a key of its own, and no digit")
        return self


class KioskScreenSection(Section):
    """The kiosk screen's physical size: the large-text mode keeps characters >= min_char_mm (ADA 707.7.2)."""

    diagonal_inches: float = Field(32.0, gt=5, le=120)
    width_px: int = Field(1080, ge=320, le=8192)
    height_px: int = Field(1920, ge=320, le=8192)
    min_char_mm: float = Field(4.8, gt=0, le=50)


class KioskLockerSection(Section):
    """Where the locker stands from the kiosk screen, for the spoken door place ("kolom kedua dari kiri")."""

    # The cabinets (one per lock board, in [[bus.boards]] order, left to right) stand on this side of the screen.
    cabinets_side: Literal["left", "right", "behind"] = "right"
    # Dispenser: where the paper tray is, from the screen, in words and in the drawing.
    tray_below_screen: bool = True


class KioskSection(Section):
    speech: KioskSpeechSection = KioskSpeechSection()
    keypad: KioskKeypadSection = KioskKeypadSection()
    screen: KioskScreenSection = KioskScreenSection()
    locker: KioskLockerSection = KioskLockerSection()

# --- end of i24-voice's block ---------------------------------------------------------------------------------


class Config(Section):
    """The whole configuration of one station."""

    station: StationSection = StationSection()
    paths: PathsSection = PathsSection()
    backoffice: BackofficeSection = BackofficeSection()
    printer: PrinterSection = PrinterSection()
    bus: list[BusSection] = [BusSection()]
    scanner: ScannerSection = ScannerSection()
    release: ReleaseSection = ReleaseSection()
    dispenser: DispenserSection = DispenserSection()
    loading: LoadingSection = LoadingSection()
    retention: RetentionSection = RetentionSection()
    pdf: PdfSection = PdfSection()
    api: ApiSection = ApiSection()
    log: LogSection = LogSection()
    disk: DiskSection = DiskSection()
    kiosk: KioskSection = KioskSection()  # (issue 24, i24-voice)

    # Where the file was read from; relative paths are resolved against it.
    base_dir: Path = Path(".")

    @field_validator("bus")
    @classmethod
    def _unique_bus_names(cls, buses: list[BusSection]) -> list[BusSection]:
        names = [b.name for b in buses]
        if len(names) != len(set(names)):
            raise ValueError("bus names must be unique")
        return buses

    def path(self, value: Path | None) -> Path | None:
        """A configured path, resolved against the configuration file's folder."""
        if value is None:
            return None
        return value if value.is_absolute() else (self.base_dir / value)

    @property
    def spool_path(self) -> Path:
        return self.path(self.paths.spool)  # type: ignore[return-value]

    def slot_layout(self) -> list[tuple[str, str, bool]]:
        """Every locker slot the buses define: `(id, size, accessible)`."""
        layout = []
        for bus in self.bus:
            for board in bus.boards:
                for lock in range(1, board.locks + 1):
                    layout.append((slot_name(bus.name, board.address, lock), board.size,
                                   lock in board.accessible_locks))
        return layout


def _parse_env_value(text: str) -> Any:
    """An environment value as TOML would read it (numbers, booleans), else a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _apply_env(raw: dict[str, Any], environ: dict[str, str]) -> dict[str, Any]:
    sections = {name for name, field in Config.model_fields.items()
                if isinstance(field.default, Section)}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name == ENV_CONFIG:
            continue
        rest = name[len(ENV_PREFIX):].lower()
        section, _, key = rest.partition("_")
        if section in sections and key:
            target = raw.setdefault(section, {})
            # A section of sections ([kiosk.speech]): STATION_KIOSK_SPEECH_OUTPUT sets [kiosk.speech] output.
            sub, _, subkey = key.partition("_")
            if sub in _subsections(section) and subkey:
                target, key = target.setdefault(sub, {}), subkey
            target[key] = _parse_env_value(value)
    return raw


def _subsections(section: str) -> set[str]:
    model = Config.model_fields[section].annotation
    return {name for name, field in model.model_fields.items()  # type: ignore[union-attr]
            if isinstance(field.annotation, type) and issubclass(field.annotation, Section)}


def resolve_path(explicit: str | None) -> Path:
    """Which configuration file to read: `--config`, then `$STATION_CONFIG`, then `./station.toml`."""
    return Path(explicit or os.environ.get(ENV_CONFIG) or "station.toml")


def load(path: str | Path, environ: dict[str, str] | None = None) -> Config:
    """Read, override from the environment and validate a configuration file."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"no configuration file at {path} (use --config FILE, set {ENV_CONFIG},"
                          " or run 'station init DIR')") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read configuration {path}: {err}") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML: {err}") from None
    return from_dict(raw, base_dir=path.resolve().parent, environ=environ, source=str(path))


def from_dict(raw: dict[str, Any], *, base_dir: Path, environ: dict[str, str] | None = None,
              source: str = "configuration") -> Config:
    """Validate a configuration given as a dict (after environment overrides)."""
    raw = _apply_env(dict(raw), dict(os.environ if environ is None else environ))
    if "base_dir" in raw:
        raise ConfigError(f"{source}: 'base_dir' is not a setting")
    try:
        return Config.model_validate({**raw, "base_dir": base_dir})
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors())
        raise ConfigError(f"{source}: {problems}") from None
