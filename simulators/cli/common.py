"""The lab's side of the `station` command line: its commands are added as the product's are.

`add_command` and `add_group` are the product's (the same `--config` option,
the same help layout), with one difference: a lab command's `run` reports a
`SimulatorError` as the product reports its own errors, one line and the
error's exit code. The product's command line knows nothing of the lab's
errors (it imports nothing of `simulators`); this is where they meet.
"""

from __future__ import annotations

import argparse
import functools

from station.cli.common import Runner, add_group
from station.cli.common import add_command as _add_command
from station.errors import StationError

from ..errors import SimulatorError

__all__ = ["add_command", "add_group", "reported"]


def reported(run: Runner) -> Runner:
    """`run`, with a `SimulatorError` handed on as the `StationError` the command line prints."""

    @functools.wraps(run)
    def run_reported(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except SimulatorError as err:
            raise StationError(str(err), exit_code=err.exit_code) from err

    return run_reported


def add_command(commands: argparse._SubParsersAction, name: str, *, help: str,
                description: str | None = None, run: Runner | None = None) -> argparse.ArgumentParser:
    """The product's `add_command`, its `run` reporting the lab's errors."""
    return _add_command(commands, name, help=help, description=description,
                        run=reported(run) if run is not None else None)
