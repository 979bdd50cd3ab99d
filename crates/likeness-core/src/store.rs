//! The SQLite store: connection set-up, numbered migrations and the portrait table.
//!
//! Migrations are the numbered files in `migrations/`, tracked in SQLite's
//! `user_version`. (`rusqlite_migration` has no release for rusqlite 0.41, so
//! the runner lives here; it is one loop, each step in its own transaction.)

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};

use crate::consent::{ConsentKind, ConsentRecord};

/// The schema migrations, in order. Append only: never edit a shipped one.
pub const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_portraits.sql"),
    include_str!("../migrations/0002_portrait_last_used.sql"),
    include_str!("../migrations/0003_moderation_and_consent.sql"),
    include_str!("../migrations/0004_jobs_and_outputs.sql"),
    include_str!("../migrations/0005_settings.sql"),
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
        // FULL: a commit survives a power cut too. A deletion must be durable
        // before its files are unlinked (see `crate::sweep`); in WAL mode NORMAL
        // may roll back the last commits after a power cut.
        conn.pragma_update(None, "synchronous", "FULL")?;
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
    /// `write_files` puts its files in the vault first, inside the same write
    /// transaction, so the row never commits without them (see [`crate::sweep`]).
    /// The `bool` is true when the row is new.
    pub fn insert_portrait<E: From<StoreError>>(
        &self,
        p: &NewPortrait<'_>,
        accepted_by: &NewModerationRecord<'_>,
        write_files: impl FnOnce() -> Result<(), E>,
    ) -> Result<(PortraitRow, bool), E> {
        self.write_locked(|conn| {
            let moderation_id = insert_moderation(conn, accepted_by)?;
            write_files()?;
            let inserted = conn
                .execute(
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
                        moderation_id
                    ],
                )
                .map_err(StoreError::from)?;
            let row = conn
                .query_row(
                    &format!("{SELECT_PORTRAIT} WHERE sha256 = ?1"),
                    [p.sha256],
                    portrait_from_row,
                )
                .map_err(StoreError::from)?;
            Ok((row, inserted == 1))
        })
    }

    /// All portraits, newest first.
    pub fn list_portraits(&self) -> Result<Vec<PortraitRow>, StoreError> {
        self.portraits_where("ORDER BY imported_at DESC, id DESC")
    }

    /// Portraits selected and ordered by `tail` (a fixed SQL clause, never user input).
    fn portraits_where(&self, tail: &str) -> Result<Vec<PortraitRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!("{SELECT_PORTRAIT} {tail}"))?;
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

    /// Delete a portrait row and commit. Its files are unlinked after this, by
    /// the caller (see [`crate::sweep`]): a crash in between leaves files for
    /// the next sweep, never a row without its files.
    pub fn delete_portrait(&self, id: i64) -> Result<Option<PortraitRow>, StoreError> {
        self.write_locked(|conn| {
            let row = conn
                .query_row(
                    &format!("{SELECT_PORTRAIT} WHERE id = ?1"),
                    [id],
                    portrait_from_row,
                )
                .optional()?;
            if row.is_some() {
                conn.execute("DELETE FROM portraits WHERE id = ?1", [id])?;
            }
            Ok(row)
        })
    }

    /// Run `f` in a write (`IMMEDIATE`) transaction, committed if `f` succeeds.
    /// Vault files are written and removed under this lock, so that no other
    /// connection sees a file whose row is about to commit (see [`crate::sweep`]).
    pub(crate) fn write_locked<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let value = f(&tx)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(value)
    }
}

impl Store {
    /// Record a moderation decision; returns its id.
    pub fn insert_moderation(&self, r: &NewModerationRecord<'_>) -> Result<i64, StoreError> {
        insert_moderation(&self.conn(), r)
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
        self.portraits_where("WHERE moderation_id IS NULL ORDER BY id")
    }

    /// The faces (JSON) of the moderation decision that accepted a portrait;
    /// `None` when the portrait is missing or was never accepted.
    pub fn accepted_faces_json(&self, portrait_id: i64) -> Result<Option<String>, StoreError> {
        let conn = self.conn();
        Ok(conn
            .query_row(
                "SELECT m.faces_json FROM portraits p JOIN moderation_records m ON m.id = p.moderation_id
                 WHERE p.id = ?1 AND m.decision = 'accept'",
                [portrait_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// A user setting, if set.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let conn = self.conn();
        Ok(conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Set a user setting.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
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

// Generation jobs and their outputs (the queue and the History); the types and
// the rules live in `crate::jobs`, the SQL here.

use crate::error::{ApiError, ErrorCode};
use crate::jobs::{code_from_name, code_name, Job, JobFilter, JobKind, JobState, OutputFilter};

/// An output row as stored (the vault paths are added by `crate::jobs::History`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputRow {
    pub id: i64,
    pub job_id: Option<i64>,
    pub portrait_id: Option<i64>,
    pub sha256: String,
    pub format: String,
    pub width: u32,
    pub height: u32,
    pub bytes: i64,
    pub settings_json: String,
    pub style_key: Option<String>,
    pub engine: String,
    pub model_hashes_json: String,
    pub seed: Option<i64>,
    pub favourite: bool,
    pub created_at: String,
}

/// A new job to queue.
pub(crate) struct NewJob<'a> {
    pub portrait_id: Option<i64>,
    pub kind: JobKind,
    pub settings_json: &'a str,
    pub parent_output_id: Option<i64>,
    pub created_at: &'a str,
}

/// A new output of a finished job, its file already prepared.
pub(crate) struct NewOutputRow<'a> {
    pub sha256: &'a str,
    pub format: &'a str,
    pub width: u32,
    pub height: u32,
    pub bytes: i64,
    pub settings_json: &'a str,
    pub style_key: Option<&'a str>,
    pub engine: &'a str,
    pub model_hashes_json: &'a str,
    pub seed: Option<i64>,
}

/// What restart recovery did with the jobs it found `running`.
#[derive(Debug, Default)]
pub(crate) struct Recovered {
    pub requeued: Vec<i64>,
    pub failed: Vec<i64>,
}

impl Store {
    /// Whether portrait `id` passed moderation; `None` when there is no such portrait.
    pub(crate) fn portrait_is_accepted(&self, id: i64) -> Result<Option<bool>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT moderation_id IS NOT NULL FROM portraits WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Queue a job at the back of the queue, and count it as a use of its portrait
    /// (retention runs from a portrait's last use).
    pub(crate) fn insert_job(&self, j: &NewJob<'_>) -> Result<Job, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO jobs (portrait_id, kind, settings_json, parent_output_id, created_at, queue_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, (SELECT COALESCE(MAX(queue_seq), 0) + 1 FROM jobs))",
            params![
                j.portrait_id,
                j.kind.as_str(),
                j.settings_json,
                j.parent_output_id,
                j.created_at
            ],
        )?;
        let id = tx.last_insert_rowid();
        tx.execute(
            "UPDATE portraits SET last_used_at = ?2 WHERE id = ?1",
            params![j.portrait_id, j.created_at],
        )?;
        let job = tx.query_row(&format!("{SELECT_JOB} WHERE id = ?1"), [id], job_from_row)?;
        tx.commit()?;
        Ok(job)
    }

    /// One job by id.
    pub(crate) fn get_job(&self, id: i64) -> Result<Option<Job>, StoreError> {
        Ok(self
            .conn()
            .query_row(&format!("{SELECT_JOB} WHERE id = ?1"), [id], job_from_row)
            .optional()?)
    }

    /// Jobs matching `filter`, newest first.
    pub(crate) fn list_jobs(&self, filter: &JobFilter, limit: u32) -> Result<Vec<Job>, StoreError> {
        let conn = self.conn();
        let states: Vec<&str> = filter.states.iter().map(|s| s.as_str()).collect();
        let mut stmt = conn.prepare_cached(&format!(
            "{SELECT_JOB}
             WHERE (?1 IS NULL OR portrait_id = ?1)
               AND (?2 = '[]' OR state IN (SELECT value FROM json_each(?2)))
             ORDER BY created_at DESC, id DESC LIMIT ?3"
        ))?;
        let states = serde_json::to_string(&states).unwrap_or_else(|_| "[]".into());
        let rows = stmt.query_map(params![filter.portrait_id, states, limit], job_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Take the first queued job (FIFO): mark it running and count the attempt.
    pub(crate) fn claim_next_job(&self, now: &str) -> Result<Option<Job>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id: Option<i64> = tx
            .query_row(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1, progress = 0,
                     started_at = ?1, finished_at = NULL, error_code = NULL, error_message = NULL
                 WHERE id = (SELECT id FROM jobs WHERE state = 'queued' ORDER BY queue_seq LIMIT 1)
                 RETURNING id",
                [now],
                |r| r.get(0),
            )
            .optional()?;
        let Some(id) = id else { return Ok(None) };
        let job = tx.query_row(&format!("{SELECT_JOB} WHERE id = ?1"), [id], job_from_row)?;
        tx.commit()?;
        Ok(Some(job))
    }

    /// Record the progress of attempt `attempt` of a running job. False when the
    /// job is no longer that running attempt (cancelled, deleted, retried).
    pub(crate) fn set_job_progress(
        &self,
        id: i64,
        attempt: u32,
        progress: f32,
    ) -> Result<bool, StoreError> {
        let n = self.conn().execute(
            "UPDATE jobs SET progress = ?3 WHERE id = ?1 AND attempts = ?2 AND state = 'running'",
            params![id, attempt, f64::from(progress)],
        )?;
        Ok(n == 1)
    }

    /// End attempt `attempt` of a running job as `failed` or `cancelled`. False when
    /// it is no longer that running attempt.
    pub(crate) fn finish_job(
        &self,
        id: i64,
        attempt: u32,
        state: JobState,
        error: Option<(ErrorCode, &str)>,
        now: &str,
    ) -> Result<bool, StoreError> {
        let (code, message) = error.map_or((None, None), |(c, m)| (Some(code_name(c)), Some(m)));
        let n = self.conn().execute(
            "UPDATE jobs SET state = ?3, error_code = ?4, error_message = ?5, finished_at = ?6
             WHERE id = ?1 AND attempts = ?2 AND state = 'running'",
            params![id, attempt, state.as_str(), code, message, now],
        )?;
        Ok(n == 1)
    }

    /// Put a running attempt back in the queue, in its old place, without
    /// counting it as an interruption (the app is shutting down cleanly).
    pub(crate) fn requeue_job(&self, id: i64, attempt: u32) -> Result<bool, StoreError> {
        let n = self.conn().execute(
            "UPDATE jobs SET state = 'queued', progress = 0, started_at = NULL
             WHERE id = ?1 AND attempts = ?2 AND state = 'running'",
            params![id, attempt],
        )?;
        Ok(n == 1)
    }

    /// Cancel a queued or running job. Returns the state it was in (`None`: no such job).
    pub(crate) fn cancel_job(&self, id: i64, now: &str) -> Result<Option<JobState>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let Some(state) = job_state(&tx, id)? else {
            return Ok(None);
        };
        if matches!(state, JobState::Queued | JobState::Running) {
            tx.execute(
                "UPDATE jobs SET state = 'cancelled', error_code = ?2, error_message = ?3,
                     finished_at = ?4
                 WHERE id = ?1",
                params![
                    id,
                    code_name(ErrorCode::Cancelled),
                    "The job was cancelled.",
                    now
                ],
            )?;
        }
        tx.commit()?;
        Ok(Some(state))
    }

    /// Queue a failed or cancelled job again, at the back of the queue, with its
    /// interruption count reset. Returns the state it was in (`None`: no such job);
    /// any other state is left alone.
    pub(crate) fn retry_job(&self, id: i64) -> Result<Option<JobState>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let Some(state) = job_state(&tx, id)? else {
            return Ok(None);
        };
        if matches!(state, JobState::Failed | JobState::Cancelled) {
            tx.execute(
                "UPDATE jobs SET state = 'queued', progress = 0, error_code = NULL,
                     error_message = NULL, started_at = NULL, finished_at = NULL, interruptions = 0,
                     queue_seq = (SELECT COALESCE(MAX(queue_seq), 0) + 1 FROM jobs)
                 WHERE id = ?1",
                [id],
            )?;
        }
        tx.commit()?;
        Ok(Some(state))
    }

    /// Deal with jobs left `running` by a run of the app that ended without
    /// finishing them: count the interruption, then fail those interrupted
    /// `max_interruptions` times in a row and put the rest back in their place in the queue.
    pub(crate) fn recover_jobs(
        &self,
        max_interruptions: u32,
        message: &str,
        now: &str,
    ) -> Result<Recovered, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let ids = |sql: &str, args: &[&dyn rusqlite::ToSql]| -> rusqlite::Result<Vec<i64>> {
            let mut stmt = tx.prepare(sql)?;
            let rows = stmt.query_map(args, |r| r.get(0))?;
            rows.collect()
        };
        let failed = ids(
            "UPDATE jobs SET state = 'failed', interruptions = interruptions + 1,
                 error_code = ?2, error_message = ?3, finished_at = ?4
             WHERE state = 'running' AND interruptions + 1 >= ?1
             RETURNING id",
            &[
                &max_interruptions,
                &code_name(ErrorCode::Interrupted),
                &message,
                &now,
            ],
        )?;
        let requeued = ids(
            "UPDATE jobs SET state = 'queued', interruptions = interruptions + 1, progress = 0,
                 started_at = NULL
             WHERE state = 'running'
             RETURNING id",
            &[],
        )?;
        tx.commit()?;
        Ok(Recovered { requeued, failed })
    }

    /// Finish attempt `attempt` of a running job as `done` with its outputs, all
    /// in one transaction. `write_files` runs inside it (after the job is known
    /// to be still running, before the rows are written): if it fails, nothing is
    /// recorded. Returns the new output ids, or `None` when the job is no longer
    /// that running attempt (cancelled meanwhile): then nothing is written.
    pub(crate) fn complete_job<E: From<StoreError>>(
        &self,
        job: &Job,
        now: &str,
        outputs: &[NewOutputRow<'_>],
        write_files: impl FnOnce() -> Result<(), E>,
    ) -> Result<Option<Vec<i64>>, E> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let n = tx
            .execute(
                "UPDATE jobs SET state = 'done', progress = 1, finished_at = ?3,
                     error_code = NULL, error_message = NULL
                 WHERE id = ?1 AND attempts = ?2 AND state = 'running'",
                params![job.id, job.attempts, now],
            )
            .map_err(StoreError::from)?;
        if n == 0 {
            return Ok(None);
        }
        write_files()?;
        let mut ids = Vec::with_capacity(outputs.len());
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO outputs (job_id, portrait_id, sha256, format, width, height, bytes,
                         settings_json, style_key, engine, model_hashes_json, seed, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                )
                .map_err(StoreError::from)?;
            for o in outputs {
                insert
                    .execute(params![
                        job.id,
                        job.portrait_id,
                        o.sha256,
                        o.format,
                        o.width,
                        o.height,
                        o.bytes,
                        o.settings_json,
                        o.style_key,
                        o.engine,
                        o.model_hashes_json,
                        o.seed,
                        now
                    ])
                    .map_err(StoreError::from)?;
                ids.push(tx.last_insert_rowid());
            }
        }
        tx.commit().map_err(StoreError::from)?;
        Ok(Some(ids))
    }

    /// Outputs matching `filter`, newest first, at most `limit` of them.
    /// Keyset pagination: rows strictly after `filter.after` in (created_at, id) order.
    /// `since`/`until` must already be in the stored RFC 3339 form.
    pub(crate) fn list_outputs(
        &self,
        filter: &OutputFilter,
        limit: u32,
    ) -> Result<Vec<OutputRow>, StoreError> {
        use rusqlite::types::Value;
        let mut sql = format!("{SELECT_OUTPUT} WHERE 1");
        let mut args: Vec<Value> = Vec::new();
        // Append `AND clause`, numbering its `?`s after those already bound.
        let mut arg = |sql: &mut String, clause: &str, values: Vec<Value>| {
            sql.push_str(" AND ");
            let mut parts = clause.split('?');
            sql.push_str(parts.next().unwrap_or_default());
            for (part, value) in parts.zip(values) {
                args.push(value);
                sql.push_str(&format!("?{}{part}", args.len()));
            }
        };
        // Literal `favourite = 1` so that the partial index applies.
        if filter.favourites_only {
            arg(&mut sql, "favourite = 1", vec![]);
        }
        if let Some(p) = filter.portrait_id {
            arg(&mut sql, "portrait_id = ?", vec![p.into()]);
        }
        if let Some(s) = &filter.style_key {
            arg(&mut sql, "style_key = ?", vec![s.clone().into()]);
        }
        if let Some(s) = &filter.since {
            arg(&mut sql, "created_at >= ?", vec![s.clone().into()]);
        }
        if let Some(u) = &filter.until {
            arg(&mut sql, "created_at < ?", vec![u.clone().into()]);
        }
        if let Some(c) = &filter.after {
            arg(
                &mut sql,
                "(created_at, id) < (?, ?)",
                vec![c.created_at.clone().into(), c.id.into()],
            );
        }
        sql.push_str(" ORDER BY created_at DESC, id DESC LIMIT ");
        sql.push_str(&limit.to_string());
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), output_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One output by id.
    pub(crate) fn get_output(&self, id: i64) -> Result<Option<OutputRow>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                &format!("{SELECT_OUTPUT} WHERE id = ?1"),
                [id],
                output_from_row,
            )
            .optional()?)
    }

    /// Mark or unmark an output as a favourite. False when there is no such output.
    pub(crate) fn set_output_favourite(
        &self,
        id: i64,
        favourite: bool,
    ) -> Result<bool, StoreError> {
        let n = self.conn().execute(
            "UPDATE outputs SET favourite = ?2 WHERE id = ?1",
            params![id, favourite],
        )?;
        Ok(n == 1)
    }

    /// Delete an output row and commit. Its files are unlinked after this, by
    /// the caller, unless another output is the same image (see [`crate::sweep`]).
    pub(crate) fn delete_output(&self, id: i64) -> Result<Option<OutputRow>, StoreError> {
        self.write_locked(|conn| {
            let row = conn
                .query_row(
                    &format!("{SELECT_OUTPUT} WHERE id = ?1"),
                    [id],
                    output_from_row,
                )
                .optional()?;
            if row.is_some() {
                conn.execute("DELETE FROM outputs WHERE id = ?1", [id])?;
            }
            Ok(row)
        })
    }
}

const SELECT_JOB: &str = "SELECT id, portrait_id, kind, settings_json, state, progress, error_code,
     error_message, attempts, created_at, started_at, finished_at, parent_output_id FROM jobs";

const SELECT_OUTPUT: &str = "SELECT id, job_id, portrait_id, sha256, format, width, height, bytes,
     settings_json, style_key, engine, model_hashes_json, seed, favourite, created_at FROM outputs";

fn job_from_row(r: &Row<'_>) -> rusqlite::Result<Job> {
    let kind: String = r.get(2)?;
    let state: String = r.get(4)?;
    let code: Option<String> = r.get(6)?;
    let message: Option<String> = r.get(7)?;
    Ok(Job {
        id: r.get(0)?,
        portrait_id: r.get(1)?,
        kind: JobKind::parse(&kind).map_err(|e| conversion_error(2, e))?,
        settings_json: r.get(3)?,
        state: JobState::parse(&state).map_err(|e| conversion_error(4, e))?,
        progress: r.get::<_, f64>(5)? as f32,
        error: code.map(|c| ApiError::new(code_from_name(&c), message.unwrap_or_default())),
        attempts: r.get(8)?,
        created_at: r.get(9)?,
        started_at: r.get(10)?,
        finished_at: r.get(11)?,
        parent_output_id: r.get(12)?,
    })
}

fn output_from_row(r: &Row<'_>) -> rusqlite::Result<OutputRow> {
    Ok(OutputRow {
        id: r.get(0)?,
        job_id: r.get(1)?,
        portrait_id: r.get(2)?,
        sha256: r.get(3)?,
        format: r.get(4)?,
        width: r.get(5)?,
        height: r.get(6)?,
        bytes: r.get(7)?,
        settings_json: r.get(8)?,
        style_key: r.get(9)?,
        engine: r.get(10)?,
        model_hashes_json: r.get(11)?,
        seed: r.get(12)?,
        favourite: r.get(13)?,
        created_at: r.get(14)?,
    })
}

fn conversion_error(column: usize, e: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, e.into())
}

/// The state of job `id` inside a transaction; `None` if there is no such job.
fn job_state(tx: &rusqlite::Transaction<'_>, id: i64) -> Result<Option<JobState>, StoreError> {
    let state: Option<String> = tx
        .query_row("SELECT state FROM jobs WHERE id = ?1", [id], |r| r.get(0))
        .optional()?;
    Ok(state
        .map(|s| JobState::parse(&s).map_err(|e| conversion_error(0, e)))
        .transpose()?)
}

/// Record a moderation decision on `conn` (inside a caller's transaction or not).
fn insert_moderation(conn: &Connection, r: &NewModerationRecord<'_>) -> Result<i64, StoreError> {
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
