"""(issue 24) Refusals that say enough: who cancelled, which station, how long until ready.

The counter refuses in words a citizen can act on. Where the refusal is about
a document the station holds, this module adds what it knows: who cancelled
it (`cancelled_by`: this station's staff, or the issuing office), and for a
document not ready yet an estimate from the queue ahead of it and the
printer's rate (`estimate_s`). A token for another station names that station,
by the name the configuration knows for its id (`[release] station_names`),
else by its id.
"""

from __future__ import annotations

import re
import sqlite3

from spool import jobs
from spool.states import Flow

from ..config import Config
from . import screens
from .session import ReleaseRefused

# Staff place a printed document in its slot; the estimate allows this much for it.
LOADING_ALLOWANCE_S = 60.0
# A dispenser's document is rendered before it can be printed on demand; about this long each.
RENDER_ALLOWANCE_S = 5.0
_PRINTABLE_NAME = re.compile(r"[^\x00-\x1f\x7f]{1,80}")


def detailed(conn: sqlite3.Connection, cfg: Config, refusal: ReleaseRefused, job_id: str | None) -> ReleaseRefused:
    """The refusal with its words and view fields filled in, where the spool knows more (else as it was)."""
    if refusal.words is not None or job_id is None:
        return refusal
    job = jobs.find_job(conn, job_id)
    if job is None:
        return refusal
    if refusal.reason == "cancelled":
        by = "office" if job.cancelled_by == "office" else "staff"  # kept on the job by the cancel (§7.1 `by`)
        refusal.words, refusal.view = screens.cancelled(by), {**refusal.view, "cancelled_by": by}
    elif refusal.reason == screens.NOT_READY:
        estimate = estimate_s(conn, cfg, job)
        refusal.words, refusal.view = screens.not_ready(estimate), {**refusal.view, "estimate_s": estimate}
    return refusal


def estimate_s(conn: sqlite3.Connection, cfg: Config, job: jobs.Job) -> float:
    """Seconds until `job` should be ready: the pages ahead at the printer's rate, then loading (locker)."""
    documents, pages = jobs.pages_ahead(conn, job)
    if job.flow is Flow.DISPENSER:
        return round(max(1, documents) * RENDER_ALLOWANCE_S, 1)
    return round(pages * 60.0 / cfg.printer.pages_per_minute + LOADING_ALLOWANCE_S, 1)


def station_name(cfg: Config, station_id: str) -> str:
    """What the citizen reads for a station id: its configured name, else the id (text only, bounded)."""
    name = cfg.release.station_names.get(station_id, station_id)
    return name if _PRINTABLE_NAME.fullmatch(name) else station_id[:80]
