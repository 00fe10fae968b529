"""The spool's schema, as an ordered list of migrations.

`PRAGMA user_version` holds how many migrations a spool has applied. Append
new migrations at the end; never edit one that has shipped.
"""

from __future__ import annotations

from .states import Flow, JobState

_STATES = ", ".join(f"'{s.value}'" for s in JobState)
_FLOWS = ", ".join(f"'{f.value}'" for f in Flow)

MIGRATIONS: list[str] = [
    # 1: jobs, slots, the token ledger, the audit chain, station facts.
    f"""
    CREATE TABLE station (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );

    CREATE TABLE jobs (
        id               TEXT PRIMARY KEY,
        flow             TEXT NOT NULL CHECK (flow IN ({_FLOWS})),
        state            TEXT NOT NULL CHECK (state IN ({_STATES})),
        held_reason      TEXT,
        held_from        TEXT CHECK (held_from IS NULL OR held_from IN ({_STATES})),
        template         TEXT NOT NULL,
        template_version INTEGER NOT NULL,
        size             TEXT NOT NULL DEFAULT 'M',
        payload          TEXT,              -- the document as received (personal data)
        pickup_expires   TEXT,
        pdf_path         TEXT,
        pdf_sha256       TEXT,
        pages            INTEGER,
        printer_job_id   INTEGER,
        print_attempts   INTEGER NOT NULL DEFAULT 0,
        created_at       TEXT NOT NULL,
        updated_at       TEXT NOT NULL,
        CHECK ((state = 'held') = (held_reason IS NOT NULL))
    );
    CREATE INDEX jobs_by_state ON jobs(state);

    CREATE TABLE slots (
        id             TEXT PRIMARY KEY,
        size           TEXT NOT NULL DEFAULT 'M' CHECK (size IN ('S', 'M', 'L')),
        accessible     INTEGER NOT NULL DEFAULT 0 CHECK (accessible IN (0, 1)),
        out_of_service INTEGER NOT NULL DEFAULT 0 CHECK (out_of_service IN (0, 1)),
        service_note   TEXT,
        occupant       TEXT UNIQUE REFERENCES jobs(id)
    );

    CREATE TABLE used_tokens (
        cti     TEXT PRIMARY KEY,           -- hex of the token's 12-byte id
        job_id  TEXT NOT NULL,
        used_at TEXT NOT NULL
    );

    CREATE TABLE audit (
        seq       INTEGER PRIMARY KEY,
        at        TEXT NOT NULL,
        actor     TEXT NOT NULL,
        action    TEXT NOT NULL,
        job_id    TEXT,
        slot_id   TEXT,
        details   TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash      TEXT NOT NULL
    );
    CREATE INDEX audit_by_job ON audit(job_id) WHERE job_id IS NOT NULL;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
