"""Which warnings reach a person's screen.

Ours and Python's own do: they point at something we can fix. A library's
deprecation notice (cryptography 51 warns about DSA the moment pyHanko is
imported) is for that library's authors, not for a technician starting the
station: it is dropped when it is attributed to a module outside this
project. Installed when the `station` package is first imported, so the
command line, the web process and the spawned render worker all share it.
"""

from __future__ import annotations

import warnings

# The project's own top-level packages (and a script run directly): their warnings always show.
OURS = ("station", "spool", "drivers", "simulators", "__main__")
_NOT_OURS = r"(?!(?:" + "|".join(OURS) + r")(?:\.|$))"


def _deprecation_categories() -> list[type[Warning]]:
    categories: list[type[Warning]] = [DeprecationWarning, PendingDeprecationWarning, FutureWarning]
    try:  # cryptography's own deprecation class is a UserWarning, not a DeprecationWarning
        from cryptography.utils import CryptographyDeprecationWarning
    except ImportError:  # pragma: no cover - cryptography is a dependency
        return categories
    return [*categories, CryptographyDeprecationWarning]


def install() -> None:
    """Drop deprecation warnings raised from third-party modules; keep everything else."""
    for category in _deprecation_categories():
        warnings.filterwarnings("ignore", category=category, module=_NOT_OURS)
