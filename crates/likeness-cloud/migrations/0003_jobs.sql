-- Jobs: one paid unit of work. The job row, its hold and its end are each
-- written in one transaction with the ledger lines they cause; the ledger's
-- unique (kind, job_id) index means a job is held, charged or released at most
-- once whatever retries or races happen.

CREATE TABLE jobs (
    job_id            TEXT PRIMARY KEY,
    account_id        TEXT NOT NULL REFERENCES accounts (account_id),
    -- The client's Idempotency-Key and the SHA-256 of what it sent with it:
    -- the same key with the same request is the same job, with another
    -- request it is refused.
    idempotency_key   TEXT NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    request_sha256    BYTEA NOT NULL CHECK (length(request_sha256) = 32),
    -- A quote buys one job: the charge is the quote's credits, always.
    quote_id          TEXT NOT NULL UNIQUE REFERENCES quotes (quote_id),
    kind              TEXT NOT NULL CHECK (kind IN ('style', 'hd_x2', 'hd_x4')),
    params            TEXT NOT NULL,
    credits           BIGINT NOT NULL CHECK (credits > 0),
    width             INTEGER NOT NULL CHECK (width > 0),
    height            INTEGER NOT NULL CHECK (height > 0),
    state             TEXT NOT NULL DEFAULT 'queued'
                      CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'refused')),
    progress          REAL NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
    error_code        TEXT,
    error_message     TEXT,
    -- Object-store keys. The input's is cleared when the input is deleted (as
    -- soon as the job ends); the output's when the output is.
    input_key         TEXT,
    output_key        TEXT,
    output_sha256     TEXT,
    output_width      INTEGER,
    output_height     INTEGER,
    output_bytes      BIGINT,
    downloaded_at     TIMESTAMPTZ,
    -- The current lease: only the worker holding `lease_id` may finish the
    -- job, and only before `lease_expires_at` is passed and claimed again.
    lease_id          TEXT,
    lease_expires_at  TIMESTAMPTZ,
    worker            TEXT,
    claims            INTEGER NOT NULL DEFAULT 0,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at        TIMESTAMPTZ,
    ended_at          TIMESTAMPTZ,
    UNIQUE (account_id, idempotency_key),
    CHECK ((state IN ('queued', 'running')) = (ended_at IS NULL)),
    CHECK ((state = 'running') = (lease_id IS NOT NULL)),
    CHECK (state <> 'succeeded' OR output_sha256 IS NOT NULL),
    CHECK (state NOT IN ('failed', 'refused') OR error_code IS NOT NULL)
);
-- What workers claim: queued jobs in order, and running ones whose lease ran out.
CREATE INDEX jobs_to_claim ON jobs (created_at) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_by_account ON jobs (account_id, created_at DESC);
-- What the retention sweep deletes: images of ended jobs still in storage.
CREATE INDEX jobs_with_images ON jobs (ended_at)
    WHERE input_key IS NOT NULL OR output_key IS NOT NULL;

-- A job's receipt names its job.
ALTER TABLE receipts ADD CONSTRAINT receipts_job_names_its_job
    CHECK ((kind = 'job') = (job_id IS NOT NULL));
