//! The local SQLite database: one writer and separate readers over one file,
//! with the pragmas and migrations set up here and nowhere else.
//!
//! Features keep their own SQL as functions over a [`rusqlite::Connection`]
//! (or a transaction, which derefs to one), so a service can compose one
//! atomic operation across features inside [`Db::write`].
//!
//! Why one writer: vault files are written and unlinked inside the write
//! transaction that commits or has just committed their row (see
//! [`crate::privacy::sweep`]), so holding the writer is what keeps files and
//! rows in step. Readers are separate connections, so the UI's lists never
//! wait behind a job that holds the writer across a vault fsync.

mod migrate;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::secrets::Sensitive;

pub use migrate::MIGRATIONS;

/// File name of the database inside a data folder.
pub const DB_FILE: &str = "likeness.db";

/// SQLite's own header: a database file that starts with it is not encrypted.
const PLAINTEXT_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Whether `path` holds an unencrypted SQLite database.
pub fn is_plaintext(path: &Path) -> bool {
    let mut head = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok_and(|()| &head == PLAINTEXT_HEADER)
}

/// A raw SQLCipher key as SQL: `"x'<64 hex>'"`.
pub(crate) fn key_literal(key: &DbKey) -> String {
    format!("\"x'{}'\"", hex::encode(key.expose()))
}

/// A connection to `path`, keyed when `key` is given, and checked: SQLCipher
/// reports a wrong key only at the first read.
fn connect(path: &Path, key: Option<&DbKey>) -> Result<Connection, DbError> {
    let conn = Connection::open(path)?;
    if let Some(key) = key {
        conn.execute_batch(&format!("PRAGMA key = {};", key_literal(key)))?;
    }
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(conn),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::NotADatabase =>
        {
            Err(DbError::WrongKey)
        }
        Err(e) => Err(e.into()),
    }
}

fn reader(path: &Path, key: Option<&DbKey>) -> Result<Connection, DbError> {
    let reader = connect(path, key)?;
    reader.busy_timeout(BUSY_TIMEOUT)?;
    reader.pragma_update(None, "query_only", true)?;
    Ok(reader)
}

/// Reader connections kept open beside the writer.
const READERS: usize = 2;

/// How long a statement waits for another connection's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("the local database failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(
        "the database was written by a newer Likeness (schema {found}, this app knows {known})"
    )]
    TooNew { found: usize, known: usize },
    #[error("upgrade step {step} would break {violations} references between records; nothing was changed")]
    BrokenReferences { step: usize, violations: usize },
    #[error(
        "the database does not open with this library's key (it is damaged, or another library's)"
    )]
    WrongKey,
    #[error("could not write the database file: {0}")]
    Io(#[from] std::io::Error),
}

impl crate::error::Coded for DbError {
    fn code(&self) -> crate::error::ErrorCode {
        crate::error::ErrorCode::Database
    }
}

/// The key of an encrypted database (SQLCipher, raw 256-bit key).
pub type DbKey = Sensitive<[u8; 32]>;

/// The database of one data folder. Owns its connections; callers use
/// [`Db::write`] and [`Db::read`].
pub struct Db {
    /// The file, for reopening readers after a [`Db::rekey`]; `None` in memory.
    path: Option<std::path::PathBuf>,
    writer: Mutex<Connection>,
    /// Empty for an in-memory database, whose only connection is the writer.
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

impl Db {
    /// Open (creating if needed) the database at `path`, migrated to the latest schema.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        Self::open_with(path, MIGRATIONS)
    }

    /// Open (creating if needed) the encrypted database at `path` with `key`,
    /// migrated to the latest schema; the wrong key is [`DbError::WrongKey`].
    pub fn open_encrypted(path: &Path, key: &DbKey) -> Result<Self, DbError> {
        Self::open_keyed(path, MIGRATIONS, Some(key))
    }

    /// Open the database at `path` migrated through `migrations` (a prefix of
    /// [`MIGRATIONS`], or more steps in an upgrade test), unencrypted.
    pub fn open_with(path: &Path, migrations: &[&str]) -> Result<Self, DbError> {
        Self::open_keyed(path, migrations, None)
    }

    fn open_keyed(path: &Path, migrations: &[&str], key: Option<&DbKey>) -> Result<Self, DbError> {
        let mut writer = connect(path, key)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: a commit survives a power cut too. A deletion must be durable
        // before its files are unlinked; in WAL mode NORMAL may roll back the
        // last commits after a power cut.
        writer.pragma_update(None, "synchronous", "FULL")?;
        // Deleted rows are overwritten, not left in free pages: delete really deletes.
        writer.pragma_update(None, "secure_delete", true)?;
        writer.busy_timeout(BUSY_TIMEOUT)?;
        migrate::run(&mut writer, migrations)?;
        let readers = (0..READERS)
            .map(|_| Ok(Mutex::new(reader(path, key)?)))
            .collect::<Result<_, DbError>>()?;
        Ok(Self {
            path: Some(path.to_owned()),
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
        })
    }

    /// A private in-memory database, for tests.
    pub fn open_in_memory() -> Result<Self, DbError> {
        let mut writer = Connection::open_in_memory()?;
        migrate::run(&mut writer, MIGRATIONS)?;
        Ok(Self {
            path: None,
            writer: Mutex::new(writer),
            readers: Vec::new(),
            next_reader: AtomicUsize::new(0),
        })
    }

    /// Run `f` in a write (`IMMEDIATE`) transaction, committed if `f` succeeds
    /// and rolled back if it fails. Only one runs at a time, in this process
    /// and (through SQLite's lock) in any other that has the file open.
    pub fn write<T, E: From<DbError>>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = crate::sync::lock(&self.writer);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(DbError::from)?;
        let value = f(&tx)?;
        tx.commit().map_err(DbError::from)?;
        Ok(value)
    }

    /// Run `f` on a reader connection (read-only; it sees committed data).
    pub fn read<T, E: From<DbError>>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, E>,
    ) -> Result<T, E> {
        if self.readers.is_empty() {
            return f(&crate::sync::lock(&self.writer));
        }
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        f(&crate::sync::lock(&self.readers[i]))
    }

    /// Encrypt the database under `key` from now on (SQLCipher's `rekey`
    /// rewrites every page), and reopen the readers with it.
    pub fn rekey(&self, key: &DbKey) -> Result<(), DbError> {
        crate::sync::lock(&self.writer)
            .execute_batch(&format!("PRAGMA rekey = {};", key_literal(key)))?;
        if let Some(path) = &self.path {
            for slot in &self.readers {
                *crate::sync::lock(slot) = reader(path, Some(key))?;
            }
        }
        Ok(())
    }

    /// Rewrite the database file without its free pages, and fold the
    /// write-ahead log into it and truncate it: after a large deletion, no
    /// deleted row stays readable in the file (`secure_delete` zeroes what
    /// is freed; this drops the pages themselves).
    pub fn compact(&self) -> Result<(), DbError> {
        let conn = crate::sync::lock(&self.writer);
        conn.execute_batch(
            "PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA wal_checkpoint(TRUNCATE);",
        )?;
        Ok(())
    }

    /// The schema version (count of applied migrations).
    pub fn schema_version(&self) -> Result<usize, DbError> {
        self.read(|conn| Ok(migrate::user_version(conn)?))
    }

    /// The schema as SQL text, sorted, for snapshot tests.
    pub fn schema_sql(&self) -> Result<String, DbError> {
        self.read(|conn| {
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
        })
    }
}

/// A text column that holds one of a fixed set of names failed to parse.
pub fn conversion_error(column: usize, e: impl Into<String>) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, e.into().into())
}
