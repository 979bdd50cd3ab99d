-- A style picture gets a row of its own: vault files are named by a keyed
-- hash now, so a file's name no longer says which picture it is. Files kept
-- by an earlier version get their row when they are sealed.
CREATE TABLE style_pictures (
    sha256    TEXT    PRIMARY KEY,
    bytes     INTEGER NOT NULL CHECK (bytes > 0),
    stored_at TEXT    NOT NULL
);
