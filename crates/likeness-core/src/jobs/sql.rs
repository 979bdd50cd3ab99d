//! The `jobs` table: the persistent queue.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::{Job, JobFailure, JobFilter, JobKind, JobState};
use crate::db::conversion_error;
use crate::error::ErrorCode;

/// A new job to queue.
pub(crate) struct NewJob<'a> {
    pub portrait_id: Option<i64>,
    pub kind: JobKind,
    pub settings_json: &'a str,
    pub parent_output_id: Option<i64>,
    pub created_at: &'a str,
}

/// What restart recovery did with the jobs it found `running`.
#[derive(Debug, Default)]
pub(crate) struct Recovered {
    pub requeued: Vec<i64>,
    pub failed: Vec<i64>,
}

const SELECT_JOB: &str = "SELECT id, portrait_id, kind, settings_json, state, progress, error_code,
     error_message, attempts, created_at, started_at, finished_at, parent_output_id FROM jobs";

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
        // A code this version does not know reads as `generation_failed`.
        error: code.map(|c| JobFailure {
            code: ErrorCode::parse(&c).unwrap_or(ErrorCode::GenerationFailed),
            message: message.unwrap_or_default(),
        }),
        attempts: r.get(8)?,
        created_at: r.get(9)?,
        started_at: r.get(10)?,
        finished_at: r.get(11)?,
        parent_output_id: r.get(12)?,
    })
}

/// Queue a job at the back of the queue.
pub(crate) fn insert_job(conn: &Connection, j: &NewJob<'_>) -> rusqlite::Result<Job> {
    conn.execute(
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
    let id = conn.last_insert_rowid();
    conn.query_row(&format!("{SELECT_JOB} WHERE id = ?1"), [id], job_from_row)
}

/// One job by id.
pub(crate) fn get_job(conn: &Connection, id: i64) -> rusqlite::Result<Option<Job>> {
    conn.query_row(&format!("{SELECT_JOB} WHERE id = ?1"), [id], job_from_row)
        .optional()
}

/// Jobs matching `filter`, newest first, at most `limit`.
pub(crate) fn list_jobs(
    conn: &Connection,
    filter: &JobFilter,
    limit: u32,
) -> rusqlite::Result<Vec<Job>> {
    let states: Vec<&str> = filter.states.iter().map(|s| s.as_str()).collect();
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT_JOB}
         WHERE (?1 IS NULL OR portrait_id = ?1)
           AND (?2 = '[]' OR state IN (SELECT value FROM json_each(?2)))
         ORDER BY created_at DESC, id DESC LIMIT ?3"
    ))?;
    let states = serde_json::to_string(&states).unwrap_or_else(|_| "[]".into());
    let rows = stmt.query_map(params![filter.portrait_id, states, limit], job_from_row)?;
    rows.collect()
}

/// Take the first queued job (FIFO): mark it running and count the attempt.
pub(crate) fn claim_next_job(conn: &Connection, now: &str) -> rusqlite::Result<Option<Job>> {
    let id: Option<i64> = conn
        .query_row(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, progress = 0,
                 started_at = ?1, finished_at = NULL, error_code = NULL, error_message = NULL
             WHERE id = (SELECT id FROM jobs WHERE state = 'queued' ORDER BY queue_seq LIMIT 1)
             RETURNING id",
            [now],
            |r| r.get(0),
        )
        .optional()?;
    id.map(|id| conn.query_row(&format!("{SELECT_JOB} WHERE id = ?1"), [id], job_from_row))
        .transpose()
}

/// Record the progress of attempt `attempt` of a running job. False when the
/// job is no longer that running attempt (cancelled, deleted, retried).
pub(crate) fn set_progress(
    conn: &Connection,
    id: i64,
    attempt: u32,
    progress: f32,
) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE jobs SET progress = ?3 WHERE id = ?1 AND attempts = ?2 AND state = 'running'",
        params![id, attempt, f64::from(progress)],
    )?;
    Ok(n == 1)
}

/// End attempt `attempt` of a running job as `failed` or `cancelled`. False when
/// it is no longer that running attempt.
pub(crate) fn finish_job(
    conn: &Connection,
    id: i64,
    attempt: u32,
    state: JobState,
    failure: &JobFailure,
    now: &str,
) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE jobs SET state = ?3, error_code = ?4, error_message = ?5, finished_at = ?6
         WHERE id = ?1 AND attempts = ?2 AND state = 'running'",
        params![
            id,
            attempt,
            state.as_str(),
            failure.code.name(),
            failure.message,
            now
        ],
    )?;
    Ok(n == 1)
}

/// Mark attempt `attempt` of a running job `done`. False when it is no
/// longer that running attempt (cancelled meanwhile).
pub(crate) fn mark_done(
    conn: &Connection,
    id: i64,
    attempt: u32,
    now: &str,
) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE jobs SET state = 'done', progress = 1, finished_at = ?3,
             error_code = NULL, error_message = NULL
         WHERE id = ?1 AND attempts = ?2 AND state = 'running'",
        params![id, attempt, now],
    )?;
    Ok(n == 1)
}

/// Put a running attempt back in the queue, in its old place, without
/// counting it as an interruption (the app is shutting down cleanly).
pub(crate) fn requeue_job(conn: &Connection, id: i64, attempt: u32) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE jobs SET state = 'queued', progress = 0, started_at = NULL
         WHERE id = ?1 AND attempts = ?2 AND state = 'running'",
        params![id, attempt],
    )?;
    Ok(n == 1)
}

/// The state of job `id`; `None` if there is no such job.
fn job_state(conn: &Connection, id: i64) -> rusqlite::Result<Option<JobState>> {
    let state: Option<String> = conn
        .query_row("SELECT state FROM jobs WHERE id = ?1", [id], |r| r.get(0))
        .optional()?;
    state
        .map(|s| JobState::parse(&s).map_err(|e| conversion_error(0, e)))
        .transpose()
}

/// Cancel a queued or running job. Returns the state it was in (`None`: no such job).
pub(crate) fn cancel_job(
    conn: &Connection,
    id: i64,
    now: &str,
) -> rusqlite::Result<Option<JobState>> {
    let Some(state) = job_state(conn, id)? else {
        return Ok(None);
    };
    if matches!(state, JobState::Queued | JobState::Running) {
        conn.execute(
            "UPDATE jobs SET state = 'cancelled', error_code = ?2, error_message = ?3,
                 finished_at = ?4
             WHERE id = ?1",
            params![
                id,
                ErrorCode::Cancelled.name(),
                "The job was cancelled.",
                now
            ],
        )?;
    }
    Ok(Some(state))
}

/// Queue a failed or cancelled job again, at the back of the queue, with its
/// interruption count reset. Returns the state it was in (`None`: no such job);
/// any other state is left alone.
pub(crate) fn retry_job(conn: &Connection, id: i64) -> rusqlite::Result<Option<JobState>> {
    let Some(state) = job_state(conn, id)? else {
        return Ok(None);
    };
    if matches!(state, JobState::Failed | JobState::Cancelled) {
        conn.execute(
            "UPDATE jobs SET state = 'queued', progress = 0, error_code = NULL,
                 error_message = NULL, started_at = NULL, finished_at = NULL, interruptions = 0,
                 queue_seq = (SELECT COALESCE(MAX(queue_seq), 0) + 1 FROM jobs)
             WHERE id = ?1",
            [id],
        )?;
    }
    Ok(Some(state))
}

/// Deal with jobs left `running` by a run of the app that ended without
/// finishing them: count the interruption, then fail those interrupted
/// `max_interruptions` times in a row and put the rest back in their place in the queue.
pub(crate) fn recover_jobs(
    conn: &Connection,
    max_interruptions: u32,
    message: &str,
    now: &str,
) -> rusqlite::Result<Recovered> {
    let ids = |sql: &str, args: &[&dyn rusqlite::ToSql]| -> rusqlite::Result<Vec<i64>> {
        let mut stmt = conn.prepare(sql)?;
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
            &ErrorCode::Interrupted.name(),
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
    Ok(Recovered { requeued, failed })
}

/// Delete up to `limit` finished jobs that finished before `cutoff`; returns how many.
pub(crate) fn delete_finished_before(
    conn: &Connection,
    cutoff: &str,
    limit: u32,
) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM jobs WHERE id IN (
             SELECT id FROM jobs WHERE state IN ('done', 'failed', 'cancelled') AND finished_at < ?1
             LIMIT ?2)",
        rusqlite::params![cutoff, limit],
    )
}

/// How many jobs refer to the style picture `sha256` in their settings.
pub(crate) fn count_mentions(conn: &Connection, sha256: &str) -> rusqlite::Result<u32> {
    conn.prepare_cached("SELECT COUNT(*) FROM jobs WHERE instr(settings_json, ?1) > 0")?
        .query_row([sha256], |r| r.get(0))
}
