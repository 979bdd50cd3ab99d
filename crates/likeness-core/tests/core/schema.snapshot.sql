CREATE INDEX cloud_receipts_by_issued_at ON cloud_receipts (issued_at DESC);
CREATE INDEX cloud_receipts_by_job ON cloud_receipts (job_id);
CREATE INDEX consent_records_by_kind ON consent_records (kind, recorded_at DESC, id DESC);
CREATE INDEX jobs_by_created_at ON jobs (created_at DESC, id DESC);
CREATE INDEX jobs_by_parent_output ON jobs (parent_output_id);
CREATE INDEX jobs_by_portrait ON jobs (portrait_id);
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state IN ('done', 'failed', 'cancelled');
CREATE INDEX jobs_queue ON jobs (state, queue_seq);
CREATE INDEX moderation_records_by_time ON moderation_records (decided_at DESC, id DESC);
CREATE INDEX output_styles_by_output ON output_styles (output_id);
CREATE INDEX outputs_by_created_at ON outputs (created_at DESC, id DESC);
CREATE INDEX outputs_by_job ON outputs (job_id);
CREATE INDEX outputs_by_portrait ON outputs (portrait_id, created_at DESC, id DESC);
CREATE INDEX outputs_by_sha256 ON outputs (sha256);
CREATE INDEX outputs_by_style ON outputs (style_key, created_at DESC, id DESC);
CREATE INDEX outputs_favourites ON outputs (created_at DESC, id DESC) WHERE favourite = 1;
CREATE INDEX portraits_by_imported_at ON portraits (imported_at DESC, id DESC);
CREATE INDEX portraits_by_last_used ON portraits (last_used_at);
CREATE TABLE cloud_jobs_in_flight (
    job_id        INTEGER PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    remote_job_id TEXT    NOT NULL
);
CREATE TABLE cloud_optins (
    id             INTEGER PRIMARY KEY,
    enabled        INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    server_url     TEXT    NOT NULL,
    language       TEXT,
    wording_sha256 TEXT,
    at             TEXT    NOT NULL,
    CHECK (enabled = 0 OR (language IS NOT NULL AND wording_sha256 IS NOT NULL))
);
CREATE TABLE cloud_orders (
    order_id   TEXT    PRIMARY KEY,
    server_url TEXT    NOT NULL,
    pack_id    TEXT    NOT NULL,
    state      TEXT    NOT NULL
               CHECK (state IN ('pending', 'processing', 'paid', 'failed', 'expired')),
    credits    INTEGER NOT NULL CHECK (credits >= 0),
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
);
CREATE TABLE cloud_receipts (
    receipt_id   TEXT    PRIMARY KEY,
    kind         TEXT    NOT NULL CHECK (kind IN ('purchase', 'job')),
    receipt_json TEXT    NOT NULL,
    issued_at    TEXT    NOT NULL,
    -- The local job a job receipt paid for.
    job_id       INTEGER REFERENCES jobs (id) ON DELETE SET NULL
);
CREATE TABLE consent_records (
    id             INTEGER PRIMARY KEY,
    kind           TEXT    NOT NULL CHECK (kind IN ('adult', 'photo_rights', 'face_processing')),
    granted        INTEGER NOT NULL CHECK (granted IN (0, 1)),
    policy_version TEXT    NOT NULL,
    recorded_at    TEXT    NOT NULL
, language TEXT, wording_sha256 TEXT);
CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY,
    portrait_id      INTEGER REFERENCES portraits (id) ON DELETE CASCADE,
    kind             TEXT    NOT NULL CHECK (kind IN ('preview', 'hd')),
    settings_json    TEXT    NOT NULL,
    state            TEXT    NOT NULL DEFAULT 'queued'
                             CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    progress         REAL    NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
    error_code       TEXT,
    error_message    TEXT,
    -- Runs started (counted when the worker picks the job up).
    attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- Runs in a row cut off by a crash; the third fails the job as `interrupted`.
    interruptions    INTEGER NOT NULL DEFAULT 0 CHECK (interruptions >= 0),
    -- FIFO position, renewed by a retry so that it queues behind waiting jobs.
    queue_seq        INTEGER NOT NULL,
    created_at       TEXT    NOT NULL,
    started_at       TEXT,
    finished_at      TEXT,
    -- The preview an HD job upscales.
    parent_output_id INTEGER REFERENCES outputs (id) ON DELETE SET NULL
);
CREATE TABLE moderation_records (
    id                INTEGER PRIMARY KEY,
    image_sha256      TEXT    NOT NULL,
    decision          TEXT    NOT NULL CHECK (decision IN ('accept', 'reject')),
    reason            TEXT    NOT NULL,
    model_hashes_json TEXT    NOT NULL,
    thresholds_json   TEXT    NOT NULL,
    app_version       TEXT    NOT NULL,
    session_ref       TEXT    NOT NULL,
    decided_at        TEXT    NOT NULL
, confidence_band TEXT NOT NULL DEFAULT 'medium'
    CHECK (confidence_band IN ('low', 'medium', 'high')));
CREATE TABLE output_styles (
    style_key TEXT    NOT NULL,
    output_id INTEGER NOT NULL REFERENCES outputs (id) ON DELETE CASCADE,
    PRIMARY KEY (style_key, output_id)
) WITHOUT ROWID;
CREATE TABLE outputs (
    id                INTEGER PRIMARY KEY,
    job_id            INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
    portrait_id       INTEGER REFERENCES portraits (id) ON DELETE SET NULL,
    sha256            TEXT    NOT NULL,
    format            TEXT    NOT NULL CHECK (format IN ('png', 'jpeg', 'webp')),
    width             INTEGER NOT NULL CHECK (width > 0),
    height            INTEGER NOT NULL CHECK (height > 0),
    bytes             INTEGER NOT NULL CHECK (bytes > 0),
    settings_json     TEXT    NOT NULL,
    -- Taken from the settings at insert time, for the History style filter.
    style_key         TEXT,
    engine            TEXT    NOT NULL,
    model_hashes_json TEXT    NOT NULL,
    seed              INTEGER,
    favourite         INTEGER NOT NULL DEFAULT 0 CHECK (favourite IN (0, 1)),
    created_at        TEXT    NOT NULL
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
, last_used_at TEXT, moderation_id INTEGER REFERENCES moderation_records (id), face_json TEXT);
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE style_pictures (
    sha256    TEXT    PRIMARY KEY,
    bytes     INTEGER NOT NULL CHECK (bytes > 0),
    stored_at TEXT    NOT NULL
);
CREATE TRIGGER outputs_filed_by_style AFTER INSERT ON outputs
BEGIN
    INSERT OR IGNORE INTO output_styles (style_key, output_id)
    SELECT json_extract(mix.value, '$[0]'), NEW.id
    FROM json_each(NEW.settings_json, '$.style.mix') AS mix
    WHERE json_extract(NEW.settings_json, '$.style.kind') = 'preset';
    INSERT OR IGNORE INTO output_styles (style_key, output_id)
    SELECT NEW.style_key, NEW.id WHERE NEW.style_key IS NOT NULL;
END;
