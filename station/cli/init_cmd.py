"""`station init DIR`: a new simulated station, its configuration and spool."""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

import spool
from spool import audit, slots

from .. import config as config_module
from .. import trust
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

Then: station --config DIR/station.toml spool list"""


def register(commands: argparse._SubParsersAction) -> None:
    parser = add_command(commands, "init", help="create a simulated station in a folder",
                         description=DESCRIPTION, run=run)
    parser.add_argument("dir", metavar="DIR", help="folder for the station (created if missing)")
    parser.add_argument("--station-id", default="MPP-DEMO-01", help="station id (default: %(default)s)")
    parser.add_argument("--kind", choices=["locker", "dispenser"], default="locker",
                        help="locker (print ahead) or dispenser (print on demand)")


def render_config(station_id: str, kind: str) -> str:
    """The example configuration with this station's id and kind."""
    text = config_module.EXAMPLE.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^id = ".*"$', f'id = "{station_id}"', text, count=1)
    return re.sub(r'(?m)^kind = ".*"$', f'kind = "{kind}"', text, count=1)


def run(args: argparse.Namespace) -> int:
    folder = Path(args.dir)
    config_path = folder / "station.toml"
    if config_path.exists():
        raise StationError(f"{config_path} already exists: this folder holds a station already")
    text = render_config(args.station_id, args.kind)
    # Validate before writing anything: a bad --station-id changes nothing.
    cfg = config_module.from_dict(config_module.tomllib.loads(text), base_dir=folder.resolve(),
                                  environ={}, source="--station-id/--kind")
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
        conn.execute("INSERT INTO station (key, value) VALUES ('id', ?)", (cfg.station.id,))
    slots.add_slots(conn, cfg.slot_layout())
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
