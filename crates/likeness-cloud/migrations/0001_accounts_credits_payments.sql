-- Accounts, the credits ledger, credit packs, orders, webhook events and
-- signed receipts. Money rules live here as constraints, so that no code path
-- can break them: a balance never goes negative, the ledger and the receipts
-- are append-only, and each order is granted at most once.

-- Anonymous device accounts: no name, no e-mail. Only the token's SHA-256.
CREATE TABLE accounts (
    account_id   TEXT PRIMARY KEY,
    token_sha256 BYTEA NOT NULL UNIQUE CHECK (length(token_sha256) = 32),
    -- Credits free to spend, and credits held by jobs not yet ended.
    balance      BIGINT NOT NULL DEFAULT 0 CHECK (balance >= 0),
    held         BIGINT NOT NULL DEFAULT 0 CHECK (held >= 0),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE packs (
    pack_id      TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    credits      BIGINT NOT NULL CHECK (credits > 0),
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    currency     TEXT NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
    on_sale      BOOLEAN NOT NULL DEFAULT true,
    sort_order   INTEGER NOT NULL DEFAULT 0
);

INSERT INTO packs (pack_id, name, credits, amount_cents, currency, sort_order) VALUES
    ('starter', 'Starter: 100 credits', 100, 499, 'usd', 1),
    ('standard', 'Standard: 500 credits', 500, 1999, 'usd', 2),
    ('studio', 'Studio: 1,500 credits', 1500, 4999, 'usd', 3);

-- One order per checkout. The pack's credits and price are copied in, so a
-- later price change never alters an order already made.
CREATE TABLE orders (
    order_id            TEXT PRIMARY KEY,
    account_id          TEXT NOT NULL REFERENCES accounts (account_id),
    pack_id             TEXT NOT NULL REFERENCES packs (pack_id),
    credits             BIGINT NOT NULL CHECK (credits > 0),
    amount_cents        BIGINT NOT NULL CHECK (amount_cents > 0),
    currency            TEXT NOT NULL,
    state               TEXT NOT NULL DEFAULT 'pending'
                        CHECK (state IN ('pending', 'processing', 'paid', 'failed', 'expired')),
    provider            TEXT NOT NULL CHECK (provider IN ('local', 'stripe')),
    provider_session_id TEXT UNIQUE,
    checkout_url        TEXT,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX orders_by_account ON orders (account_id, created_at DESC);

-- The credits ledger: every change to a balance, append-only. `credits` is
-- always positive; `kind` says which way it went. A grant names its order, the
-- job kinds name their job, and each (kind, reference) appears once, so a
-- redelivered event or a retried job can never count twice.
CREATE TABLE ledger (
    entry_id      BIGSERIAL PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts (account_id),
    kind          TEXT NOT NULL CHECK (kind IN ('grant', 'hold', 'charge', 'refund', 'release')),
    credits       BIGINT NOT NULL CHECK (credits > 0),
    reason        TEXT NOT NULL,
    order_id      TEXT REFERENCES orders (order_id),
    job_id        TEXT,
    balance_after BIGINT NOT NULL CHECK (balance_after >= 0),
    at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((kind = 'grant') = (order_id IS NOT NULL)),
    CHECK ((kind = 'grant') = (job_id IS NULL))
);
CREATE UNIQUE INDEX ledger_once_per_order ON ledger (kind, order_id) WHERE order_id IS NOT NULL;
CREATE UNIQUE INDEX ledger_once_per_job ON ledger (kind, job_id) WHERE job_id IS NOT NULL;
CREATE INDEX ledger_by_account ON ledger (account_id, entry_id DESC);

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER ledger_is_append_only BEFORE UPDATE OR DELETE ON ledger
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER ledger_is_never_truncated BEFORE TRUNCATE ON ledger
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Every payment event handled, by its provider event id: a redelivery finds
-- its id here and changes nothing.
CREATE TABLE payment_events (
    event_id    TEXT PRIMARY KEY,
    event_type  TEXT NOT NULL,
    session_id  TEXT,
    outcome     TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- ed25519 receipt keys. The newest is used unless LIKENESS_CLOUD_RECEIPT_KEY
-- names one; old ones stay so that old receipts can still be checked.
CREATE TABLE receipt_keys (
    key_id     TEXT PRIMARY KEY,
    public_key BYTEA NOT NULL CHECK (length(public_key) = 32),
    seed       BYTEA CHECK (length(seed) = 32),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Signed receipts, one per order (and, later, one per job), append-only.
CREATE TABLE receipts (
    receipt_id    TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('purchase', 'job')),
    account_id    TEXT NOT NULL REFERENCES accounts (account_id),
    order_id      TEXT UNIQUE REFERENCES orders (order_id),
    job_id        TEXT UNIQUE,
    credits       BIGINT NOT NULL CHECK (credits > 0),
    amount_cents  BIGINT,
    currency      TEXT,
    output_sha256 TEXT,
    issued_at     TIMESTAMPTZ NOT NULL,
    key_id        TEXT NOT NULL REFERENCES receipt_keys (key_id),
    signature     BYTEA NOT NULL CHECK (length(signature) = 64),
    CHECK ((kind = 'purchase') = (order_id IS NOT NULL))
);
CREATE TRIGGER receipts_are_append_only BEFORE UPDATE OR DELETE ON receipts
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- The local payment provider's own checkout sessions (`--payments local`):
-- what Stripe would keep on its side. Unused with real Stripe.
CREATE TABLE local_checkout_sessions (
    session_id     TEXT PRIMARY KEY,
    order_id       TEXT NOT NULL UNIQUE,
    description    TEXT NOT NULL,
    amount_cents   BIGINT NOT NULL,
    currency       TEXT NOT NULL,
    success_url    TEXT NOT NULL,
    cancel_url     TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'complete', 'expired')),
    payment_status TEXT NOT NULL DEFAULT 'unpaid' CHECK (payment_status IN ('unpaid', 'paid')),
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
