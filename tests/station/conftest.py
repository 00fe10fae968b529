"""Whole-station tests: helpers beside them (importlib import mode adds no path)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
