"""Signed-PDF tests: a CA made here (root, intermediate, signers), PDFs signed here with it."""

from __future__ import annotations


import pytest

# Helpers beside the tests (importlib import mode adds no path).

from simulators.backoffice.pki import Hierarchy  # noqa: E402
from station.signedpdf.cabundle import Bundle, parse  # noqa: E402


@pytest.fixture(scope="module")
def ca() -> Hierarchy:
    """The test's CA: made once per test module (EC keys: milliseconds)."""
    return Hierarchy("Uji")


@pytest.fixture(scope="module")
def bundle(ca: Hierarchy) -> Bundle:
    """A CA bundle that trusts `ca`'s root."""
    return parse(ca.root.pem, "test bundle")
