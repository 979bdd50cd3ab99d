-- Quotes: a price for one job, held for a short while. A job submitted with a
-- quote is charged exactly the quoted credits; an expired quote is refused.
CREATE TABLE quotes (
    quote_id   TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (account_id),
    kind       TEXT NOT NULL CHECK (kind IN ('style', 'hd_x2', 'hd_x4')),
    params     TEXT NOT NULL,
    width      INTEGER NOT NULL CHECK (width > 0),
    height     INTEGER NOT NULL CHECK (height > 0),
    credits    BIGINT NOT NULL CHECK (credits > 0),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    CHECK (expires_at > created_at)
);
CREATE INDEX quotes_by_account ON quotes (account_id, created_at DESC);
