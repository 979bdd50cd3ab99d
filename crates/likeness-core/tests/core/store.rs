//! The database: schema snapshot and data-preserving upgrades.

use likeness_core::store::{Store, MIGRATIONS};
use rusqlite::Connection;

#[test]
fn schema_after_all_migrations_matches_the_committed_snapshot() {
    let store = Store::open_in_memory().unwrap();
    assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len());
    let snapshot_path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/core/schema.snapshot.sql");
    let actual = store.schema_sql().unwrap();
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&snapshot_path, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&snapshot_path).unwrap();
    assert_eq!(
        actual, expected,
        "schema changed: review it, then rerun with UPDATE_SNAPSHOTS=1"
    );
}

#[test]
fn a_database_from_the_first_release_upgrades_with_its_portraits_intact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("likeness.db");
    {
        let old = Store::from_connection(Connection::open(&path).unwrap(), 1).unwrap();
        assert_eq!(old.schema_version().unwrap(), 1);
    }
    let conn = Connection::open(&path).unwrap();
    conn.execute(
        "INSERT INTO portraits (sha256, original_name, format, width, height, bytes, imported_at)
         VALUES ('aa11', 'me.jpg', 'jpeg', 800, 1000, 12345, '2026-01-02T03:04:05Z')",
        [],
    )
    .unwrap();
    drop(conn);

    let upgraded = Store::open(&path).unwrap();
    assert_eq!(upgraded.schema_version().unwrap(), MIGRATIONS.len());
    let rows = upgraded.list_portraits().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].sha256.as_str(), rows[0].width, rows[0].height),
        ("aa11", 800, 1000)
    );
    assert_eq!(rows[0].original_name, "me.jpg");
    let conn = Connection::open(&path).unwrap();
    let last_used: String = conn
        .query_row("SELECT last_used_at FROM portraits", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        last_used, "2026-01-02T03:04:05Z",
        "last use starts at the import time"
    );
}

#[test]
fn a_database_from_a_newer_app_is_refused_rather_than_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("likeness.db");
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 999)
        .unwrap();
    assert!(Store::open(&path).is_err());
}

#[test]
fn the_database_file_is_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("likeness.db");
    let _store = Store::open(&path).unwrap();
    let conn = Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}
