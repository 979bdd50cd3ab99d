//! The database: schema snapshot and data-preserving upgrades.

use likeness_core::db::{Db, DbError, MIGRATIONS};
use rusqlite::Connection;

#[test]
fn schema_after_all_migrations_matches_the_committed_snapshot() {
    let store = Db::open_in_memory().unwrap();
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
        let old = Db::open_with(&path, &MIGRATIONS[..1]).unwrap();
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

    let upgraded = Db::open(&path).unwrap();
    assert_eq!(upgraded.schema_version().unwrap(), MIGRATIONS.len());
    let conn = Connection::open(&path).unwrap();
    let row: (String, u32, u32, String) = conn
        .query_row(
            "SELECT sha256, width, height, original_name FROM portraits",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(row, ("aa11".into(), 800, 1000, "me.jpg".into()));
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
    assert!(Db::open(&path).is_err());
}

#[test]
fn the_database_file_is_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("likeness.db");
    let _store = Db::open(&path).unwrap();
    let conn = Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

/// A later migration that rebuilds `portraits` the way SQLite requires to
/// widen a `CHECK` (new table, copy, drop, rename), as adding a format would.
const REBUILD_PORTRAITS: &str = "
    CREATE TABLE portraits_new (
        id            INTEGER PRIMARY KEY,
        sha256        TEXT    NOT NULL UNIQUE,
        original_name TEXT    NOT NULL,
        format        TEXT    NOT NULL CHECK (format IN ('jpeg', 'png', 'webp')),
        width         INTEGER NOT NULL CHECK (width > 0),
        height        INTEGER NOT NULL CHECK (height > 0),
        bytes         INTEGER NOT NULL CHECK (bytes > 0),
        imported_at   TEXT    NOT NULL,
        last_used_at  TEXT,
        moderation_id INTEGER REFERENCES moderation_records (id),
        face_json     TEXT
    );
    INSERT INTO portraits_new SELECT id, sha256, original_name, format, width, height, bytes,
        imported_at, last_used_at, moderation_id, face_json FROM portraits;
    DROP TABLE portraits;
    ALTER TABLE portraits_new RENAME TO portraits;
";

fn a_portrait_with_a_queued_job(path: &std::path::Path) {
    let db = Db::open(path).unwrap();
    db.write(|tx| {
        tx.execute(
            "INSERT INTO portraits (sha256, original_name, format, width, height, bytes, imported_at)
             VALUES ('aa11', 'me.jpg', 'jpeg', 800, 1000, 12345, '2026-01-02T03:04:05Z')",
            [],
        )?;
        tx.execute(
            "INSERT INTO jobs (portrait_id, kind, settings_json, created_at, queue_seq)
             VALUES (1, 'preview', '{}', '2026-01-02T03:04:05Z', 1)",
            [],
        )?;
        Ok::<_, DbError>(())
    })
    .unwrap();
}

#[test]
fn a_migration_that_rebuilds_a_table_keeps_the_rows_that_refer_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("likeness.db");
    a_portrait_with_a_queued_job(&path);
    let steps: Vec<&str> = MIGRATIONS
        .iter()
        .copied()
        .chain([REBUILD_PORTRAITS])
        .collect();

    let upgraded = Db::open_with(&path, &steps).unwrap();

    assert_eq!(upgraded.schema_version().unwrap(), MIGRATIONS.len() + 1);
    let conn = Connection::open(&path).unwrap();
    let jobs: i64 = conn
        .query_row("SELECT COUNT(*) FROM jobs WHERE portrait_id = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(
        jobs, 1,
        "the job survives its portrait's table being rebuilt"
    );
}

#[test]
fn a_migration_that_would_break_references_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("likeness.db");
    a_portrait_with_a_queued_job(&path);
    let orphaning = "DELETE FROM portraits;";
    let steps: Vec<&str> = MIGRATIONS.iter().copied().chain([orphaning]).collect();

    let refused = Db::open_with(&path, &steps);

    assert!(
        matches!(refused, Err(DbError::BrokenReferences { step, .. }) if step == MIGRATIONS.len() + 1)
    );
    let conn = Connection::open(&path).unwrap();
    let portraits: i64 = conn
        .query_row("SELECT COUNT(*) FROM portraits", [], |r| r.get(0))
        .unwrap();
    assert_eq!(portraits, 1);
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version as usize, MIGRATIONS.len());
}

#[test]
fn an_upgrade_keeps_the_framing_face_on_the_portrait_and_strips_old_records_to_the_minimum() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("likeness.db");
    drop(Db::open_with(&path, &MIGRATIONS[..5]).unwrap());
    let faces = r#"[{"box":[10,20,100,120],"score":0.98,
        "landmarks":[[40,60],[80,61],[60,80],[45,100],[75,100]],"age":31.5}]"#;
    let conn = Connection::open(&path).unwrap();
    for (id, decision, name) in [(1, "accept", "me.jpg"), (2, "reject", "my-niece.jpg")] {
        conn.execute(
            "INSERT INTO moderation_records (id, image_sha256, source_name, decision, reason,
                 confidence, faces_json, model_hashes_json, thresholds_json, app_version,
                 session_ref, decided_at)
             VALUES (?1, 'aa', ?3, ?2, 'x', 0.93, ?4, '{}', '{}', '0.1.0', 's', '2026-01-01T00:00:00Z')",
            rusqlite::params![id, decision, name, faces],
        )
        .unwrap();
    }
    conn.execute(
        "INSERT INTO portraits (sha256, original_name, format, width, height, bytes, imported_at,
             last_used_at, moderation_id)
         VALUES ('aa', 'me.jpg', 'jpeg', 800, 1000, 12345, '2026-01-02T03:04:05Z',
             '2026-01-02T03:04:05Z', 1)",
        [],
    )
    .unwrap();
    drop(conn);

    drop(Db::open(&path).unwrap());

    let conn = Connection::open(&path).unwrap();
    let face: String = conn
        .query_row("SELECT face_json FROM portraits", [], |r| r.get(0))
        .unwrap();
    let face: serde_json::Value = serde_json::from_str(&face).unwrap();
    assert_eq!(
        face,
        serde_json::json!({"bbox": [10, 20, 100, 120], "leftEye": [40, 60], "rightEye": [80, 61]}),
        "framing keeps the box and the eyes, and nothing else of the face"
    );
    let columns: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('moderation_records')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for gone in ["faces_json", "source_name", "confidence"] {
        assert!(
            !columns.contains(&gone.to_owned()),
            "{gone} is gone: {columns:?}"
        );
    }
    let bands: Vec<String> = conn
        .prepare("SELECT confidence_band FROM moderation_records ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(bands, ["high", "high"]);
    drop(conn);
    assert_not_in_database_files(dir.path(), &["my-niece.jpg", "31.5", "landmarks"]);
}

/// Neither the database file nor its write-ahead log holds any of `secrets`.
pub fn assert_not_in_database_files(data_dir: &std::path::Path, secrets: &[&str]) {
    for file in ["likeness.db", "likeness.db-wal"] {
        let bytes = std::fs::read(data_dir.join(file)).unwrap_or_default();
        for secret in secrets {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret:?} is left in {file}"
            );
        }
    }
}
