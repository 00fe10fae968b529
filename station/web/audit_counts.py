"""Counters for `/metrics` taken from the audit chain: exact, and they survive restarts.

Every release outcome, state change, print and reprint is an audit row
(`spool/audit.py`), and the chain is append-only. So the counters are
tallies of audit rows, folded in incrementally: a scrape reads only the rows
appended since the previous one (`seq > high-water mark`, an index range on
the primary key), and a fresh web process catches up once, in chunks, from
the first row. Nothing is lost when the web process or the daemon restarts,
and two scrapers of two web processes agree.

What counts as what (one place, so that a renamed action changes one line):
- a release outcome: the outcome of a citizen's unlock intent,
  `unlock.OUTCOME` (locker), or of the shutter opening of a presentation,
  `present.shutter_OUTCOME` (dispenser), as `spool/intents.py` audits
  them; a technician's hand opening (`manual_open.*`) is not a release;
- a job entering a state: a transition row (its `details.to` names a job
  state) or `job.received` (a job created); leaving one: its `details.from`.
  So the jobs in each state follow too, without counting 100,000 rows at
  every scrape (`SpoolCollector` checks them against a real count now and then);
- a document printed: entering `printed`, with `details.pages`;
- a reprint: `job.reprint`.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections import Counter as Tally
from dataclasses import dataclass, field

from spool import metrics as reads
from spool.states import JobState

RELEASE_ACTIONS = ("unlock.", "present.shutter_")
REPRINT_ACTION = "job.reprint"
CREATED_ACTION = "job.received"
# A scrape never holds one read transaction over the whole chain: catching up reads this many rows at a time.
CHUNK_ROWS = 100_000
# Outcome words are the system's own; anything else is folded into "other" (bounded label values).
_WORD = re.compile(r"^[a-z][a-z_]{0,31}$")
_STATES = frozenset(s.value for s in JobState)


@dataclass
class AuditCounts:
    """What the audit chain says happened, up to row `seq`."""

    seq: int = 0
    releases: Tally[str] = field(default_factory=Tally)   # by outcome
    entered: Tally[str] = field(default_factory=Tally)    # by job state
    states: Tally[str] = field(default_factory=Tally)     # jobs in each state: entered minus left
    pages: int = 0
    reprints: int = 0

    def copy(self) -> AuditCounts:
        """A snapshot (the tally goes on changing under a scrape in another thread)."""
        return AuditCounts(self.seq, Tally(self.releases), Tally(self.entered), Tally(self.states), self.pages,
                           self.reprints)


class AuditTally:
    """Keeps `AuditCounts` up to date with the chain, reading only what is new."""

    def __init__(self) -> None:
        self._counts = AuditCounts()
        self._lock = threading.Lock()

    def update(self, conn: sqlite3.Connection) -> AuditCounts:
        """Fold in the rows appended since the last call; returns a snapshot."""
        with self._lock:
            head = reads.audit_head(conn)
            if head < self._counts.seq:  # another spool in its place (a restore): count it afresh
                self._counts = AuditCounts()
            while self._counts.seq < head:
                upto = min(head, self._counts.seq + CHUNK_ROWS)
                for row in reads.audit_tally(conn, self._counts.seq, upto):
                    self._fold(row)
                self._counts.seq = upto
            return self._counts.copy()

    def _fold(self, row: sqlite3.Row) -> None:
        action, target, count = str(row["action"]), row["target"], int(row["n"])
        counts = self._counts
        prefix = next((p for p in RELEASE_ACTIONS if action.startswith(p)), None)
        if prefix is not None and row["has_job"] and action != "unlock.intent":
            outcome = action[len(prefix):]
            counts.releases[outcome if _WORD.match(outcome) else "other"] += count
        if isinstance(target, str) and target in _STATES:
            counts.entered[target] += count
            counts.states[target] += count
            source = row["source"]
            if isinstance(source, str) and source in _STATES:
                counts.states[source] -= count
            if target == JobState.PRINTED.value:
                counts.pages += int(row["pages"] or 0)
        elif action == CREATED_ACTION:
            counts.entered[JobState.RECEIVED.value] += count
            counts.states[JobState.RECEIVED.value] += count
        if action == REPRINT_ACTION:
            counts.reprints += count
