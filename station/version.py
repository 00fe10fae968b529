"""The software's version, as installed (pyproject.toml), for `station --version` and `/api/v1/version`."""

from __future__ import annotations

from importlib import metadata

DISTRIBUTION = "mpp-station"


def version() -> str:
    """The installed version of MPP Station ("unknown" when run from an uninstalled tree)."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown"
