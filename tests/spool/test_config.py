"""Configuration: the documented example, environment overrides, clear errors."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from station import config
from station.config import Config, ConfigError


def test_example_documents_every_setting() -> None:
    """Each setting of every section appears in the commented example."""
    text = config.EXAMPLE.read_text()
    for name, field in Config.model_fields.items():
        if name == "base_dir":
            continue
        model = field.annotation.__args__[0] if name == "bus" else field.annotation
        # A section of sections ([kiosk.speech], [kiosk.keypad], ...): each sub-section is documented.
        parts = {f"{name}.{sub}": f.annotation for sub, f in model.model_fields.items()
                 if isinstance(f.annotation, type) and issubclass(f.annotation, config.Section)} or {name: model}
        for section, part in parts.items():
            assert re.search(rf"^\[\[?{re.escape(section)}\]\]?$", text, re.M), \
                f"section [{section}] missing from the example"
            for key in part.model_fields:
                if key == "boards":
                    continue
                assert re.search(rf"^#? ?{key} = ", text, re.M), f"{section}.{key} missing from the example"


def test_example_is_valid_and_matches_defaults_where_it_should(tmp_path: Path) -> None:
    cfg = config.load(config.EXAMPLE, environ={})
    assert cfg.station.kind == "locker"
    assert cfg.release.clock_skew_seconds == 120
    assert len(cfg.slot_layout()) == 16
    assert cfg.spool_path == config.EXAMPLE.parent / "spool.db"


def test_environment_overrides(tmp_path: Path) -> None:
    env = {"STATION_API_PORT": "9123", "STATION_PRINTER_DRIVER": "cups",
           "STATION_RELEASE_DOOR_OPEN_ALARM_SECONDS": "12.5", "STATION_STATION_ID": "MPP-BDG-07"}
    cfg = config.load(config.EXAMPLE, environ=env)
    assert cfg.api.port == 9123 and cfg.printer.driver == "cups"
    assert cfg.release.door_open_alarm_seconds == 12.5 and cfg.station.id == "MPP-BDG-07"


@pytest.mark.parametrize("text, fragment", [
    ("[api]\nport = 'eighty'", "api.port"),
    ("[api]\nprot = 80", "api.prot"),
    ("[station]\nkind = 'vending'", "station.kind"),
    ("[printer]\nmax_in_flight = 0", "printer.max_in_flight"),
    ("[[bus]]\nname = 'A'\n[[bus]]\nname = 'A'", "bus names must be unique"),
    ("this is = = not toml", "not valid TOML"),
])
def test_bad_settings_are_named(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "station.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        config.load(path, environ={})
    assert fragment in str(err.value)


def test_bad_environment_override_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="api.port"):
        config.load(config.EXAMPLE, environ={"STATION_API_PORT": "99999"})


def test_resolve_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATION_CONFIG", "/etc/mpp/station.toml")
    assert config.resolve_path("x.toml") == Path("x.toml")
    assert config.resolve_path(None) == Path("/etc/mpp/station.toml")
    monkeypatch.delenv("STATION_CONFIG")
    assert config.resolve_path(None) == Path("station.toml")
    assert tomllib.loads(config.EXAMPLE.read_text())  # the example parses on its own
