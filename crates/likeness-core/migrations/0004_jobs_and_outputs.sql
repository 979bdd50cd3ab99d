-- Generation jobs (the persistent queue) and their outputs (the history).
--
-- A job belongs to the portrait it generates from: deleting the portrait
-- deletes its jobs (ON DELETE CASCADE); a queued job for a face that is gone
-- can never run. Outputs outlive their portrait (their own 90-day retention),
-- so their `portrait_id` and `job_id` become NULL instead (ON DELETE SET NULL);
-- an output's files are only ever removed together with its row.
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
CREATE INDEX jobs_queue ON jobs (state, queue_seq);
CREATE INDEX jobs_by_created_at ON jobs (created_at DESC, id DESC);
CREATE INDEX jobs_by_portrait ON jobs (portrait_id);
CREATE INDEX jobs_by_parent_output ON jobs (parent_output_id);

-- One row per generated image. The file is in the vault under `sha256`;
-- identical images share one file.
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
-- History is read newest first with keyset pagination on (created_at, id).
CREATE INDEX outputs_by_created_at ON outputs (created_at DESC, id DESC);
CREATE INDEX outputs_by_portrait ON outputs (portrait_id, created_at DESC, id DESC);
CREATE INDEX outputs_by_style ON outputs (style_key, created_at DESC, id DESC);
CREATE INDEX outputs_favourites ON outputs (created_at DESC, id DESC) WHERE favourite = 1;
CREATE INDEX outputs_by_sha256 ON outputs (sha256);
CREATE INDEX outputs_by_job ON outputs (job_id);
