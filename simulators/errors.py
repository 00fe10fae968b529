"""The lab's own errors: a simulator or lab part that cannot do what it was asked.

The lab stands beside the product, so its errors are not the station's: a
device simulator needs nothing of `station` to say it cannot start. The lab's
commands (`simulators/cli/`) hand them to the `station` command line as the one
line it prints for any reported error (`simulators/cli/common.py`).
"""

from __future__ import annotations


class SimulatorError(Exception):
    """A clear, expected failure of the lab: said in one line, never as a traceback."""

    exit_code = 2

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code
