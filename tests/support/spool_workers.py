"""Work for child processes that tests start with multiprocessing (spawn): it must be importable by name."""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize

import spool


def open_spool(path: str, start: multiprocessing.synchronize.Barrier, results: multiprocessing.Queue) -> None:
    """Open (and so migrate) the spool at `path` once every worker is at the barrier; put "ok" or the error."""
    start.wait()
    try:
        spool.connect(path).close()
        results.put("ok")
    except Exception as err:  # noqa: BLE001 - the test reports what each process met
        results.put(f"{type(err).__name__}: {err}")
