-- delist server schema, version 1. Portable SQL for SQLite and PostgreSQL: integers are BIGINT,
-- times are TEXT in fixed-width RFC 3339 UTC (so text order is time order), and the two types
-- that differ are written {{serial}} and {{blob}} (see src/db/mod.rs).

-- Key/value facts about the database itself: the engine fingerprint of the last evaluation.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE hosts (
    name TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    -- The upload whose inventory is the host's current state (the latest scan), if any.
    last_upload TEXT,
    last_scanned_at TEXT
);

-- Enrolment tokens: only the SHA-256 of each token is kept.
CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL REFERENCES hosts (name),
    hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

-- Inventories by content: a host that uploads the same inventory again stores nothing new.
CREATE TABLE inventories (
    sha256 TEXT PRIMARY KEY,
    body {{blob}} NOT NULL
);

-- Every upload, kept. `id` is the client's upload id: a retry with the same id is the same
-- upload, not a second one.
CREATE TABLE uploads (
    seq {{serial}},
    id TEXT NOT NULL UNIQUE,
    host TEXT NOT NULL REFERENCES hosts (name),
    received_at TEXT NOT NULL,
    scanned_at TEXT NOT NULL,
    inventory TEXT NOT NULL REFERENCES inventories (sha256),
    artifacts BIGINT NOT NULL,
    errors BIGINT NOT NULL,
    tool_version TEXT NOT NULL
);
CREATE INDEX uploads_host ON uploads (host, scanned_at);

-- Each time a host's inventory was evaluated: at upload, and again from the stored inventory
-- when the catalog or policy changes. `at` is the scan time for uploads, the time of the
-- re-evaluation otherwise. The trend charts are drawn from these.
CREATE TABLE evaluations (
    seq {{serial}},
    host TEXT NOT NULL REFERENCES hosts (name),
    upload_id TEXT NOT NULL,
    at TEXT NOT NULL,
    engine TEXT NOT NULL,
    reason TEXT NOT NULL,
    findings BIGINT NOT NULL,
    waived BIGINT NOT NULL
);
CREATE INDEX evaluations_host ON evaluations (host, at);
CREATE INDEX evaluations_upload ON evaluations (upload_id);

-- Per evaluation and list: the live (unwaived) and waived findings the list covers.
CREATE TABLE evaluation_lists (
    evaluation BIGINT NOT NULL,
    list TEXT NOT NULL,
    findings BIGINT NOT NULL,
    waived BIGINT NOT NULL,
    PRIMARY KEY (evaluation, list)
);

-- Each finding a host ever had, by its stable id: first seen, last seen, removed.
CREATE TABLE findings (
    host TEXT NOT NULL REFERENCES hosts (name),
    id TEXT NOT NULL,
    vendor TEXT NOT NULL,
    confidence TEXT NOT NULL,
    -- The covering lists' ids, space-separated, with a space at each end (`LIKE '% id %'`).
    lists TEXT NOT NULL,
    -- The finding as last evaluated (delist.report/1 `findings[]` item, JSON, no waiver).
    body TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    removed_at TEXT,
    PRIMARY KEY (host, id)
);
CREATE INDEX findings_vendor ON findings (vendor);
