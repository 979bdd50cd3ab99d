//! The SQLite store: connection set-up, numbered migrations and the portrait table.
//!
//! Migrations are the numbered files in `migrations/`, tracked in SQLite's
//! `user_version`. (`rusqlite_migration` has no release for rusqlite 0.41, so
//! the runner lives here; it is one loop, each step in its own transaction.)

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension, Row};

/// The schema migrations, in order. Append only: never edit a shipped one.
pub const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_portraits.sql"),
    include_str!("../migrations/0002_portrait_last_used.sql"),
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
            "INSERT INTO portraits (sha256, original_name, format, width, height, bytes, imported_at, last_used_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
             ON CONFLICT (sha256) DO NOTHING",
            params![p.sha256, p.original_name, p.format, p.width, p.height, p.bytes, p.imported_at],
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
