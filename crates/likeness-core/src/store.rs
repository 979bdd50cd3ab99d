//! The SQLite store: connection set-up, numbered migrations and the portrait table.
//!
//! Migrations are the numbered files in `migrations/`, tracked in SQLite's
//! `user_version`. (`rusqlite_migration` has no release for rusqlite 0.41, so
//! the runner lives here; it is one loop, each step in its own transaction.)

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::consent::{ConsentKind, ConsentRecord};

/// The schema migrations, in order. Append only: never edit a shipped one.
pub const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_portraits.sql"),
    include_str!("../migrations/0002_portrait_last_used.sql"),
    include_str!("../migrations/0003_moderation_and_consent.sql"),
];

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the local database failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(
        "the database was written by a newer Likeness (schema {found}, this app knows {known})"
    )]
    TooNew { found: usize, known: usize },
}

/// A portrait row as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortraitRow {
    pub id: i64,
    pub sha256: String,
    pub original_name: String,
    pub format: String,
    pub width: u32,
    pub height: u32,
    pub bytes: i64,
    pub imported_at: String,
}

/// A new portrait to insert.
pub struct NewPortrait<'a> {
    pub sha256: &'a str,
    pub original_name: &'a str,
    pub format: &'a str,
    pub width: u32,
    pub height: u32,
    pub bytes: i64,
    pub imported_at: &'a str,
    /// The accepting moderation decision.
    pub moderation_id: i64,
}

/// A moderation decision to record. JSON columns hold the per-face details,
/// model hashes and thresholds exactly as the decision used them.
pub struct NewModerationRecord<'a> {
    pub image_sha256: &'a str,
    pub source_name: &'a str,
    pub decision: &'a str,
    pub reason: &'a str,
    pub confidence: f64,
    pub faces_json: &'a str,
    pub model_hashes_json: &'a str,
    pub thresholds_json: &'a str,
    pub app_version: &'a str,
    pub session_ref: &'a str,
    pub decided_at: &'a str,
}

/// The database. Owns its connection behind a lock; callers use its methods.
pub struct Store {
    conn: Mutex<Connection>,
}

impl Store {
    /// Open (creating if needed) the database at `path` and migrate it to the latest schema.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::from_connection(Connection::open(path)?, MIGRATIONS.len())
    }

    /// A private in-memory database, for tests.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::from_connection(Connection::open_in_memory()?, MIGRATIONS.len())
    }

    /// Set the pragmas, then apply migrations up to `target` (the count of migrations to have run).
    pub fn from_connection(mut conn: Connection, target: usize) -> Result<Self, StoreError> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut conn, target)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written
        // (statements are atomic), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The schema version (count of applied migrations).
    pub fn schema_version(&self) -> Result<usize, StoreError> {
        Ok(user_version(&self.conn())?)
    }

    /// The schema as SQL text, sorted, for snapshot tests.
    pub fn schema_sql(&self) -> Result<String, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type, name",
        )?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = String::new();
        for sql in rows {
            out.push_str(&sql?);
            out.push_str(";\n");
        }
        Ok(out)
    }

    /// Insert a portrait, or return the existing row with the same content hash.
    /// The `bool` is true when the row is new.
    pub fn insert_portrait(&self, p: &NewPortrait<'_>) -> Result<(PortraitRow, bool), StoreError> {
        let conn = self.conn();
        let inserted = conn.execute(
            "INSERT INTO portraits
                 (sha256, original_name, format, width, height, bytes, imported_at, last_used_at, moderation_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)
             ON CONFLICT (sha256) DO NOTHING",
            params![
                p.sha256,
                p.original_name,
                p.format,
                p.width,
                p.height,
                p.bytes,
                p.imported_at,
                p.moderation_id
            ],
        )?;
        let row = conn.query_row(
            &format!("{SELECT_PORTRAIT} WHERE sha256 = ?1"),
            [p.sha256],
            portrait_from_row,
        )?;
        Ok((row, inserted == 1))
    }

    /// All portraits, newest first.
    pub fn list_portraits(&self) -> Result<Vec<PortraitRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "{SELECT_PORTRAIT} ORDER BY imported_at DESC, id DESC"
        ))?;
        let rows = stmt.query_map([], portrait_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One portrait by id.
    pub fn get_portrait(&self, id: i64) -> Result<Option<PortraitRow>, StoreError> {
        let conn = self.conn();
        Ok(conn
            .query_row(
                &format!("{SELECT_PORTRAIT} WHERE id = ?1"),
                [id],
                portrait_from_row,
            )
            .optional()?)
    }

    /// Delete a portrait row, running `remove_files` inside the same transaction:
    /// if the files cannot be removed, the row stays, so nothing is left half-deleted.
    pub fn delete_portrait<E: From<StoreError>>(
        &self,
        id: i64,
        remove_files: impl FnOnce(&PortraitRow) -> Result<(), E>,
    ) -> Result<Option<PortraitRow>, E> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(StoreError::from)?;
        let row = tx
            .query_row(
                &format!("{SELECT_PORTRAIT} WHERE id = ?1"),
                [id],
                portrait_from_row,
            )
            .optional()
            .map_err(StoreError::from)?;
        let Some(row) = row else { return Ok(None) };
        tx.execute("DELETE FROM portraits WHERE id = ?1", [id])
            .map_err(StoreError::from)?;
        remove_files(&row)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(Some(row))
    }
}

impl Store {
    /// Record a moderation decision; returns its id.
    pub fn insert_moderation(&self, r: &NewModerationRecord<'_>) -> Result<i64, StoreError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO moderation_records (image_sha256, source_name, decision, reason, confidence,
                 faces_json, model_hashes_json, thresholds_json, app_version, session_ref, decided_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                r.image_sha256,
                r.source_name,
                r.decision,
                r.reason,
                r.confidence,
                r.faces_json,
                r.model_hashes_json,
                r.thresholds_json,
                r.app_version,
                r.session_ref,
                r.decided_at
            ],
        )?;
        Ok(conn.last_insert_rowid())
    }

    /// Count moderation records, optionally only those with `reason`.
    pub fn count_moderation(&self, reason: Option<&str>) -> Result<u64, StoreError> {
        let conn = self.conn();
        let n: i64 = conn.query_row(
            "SELECT COUNT(*) FROM moderation_records WHERE ?1 IS NULL OR reason = ?1",
            [reason],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    /// Portraits never checked (imported before moderation existed).
    pub fn unmoderated_portraits(&self) -> Result<Vec<PortraitRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "{SELECT_PORTRAIT} WHERE moderation_id IS NULL ORDER BY id"
        ))?;
        let rows = stmt.query_map([], portrait_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Link a portrait to the decision that accepted it.
    pub fn set_portrait_moderation(&self, id: i64, moderation_id: i64) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE portraits SET moderation_id = ?2 WHERE id = ?1",
            params![id, moderation_id],
        )?;
        Ok(())
    }

    /// Append a consent answer.
    pub fn insert_consent(
        &self,
        kind: ConsentKind,
        granted: bool,
        policy_version: &str,
        recorded_at: &str,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO consent_records (kind, granted, policy_version, recorded_at) VALUES (?1, ?2, ?3, ?4)",
            params![kind.as_str(), granted, policy_version, recorded_at],
        )?;
        Ok(())
    }

    /// Every consent answer, newest first.
    pub fn consent_history(&self) -> Result<Vec<ConsentRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, kind, granted, policy_version, recorded_at FROM consent_records ORDER BY id DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            let kind: String = r.get(1)?;
            let kind = ConsentKind::parse(&kind).ok_or_else(|| {
                let e = format!("unknown consent kind {kind:?}");
                rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, e.into())
            })?;
            Ok(ConsentRecord {
                id: r.get(0)?,
                kind,
                granted: r.get(2)?,
                policy_version: r.get(3)?,
                recorded_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

const SELECT_PORTRAIT: &str =
    "SELECT id, sha256, original_name, format, width, height, bytes, imported_at FROM portraits";

fn portrait_from_row(r: &Row<'_>) -> rusqlite::Result<PortraitRow> {
    Ok(PortraitRow {
        id: r.get(0)?,
        sha256: r.get(1)?,
        original_name: r.get(2)?,
        format: r.get(3)?,
        width: r.get(4)?,
        height: r.get(5)?,
        bytes: r.get(6)?,
        imported_at: r.get(7)?,
    })
}

fn user_version(conn: &Connection) -> rusqlite::Result<usize> {
    conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
        .map(|v| v as usize)
}

/// Apply the migrations after the current `user_version`, up to `target`, each atomically.
fn migrate(conn: &mut Connection, target: usize) -> Result<(), StoreError> {
    let current = user_version(conn)?;
    if current > MIGRATIONS.len() {
        return Err(StoreError::TooNew {
            found: current,
            known: MIGRATIONS.len(),
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().take(target).skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
