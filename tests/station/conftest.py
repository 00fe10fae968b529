"""Whole-station tests: helpers beside them (importlib import mode adds no path)."""

from __future__ import annotations


