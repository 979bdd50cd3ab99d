//! Numbered migrations (the files in `migrations/`), tracked in SQLite's
//! `user_version`. `rusqlite_migration` has no release for rusqlite 0.41, so
//! the runner is this one loop.
//!
//! Foreign keys are off while migrating: SQLite ignores that pragma inside a
//! transaction, and a table rebuild (the only way to widen a `CHECK`) drops
//! the old table, which with foreign keys on would fire `ON DELETE CASCADE`
//! and delete users' rows. Each step is checked with `foreign_key_check`
//! before it commits instead.

use rusqlite::Connection;

use super::DbError;

/// The schema migrations, in order. Append only: never edit a shipped one.
pub const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/0001_portraits.sql"),
    include_str!("../../migrations/0002_portrait_last_used.sql"),
    include_str!("../../migrations/0003_moderation_and_consent.sql"),
    include_str!("../../migrations/0004_jobs_and_outputs.sql"),
    include_str!("../../migrations/0005_settings.sql"),
    include_str!("../../migrations/0006_minimal_moderation_records.sql"),
    include_str!("../../migrations/0007_retention_and_consent_wording.sql"),
    include_str!("../../migrations/0008_style_picture_rows.sql"),
    include_str!("../../migrations/0009_cloud.sql"),
    include_str!("../../migrations/0010_output_styles.sql"),
    include_str!("../../migrations/0011_cloud_jobs_in_flight.sql"),
];

pub(super) fn user_version(conn: &Connection) -> rusqlite::Result<usize> {
    conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
        .map(|v| v as usize)
}

/// Apply the `migrations` after the current `user_version`, each atomically,
/// then turn foreign keys on for the connection's life.
pub(super) fn run(conn: &mut Connection, migrations: &[&str]) -> Result<(), DbError> {
    let current = user_version(conn)?;
    if current > migrations.len().max(MIGRATIONS.len()) {
        return Err(DbError::TooNew {
            found: current,
            known: MIGRATIONS.len(),
        });
    }
    conn.pragma_update(None, "foreign_keys", false)?;
    for (index, sql) in migrations.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        let violations: usize =
            tx.query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
                r.get::<_, i64>(0)
            })? as usize;
        if violations > 0 {
            return Err(DbError::BrokenReferences {
                step: index + 1,
                violations,
            });
        }
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}
