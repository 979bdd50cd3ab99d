CREATE INDEX moderation_records_by_time ON moderation_records (decided_at DESC, id DESC);
CREATE INDEX portraits_by_imported_at ON portraits (imported_at DESC, id DESC);
CREATE TABLE consent_records (
    id             INTEGER PRIMARY KEY,
    kind           TEXT    NOT NULL CHECK (kind IN ('adult', 'photo_rights', 'face_processing')),
    granted        INTEGER NOT NULL CHECK (granted IN (0, 1)),
    policy_version TEXT    NOT NULL,
    recorded_at    TEXT    NOT NULL
);
CREATE TABLE moderation_records (
    id                INTEGER PRIMARY KEY,
    image_sha256      TEXT    NOT NULL,
    source_name       TEXT    NOT NULL,
    decision          TEXT    NOT NULL CHECK (decision IN ('accept', 'reject')),
    reason            TEXT    NOT NULL,
    confidence        REAL    NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    faces_json        TEXT    NOT NULL,
    model_hashes_json TEXT    NOT NULL,
    thresholds_json   TEXT    NOT NULL,
    app_version       TEXT    NOT NULL,
    session_ref       TEXT    NOT NULL,
    decided_at        TEXT    NOT NULL
);
CREATE TABLE portraits (
    id            INTEGER PRIMARY KEY,
    sha256        TEXT    NOT NULL UNIQUE,
    original_name TEXT    NOT NULL,
    format        TEXT    NOT NULL CHECK (format IN ('jpeg', 'png')),
    width         INTEGER NOT NULL CHECK (width > 0),
    height        INTEGER NOT NULL CHECK (height > 0),
    bytes         INTEGER NOT NULL CHECK (bytes > 0),
    imported_at   TEXT    NOT NULL
, last_used_at TEXT, moderation_id INTEGER REFERENCES moderation_records (id));
