"""`station init DIR`: a new simulated station, its configuration and spool."""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

import spool
from spool import audit, cursors, slots

from .. import config as config_module
from station.trust import store as trust
from ..errors import StationError
from ..files import PRIVATE_DIR, make_private, write_atomic
from ..web import kiosk_key
from .common import add_command

DESCRIPTION = """\
Create a station in DIR: DIR/station.toml (every setting documented, devices
simulated), an empty spool whose first audit entry records the creation, and
its slots, the station key and the kiosk screen's key. DIR and everything in
it are the owner's only (0700 folders, 0600 files). Refuses a DIR that
already holds a station.

The lock buses come from --bus (one per bus), else from the configuration
named by --config, else the example's one CU16 board of 16 locks:

  station init DIR --bus A:cu16:1x16 --bus B:8a80:1x8,2x8

(bus A: CU16 boards, board 1 with 16 locks; bus B: 8A/80 boards 1 and 2 with
8 channels each; a simulated station links bus NAME at DIR/run/lockbus-NAME).

Then: station --config DIR/station.toml spool list"""


def register(commands: argparse._SubParsersAction) -> None:
    parser = add_command(commands, "init", help="create a simulated station in a folder",
                         description=DESCRIPTION, run=run)
    parser.add_argument("dir", metavar="DIR", help="folder for the station (created if missing)")
    parser.add_argument("--station-id", help="station id (default: the configuration's, else MPP-DEMO-01)")
    parser.add_argument("--kind", choices=["locker", "dispenser"],
                        help="locker (print ahead, the default) or dispenser (print on demand)")
    parser.add_argument("--bus", action="append", type=bus_spec, metavar="NAME:FAMILY:BOARDS",
                        help="a lock bus, e.g. A:cu16:1x16 or B:8a80:1x8,2x8 (repeat for more buses)")


def bus_spec(text: str) -> dict:
    """`B:8a80:1x8,2x8` -> the `[[bus]]` settings it names (a clear error for anything else)."""
    match = re.fullmatch(r"([A-Za-z0-9]{1,8}):(cu16|8a80):((?:[0-9]{1,2}(?:x[0-9]{1,2})?,?)+)", text or "")
    if not match:
        raise argparse.ArgumentTypeError(f"bad bus {text!r}: expected NAME:FAMILY:BOARDS such as A:cu16:1x16"
                                         " or B:8a80:1x8,2x8 (FAMILY cu16 or 8a80)")
    name, family, boards = match.groups()
    default_locks = 16 if family == "cu16" else 8
    parsed = []
    for part in filter(None, boards.split(",")):
        address, _, locks = part.partition("x")
        parsed.append({"address": int(address), "locks": int(locks or default_locks)})
    return {"name": name, "family": family, "port": f"run/lockbus-{name}", "boards": parsed}


def render_config(station_id: str | None, kind: str | None, buses: list[dict] | None = None,
                  base: str | None = None) -> str:
    """The example configuration (or `base`) with this station's id, kind and lock buses."""
    text = base if base is not None else config_module.EXAMPLE.read_text(encoding="utf-8")
    if station_id is not None or base is None:
        text = re.sub(r'(?m)^id = ".*"$', f'id = "{station_id or "MPP-DEMO-01"}"', text, count=1)
    if kind is not None or base is None:
        text = re.sub(r'(?m)^kind = ".*"$', f'kind = "{kind or "locker"}"', text, count=1)
    if buses:
        start = re.search(r"(?m)^\[\[bus\]\]", text).start()  # type: ignore[union-attr]
        last_board = [m.start() for m in re.finditer(r"(?m)^\[\[bus\.boards\]\]", text)][-1]
        end = text.index("\n[", last_board + 1)
        text = text[:start] + "\n".join(_bus_toml(bus) for bus in buses) + text[end:]
    return text


def _bus_toml(bus: dict) -> str:
    lines = ["[[bus]]", f'name = "{bus["name"]}"', f'port = "{bus["port"]}"', f'family = "{bus["family"]}"', ""]
    for board in bus["boards"]:
        lines += ["[[bus.boards]]", f'address = {board["address"]}', f'locks = {board["locks"]}', ""]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    folder = Path(args.dir)
    config_path = folder / "station.toml"
    if config_path.exists():
        raise StationError(f"{config_path} already exists: this folder holds a station already")
    base = _read(Path(args.config)) if getattr(args, "config", None) else None
    text = render_config(args.station_id, args.kind, args.bus, base)
    # Validate before writing anything: a bad --station-id or --bus changes nothing.
    cfg = config_module.from_dict(config_module.tomllib.loads(text), base_dir=folder.resolve(),
                                  environ={}, source=getattr(args, "config", None) or "--station-id/--kind/--bus")
    if cfg.spool_path.exists():
        raise StationError(f"{cfg.spool_path} already exists: refusing to reuse another station's spool")
    # Owner-only, whatever the caller's umask: the folder will hold personal data and keys.
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    folder.chmod(PRIVATE_DIR)
    for sub in ("documents", "run", "keys"):
        (folder / sub).mkdir(exist_ok=True, mode=PRIVATE_DIR)
    station_kid = _station_keys(cfg)
    kiosk_key.create(cfg.path(cfg.paths.kiosk_key))  # type: ignore[arg-type]
    conn = spool.connect(cfg.spool_path, create=True)
    with spool.write(conn):
        audit.append(conn, "system", "station.created",
                     details={"station": cfg.station.id, "kind": cfg.station.kind, "station_kid": station_kid})
        cursors.STATION_ID.set(conn, cfg.station.id)
    slots.reconcile(conn, cfg.slot_layout())
    conn.close()
    write_atomic(config_path, text.encode("utf-8"))
    make_private(folder)  # the copied templates too
    print(f"station {cfg.station.id} ({cfg.station.kind}) created in {folder}")
    print(f"  configuration: {config_path}")
    print(f"  spool:         {cfg.spool_path}")
    print(f"  station key:   {cfg.path(cfg.paths.station_key)} (kid {station_kid})")
    print(f"  trust store:   {cfg.path(cfg.paths.trust_store)}")
    print(f"next: station --config {config_path} spool list")
    return 0


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise StationError(f"cannot read the configuration {path}: {err}") from None


def bundled_templates() -> Path:
    """The template bundles that ship with the project (its `templates/` folder)."""
    return Path(__file__).resolve().parents[2] / "templates"


def _station_keys(cfg: config_module.Config) -> str:
    """The station's own key, and a trust store with it and the shipped template keys."""
    key = trust.new_private_key()
    trust.save_private_key(key, cfg.path(cfg.paths.station_key))  # type: ignore[arg-type]
    store = trust.TrustStore().with_key(trust.entry_for(key, "station", station=cfg.station.id))
    shipped = bundled_templates()
    if (shipped / "trust.json").exists():
        for entry in trust.TrustStore.load(shipped / "trust.json").keys:
            store = store.with_key(entry)
        target = cfg.path(cfg.paths.templates)
        if target is not None and not target.exists():
            shutil.copytree(shipped, target, ignore=shutil.ignore_patterns("demo-keys", "examples"))
    store.save(cfg.path(cfg.paths.trust_store))  # type: ignore[arg-type]
    return trust.kid_of(trust.public_raw(key))
