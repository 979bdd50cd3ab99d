-- Retention counts 30 days from a portrait's last use, so record it.
-- Existing rows start from their import time.
ALTER TABLE portraits ADD COLUMN last_used_at TEXT;
UPDATE portraits SET last_used_at = imported_at;
CREATE INDEX portraits_by_imported_at ON portraits (imported_at DESC, id DESC);
