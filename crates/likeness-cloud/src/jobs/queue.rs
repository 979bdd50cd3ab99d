//! The queue in PostgreSQL: workers claim jobs with `FOR UPDATE SKIP LOCKED`
//! under a lease they renew by heartbeat. A lease that runs out lets another
//! worker claim the job again; every finish is fenced by the lease id, so a
//! worker that lost its lease (stalled, cut off, or the job was cancelled)
//! can neither complete the job nor charge for it. NOTIFY on [`CHANNEL`] is
//! only a wake-up hint: workers also poll.

use likeness_cloud_api::JobKind;
use tokio_postgres::GenericClient;

use crate::credits::{self, HoldEnd};
use crate::ids;
use crate::receipts::{self, ReceiptSigner};

/// The NOTIFY channel a submit signals.
pub const CHANNEL: &str = "likeness_jobs";

/// A job claimed more often than this was lost by that many workers (it may
/// be what kills them): it fails with `worker_lost` instead of running again.
pub const MAX_CLAIMS: i32 = 3;

/// A job a worker holds the lease of.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub job_id: String,
    pub account_id: String,
    pub lease_id: String,
    pub kind: JobKind,
    pub params: serde_json::Value,
    pub input_key: Option<String>,
    pub credits: i64,
    pub claims: i32,
}

/// Claim the oldest job that is queued or whose lease ran out.
pub async fn claim(
    client: &impl GenericClient,
    worker: &str,
    lease_secs: f64,
) -> Result<Option<Claimed>, tokio_postgres::Error> {
    let lease_id = ids::new_id("lease");
    let row = client
        .query_opt(
            "WITH next AS (
                 SELECT job_id FROM jobs
                 WHERE state = 'queued' OR (state = 'running' AND lease_expires_at < now())
                 ORDER BY created_at LIMIT 1
                 FOR UPDATE SKIP LOCKED)
             UPDATE jobs SET state = 'running', lease_id = $1,
                             lease_expires_at = now() + make_interval(secs => $2),
                             worker = $3, claims = claims + 1,
                             started_at = coalesce(started_at, now())
             FROM next WHERE jobs.job_id = next.job_id
             RETURNING jobs.job_id, jobs.account_id, jobs.kind, jobs.params, jobs.input_key,
                       jobs.credits, jobs.claims",
            &[&lease_id, &lease_secs, &worker],
        )
        .await?;
    Ok(row.map(|row| Claimed {
        job_id: row.get(0),
        account_id: row.get(1),
        lease_id,
        kind: JobKind::parse(row.get(2)).expect("the jobs' CHECK allows only known kinds"),
        params: serde_json::from_str(row.get(3)).unwrap_or(serde_json::Value::Null),
        input_key: row.get(4),
        credits: row.get(5),
        claims: row.get(6),
    }))
}

/// Renew the lease and record progress. `false` when the lease is no longer
/// this worker's: stop working on the job.
pub async fn heartbeat(
    client: &impl GenericClient,
    job: &Claimed,
    lease_secs: f64,
    progress: f32,
) -> Result<bool, tokio_postgres::Error> {
    let progress = progress.clamp(0.0, 0.99);
    let updated = client
        .execute(
            "UPDATE jobs SET lease_expires_at = now() + make_interval(secs => $3),
                             progress = greatest(progress, $4)
             WHERE job_id = $1 AND lease_id = $2 AND state = 'running'",
            &[&job.job_id, &job.lease_id, &lease_secs, &progress],
        )
        .await?;
    Ok(updated == 1)
}

/// The output a worker made, already in storage under `key`.
#[derive(Debug, Clone)]
pub struct Made {
    pub key: String,
    pub sha256: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
}

/// Record success, charge the hold and sign the receipt, in one transaction
/// fenced by the lease. `false` when the lease was lost: nothing changed.
pub async fn succeed(
    client: &mut deadpool_postgres::Client,
    signer: &ReceiptSigner,
    job: &Claimed,
    made: &Made,
) -> Result<bool, tokio_postgres::Error> {
    let tx = client.transaction().await?;
    let updated = tx
        .execute(
            "UPDATE jobs SET state = 'succeeded', progress = 1, ended_at = now(),
                             lease_id = NULL, lease_expires_at = NULL,
                             output_key = $3, output_sha256 = $4, output_width = $5,
                             output_height = $6, output_bytes = $7
             WHERE job_id = $1 AND lease_id = $2 AND state = 'running'",
            &[
                &job.job_id,
                &job.lease_id,
                &made.key,
                &made.sha256,
                &(made.width as i32),
                &(made.height as i32),
                &(made.bytes as i64),
            ],
        )
        .await?;
    if updated == 0 {
        return Ok(false);
    }
    let reason = format!("charged: {} job succeeded", job.kind.as_str());
    credits::end_hold(
        &*tx,
        &job.account_id,
        &job.job_id,
        job.credits,
        HoldEnd::Charge,
        &reason,
    )
    .await?;
    receipts::issue_for_job(
        &*tx,
        signer,
        &job.account_id,
        &job.job_id,
        job.credits,
        &made.sha256,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// How a job ended without an output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsuccessful {
    Failed,
    Refused,
}

/// End the job as failed or refused with `code`, and release its hold, in one
/// transaction fenced by the lease. `false` when the lease was lost.
pub async fn end_unsuccessfully(
    client: &mut deadpool_postgres::Client,
    job: &Claimed,
    how: Unsuccessful,
    code: &str,
    message: &str,
) -> Result<bool, tokio_postgres::Error> {
    let (state, reason) = match how {
        Unsuccessful::Failed => ("failed", format!("released: the job failed ({code})")),
        Unsuccessful::Refused => ("refused", format!("released: the job was refused ({code})")),
    };
    let tx = client.transaction().await?;
    let updated = tx
        .execute(
            "UPDATE jobs SET state = $3, ended_at = now(), lease_id = NULL,
                             lease_expires_at = NULL, error_code = $4, error_message = $5
             WHERE job_id = $1 AND lease_id = $2 AND state = 'running'",
            &[&job.job_id, &job.lease_id, &state, &code, &message],
        )
        .await?;
    if updated == 0 {
        return Ok(false);
    }
    credits::end_hold(
        &*tx,
        &job.account_id,
        &job.job_id,
        job.credits,
        HoldEnd::Release,
        &reason,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}
