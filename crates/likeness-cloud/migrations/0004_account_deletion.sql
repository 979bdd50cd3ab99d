-- An account its owner deleted: the token hash is gone, so the token can
-- never sign in again; the row stays because the ledger and receipts (kept
-- 7 years, with no personal data in them) refer to it.
ALTER TABLE accounts ALTER COLUMN token_sha256 DROP NOT NULL;
ALTER TABLE accounts ADD COLUMN deleted_at TIMESTAMPTZ;
ALTER TABLE accounts ADD CONSTRAINT deleted_accounts_have_no_token
    CHECK ((deleted_at IS NULL) = (token_sha256 IS NOT NULL));
