-- Likeness Cloud, on this side: the user's opt-in (a row per change, with
-- the exact wording shown when turning it on), the orders started here, and
-- the signed receipts the server gave back (kept 7 years, like the server's).
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
CREATE INDEX cloud_receipts_by_issued_at ON cloud_receipts (issued_at DESC);
CREATE INDEX cloud_receipts_by_job ON cloud_receipts (job_id);
