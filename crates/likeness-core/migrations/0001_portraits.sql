-- The local portrait library: one row per stored (stripped, oriented) image.
CREATE TABLE portraits (
    id            INTEGER PRIMARY KEY,
    sha256        TEXT    NOT NULL UNIQUE,
    original_name TEXT    NOT NULL,
    format        TEXT    NOT NULL CHECK (format IN ('jpeg', 'png')),
    width         INTEGER NOT NULL CHECK (width > 0),
    height        INTEGER NOT NULL CHECK (height > 0),
    bytes         INTEGER NOT NULL CHECK (bytes > 0),
    imported_at   TEXT    NOT NULL
);
