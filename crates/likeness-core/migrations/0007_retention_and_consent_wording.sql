-- Retention runs (see `privacy::expiry`): the sweep finds what expired by these.
CREATE INDEX portraits_by_last_used ON portraits (last_used_at);
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state IN ('done', 'failed', 'cancelled');
CREATE INDEX consent_records_by_kind ON consent_records (kind, recorded_at DESC, id DESC);

-- A consent answer keeps the language and a sha256 of the exact wording shown.
-- NULL for answers given before this was kept.
ALTER TABLE consent_records ADD COLUMN language TEXT;
ALTER TABLE consent_records ADD COLUMN wording_sha256 TEXT;
