"""The spool's schema, as an ordered list of migrations.

`PRAGMA user_version` holds how many migrations a spool has applied. Append
new migrations at the end; never edit one that has shipped.
"""

from __future__ import annotations

from .states import Flow, JobState

_STATES = ", ".join(f"'{s.value}'" for s in JobState)
_FLOWS = ", ".join(f"'{f.value}'" for f in Flow)
# The back-office events (PROTOCOLS.md §7) as of migration 7, and the revision a `job.corrected` audit
# entry took (a whole number above 0, else none): what the old audit collector reported, in SQL.
_EVENTS = ", ".join(f"'{e}'" for e in ("received", "printed", "staged", "released", "collected", "expired",
                                       "returned", "held", "cancelled", "retained"))
_REVISION = ("CASE WHEN json_type({entry}.details, '$.revision') = 'integer' AND json_extract({entry}.details,"
             " '$.revision') > 0 THEN json_extract({entry}.details, '$.revision') ELSE 0 END")

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
    # 2: what the daemon needs: alarms, the back-office outbox and refusals,
    # device intents (write-ahead), API users, signed audit checkpoints,
    # PIN failures and grace re-opens per job.
    """
    ALTER TABLE jobs ADD COLUMN pin_failures INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jobs ADD COLUMN reopens INTEGER NOT NULL DEFAULT 0;

    CREATE TABLE alarms (
        id              INTEGER PRIMARY KEY,
        raised_at       TEXT NOT NULL,
        kind            TEXT NOT NULL,
        severity        TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
        message         TEXT NOT NULL,
        job_id          TEXT,
        slot_id         TEXT,
        device          TEXT,
        acknowledged_at TEXT,
        acknowledged_by TEXT
    );
    CREATE INDEX alarms_open ON alarms(acknowledged_at) WHERE acknowledged_at IS NULL;

    CREATE TABLE outbox (
        id          INTEGER PRIMARY KEY,
        document_id TEXT NOT NULL,
        event       TEXT NOT NULL,
        at          TEXT NOT NULL,
        detail      TEXT NOT NULL DEFAULT '{}',
        sent_at     TEXT,
        attempts    INTEGER NOT NULL DEFAULT 0,
        UNIQUE (document_id, event)
    );
    CREATE INDEX outbox_pending ON outbox(id) WHERE sent_at IS NULL;

    CREATE TABLE refused_documents (
        id          INTEGER PRIMARY KEY,
        document_id TEXT,
        reason      TEXT NOT NULL,
        at          TEXT NOT NULL
    );

    CREATE TABLE intents (
        id          INTEGER PRIMARY KEY,
        kind        TEXT NOT NULL,
        job_id      TEXT,
        slot_id     TEXT,
        detail      TEXT NOT NULL DEFAULT '{}',
        created_at  TEXT NOT NULL,
        outcome     TEXT,
        finished_at TEXT
    );
    CREATE INDEX intents_open ON intents(id) WHERE finished_at IS NULL;

    CREATE TABLE users (
        name       TEXT PRIMARY KEY,
        role       TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'technician', 'admin')),
        token_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        disabled   INTEGER NOT NULL DEFAULT 0
    );

    CREATE TABLE checkpoints (
        seq       INTEGER PRIMARY KEY,
        hash      TEXT NOT NULL,
        at        TEXT NOT NULL,
        kid       TEXT NOT NULL,
        signature TEXT NOT NULL,
        sent_at   TEXT
    );
    """,
    # 3: slots name their bus (`A-1-05`; old names are renamed by `slots.reconcile`, which knows the
    # configuration) and can be retired; the ledger of device intents is looked up by job.
    """
    ALTER TABLE slots ADD COLUMN retired TEXT;
    CREATE INDEX intents_by_job ON intents(job_id, kind);
    """,
    # 4: the kind of document a job holds: "template" (rendered here from
    # a signed template) or "pdf" (agency-signed, verified and printed as sent).
    """
    ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'template' CHECK (kind IN ('template', 'pdf'));
    """,
    # 5: alarms have a life: the station clears a condition alarm when the
    # condition ends. The outbox keys an event by (document, event, key): a corrected
    # document reports its new revision's progress (key "r2"), and a refused
    # correction or withdrawal is reported once each, beside the job's own events.
    """
    ALTER TABLE alarms ADD COLUMN cleared_at TEXT;
    ALTER TABLE alarms ADD COLUMN cleared_by TEXT;
    DROP INDEX alarms_open;
    CREATE INDEX alarms_open ON alarms(kind) WHERE acknowledged_at IS NULL AND cleared_at IS NULL;

    CREATE TABLE outbox_keyed (
        id          INTEGER PRIMARY KEY,
        document_id TEXT NOT NULL,
        event       TEXT NOT NULL,
        key         TEXT NOT NULL DEFAULT '',
        at          TEXT NOT NULL,
        detail      TEXT NOT NULL DEFAULT '{}',
        sent_at     TEXT,
        attempts    INTEGER NOT NULL DEFAULT 0,
        UNIQUE (document_id, event, key)
    );
    INSERT INTO outbox_keyed (id, document_id, event, at, detail, sent_at, attempts)
        SELECT id, document_id, event, at, detail, sent_at, attempts FROM outbox;
    DROP TABLE outbox;
    ALTER TABLE outbox_keyed RENAME TO outbox;
    CREATE INDEX outbox_pending ON outbox(id) WHERE sent_at IS NULL;
    """,
    # 6: citizens' complaints for the back office (PROTOCOLS.md §7.1), one per kiosk alarm.
    """
    CREATE TABLE complaints (
        id          INTEGER PRIMARY KEY,
        alarm_id    INTEGER NOT NULL UNIQUE,
        document_id TEXT,
        problem     TEXT NOT NULL CHECK (problem IN ('document_missing', 'wrong_document', 'door_stuck', 'other')),
        slot_id     TEXT,
        at          TEXT NOT NULL,
        sent_at     TEXT,
        attempts    INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX complaints_pending ON complaints(id) WHERE sent_at IS NULL;
    """,
    # 7 (ADR 0235): the state machine queues the back-office events itself, in each transition's
    # commit; nothing reads the audit chain to find them any more. A job keeps the revision its
    # events report (`outbox_revision`, taken by a correction; it was looked up in the audit).
    # What the old collector had not yet read of the chain (past the cursor `backoffice.audit_seq`)
    # is queued here, as it would have queued it, and the cursor goes.
    f"""
    ALTER TABLE jobs ADD COLUMN outbox_revision INTEGER NOT NULL DEFAULT 0;
    UPDATE jobs SET outbox_revision = COALESCE((SELECT {_REVISION.format(entry="c")} FROM audit c
        WHERE c.job_id = jobs.id AND c.action = 'job.corrected' ORDER BY c.seq DESC LIMIT 1), 0);
    INSERT OR IGNORE INTO outbox (document_id, event, key, at, detail)
        SELECT job_id, event, CASE WHEN revision > 0 THEN 'r' || revision ELSE '' END, at,
               json_patch('{{}}', json_object('audit_seq', seq, 'slot', NULLIF(slot_id, ''), 'reason', reason,
                                            'by', CASE WHEN event = 'cancelled' THEN by END,
                                            'revision', NULLIF(revision, 0)))
        FROM (SELECT a.seq, a.at, a.job_id, a.slot_id,
                     CASE WHEN a.action = 'job.received' THEN 'received'
                          WHEN json_type(a.details, '$.to') = 'text' THEN json_extract(a.details, '$.to') END AS event,
                     CASE WHEN json_type(a.details, '$.reason') = 'text'
                          THEN substr(json_extract(a.details, '$.reason'), 1, 200) END AS reason,
                     CASE WHEN json_extract(a.details, '$.by') IN ('office', 'operator')
                          THEN json_extract(a.details, '$.by')
                          WHEN a.actor IN ('system', 'backoffice') THEN 'office' ELSE 'operator' END AS by,
                     COALESCE((SELECT {_REVISION.format(entry="c")} FROM audit c WHERE c.job_id = a.job_id
                               AND c.action = 'job.corrected' AND c.seq <= a.seq ORDER BY c.seq DESC LIMIT 1), 0)
                         AS revision
              FROM audit a
              WHERE a.job_id IS NOT NULL AND a.seq > COALESCE((SELECT CAST(value AS INTEGER) FROM station
                                                               WHERE key = 'backoffice.audit_seq'), 0))
        WHERE event IN ({_EVENTS})
        ORDER BY seq;
    DELETE FROM station WHERE key = 'backoffice.audit_seq';
    """,
    # 8 (issue 24, PROTOCOLS §4.1): the typed pickup code finds its document by `pickup_ref`, kept in the
    # document as received; an index on that expression makes the kiosk's look-up one probe. A job keeps who
    # cancelled it (§7.1 `by`: "office" or "operator"), for the citizen's sentence (the kiosk never reads the
    # audit to decide, ADR 0236); jobs cancelled before take it from their `job.cancelled` entry, once, here.
    """
    CREATE INDEX jobs_by_pickup_ref ON jobs(json_extract(payload, '$.pickup_ref'))
        WHERE json_valid(payload) AND json_extract(payload, '$.pickup_ref') IS NOT NULL;
    ALTER TABLE jobs ADD COLUMN cancelled_by TEXT CHECK (cancelled_by IS NULL OR cancelled_by IN ('office', 'operator'));
    UPDATE jobs SET cancelled_by = (
        SELECT CASE WHEN json_extract(a.details, '$.by') IN ('office', 'operator') THEN json_extract(a.details, '$.by')
                    WHEN a.actor IN ('system', 'backoffice') THEN 'office' ELSE 'operator' END
        FROM audit a WHERE a.job_id = jobs.id AND a.action = 'job.cancelled' ORDER BY a.seq DESC LIMIT 1)
    WHERE state = 'cancelled';
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
