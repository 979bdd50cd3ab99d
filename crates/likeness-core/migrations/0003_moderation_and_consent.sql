-- Every moderation decision, kept as metadata (never the image) even after the
-- portrait is deleted or was rejected. 3-year retention.
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
CREATE INDEX moderation_records_by_time ON moderation_records (decided_at DESC, id DESC);

-- The decision that let a portrait into the library. NULL for portraits imported
-- before moderation existed: they are checked at the next start.
ALTER TABLE portraits ADD COLUMN moderation_id INTEGER REFERENCES moderation_records (id);

-- Each consent answer, as given or withdrawn, with the policy it was given under.
CREATE TABLE consent_records (
    id             INTEGER PRIMARY KEY,
    kind           TEXT    NOT NULL CHECK (kind IN ('adult', 'photo_rights', 'face_processing')),
    granted        INTEGER NOT NULL CHECK (granted IN (0, 1)),
    policy_version TEXT    NOT NULL,
    recorded_at    TEXT    NOT NULL
);
