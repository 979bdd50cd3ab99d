//! Jobs: submit one against a quote, follow it, cancel it, fetch its output.
//!
//! Money moves only inside the transactions that change a job's state: the
//! submit that inserts the row holds the quote's credits; the end of the job
//! (in `queue`, or [`cancel`] here) charges or releases them. The input goes
//! to object storage before the row exists, so a worker that sees the row can
//! always read it; an input whose row never committed is deleted at once (and
//! by the retention sweep if the process died first).

pub mod queue;
pub mod retention;

use likeness_cloud_api::{Job, JobError, JobKind, JobOutput, JobState, JobSubmitted};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tokio_postgres::{GenericClient, Row};

use crate::credits::{self, HoldEnd, Insufficient};
use crate::storage::{self, Storage, StorageError};
use crate::{ids, receipts};

/// The most jobs one account may submit in a minute (each new key counts;
/// a retried key does not).
pub const SUBMITS_PER_MINUTE: i64 = 120;

/// What a client sent to `POST /v1/jobs`.
pub struct Submission<'a> {
    pub account_id: &'a str,
    pub idempotency_key: &'a str,
    pub quote_id: &'a str,
    pub image: Vec<u8>,
}

/// Why a submit was refused. Nothing was held and nothing stored.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("this Idempotency-Key was used before with a different request")]
    KeyReused { job_id: String },
    #[error("this account has no such quote")]
    QuoteNotFound,
    #[error("the quote has expired: ask for a new one")]
    QuoteExpired,
    #[error("this quote was already used by another job: ask for a new one")]
    QuoteUsed,
    #[error("the image is {width} x {height} pixels but the quote was for {quoted_width} x {quoted_height}")]
    InputMismatch {
        width: u32,
        height: u32,
        quoted_width: u32,
        quoted_height: u32,
    },
    #[error("the image could not be read as a PNG, JPEG or WebP picture")]
    Unreadable,
    #[error("the account has {} credits, and this job needs {}", .0.balance, .0.needed)]
    Insufficient(Insufficient),
    #[error("too many jobs submitted in the last minute (the limit is {SUBMITS_PER_MINUTE})")]
    RateLimited,
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Db(#[from] tokio_postgres::Error),
}

/// The SHA-256 that identifies a request under its key.
fn request_hash(quote_id: &str, image: &[u8]) -> Vec<u8> {
    let mut hash = Sha256::new();
    hash.update(quote_id.as_bytes());
    hash.update([0]);
    hash.update(image);
    hash.finalize().to_vec()
}

/// The job a key already names, if its request matches.
async fn by_key(
    client: &impl GenericClient,
    account_id: &str,
    key: &str,
    hash: &[u8],
) -> Result<Option<JobSubmitted>, SubmitError> {
    let row = client
        .query_opt(
            "SELECT job_id, request_sha256, state FROM jobs
             WHERE account_id = $1 AND idempotency_key = $2",
            &[&account_id, &key],
        )
        .await?;
    let Some(row) = row else { return Ok(None) };
    let job_id: String = row.get(0);
    if row.get::<_, Vec<u8>>(1) != hash {
        return Err(SubmitError::KeyReused { job_id });
    }
    Ok(Some(JobSubmitted {
        job_id,
        state: state_of(&row, 2),
    }))
}

fn state_of(row: &Row, index: usize) -> JobState {
    JobState::parse(row.get(index)).expect("the jobs' CHECK allows only known states")
}

/// Submit a job: the same key with the same request returns the job it made
/// before, with no second hold.
pub async fn submit(
    client: &mut deadpool_postgres::Client,
    storage: &Storage,
    submission: Submission<'_>,
) -> Result<JobSubmitted, SubmitError> {
    let Submission {
        account_id,
        idempotency_key: key,
        quote_id,
        image,
    } = submission;
    let hash = request_hash(quote_id, &image);
    if let Some(existing) = by_key(&***client, account_id, key, &hash).await? {
        return Ok(existing);
    }
    let recent: i64 = client
        .query_one(
            "SELECT count(*) FROM jobs
             WHERE account_id = $1 AND created_at > now() - interval '1 minute'",
            &[&account_id],
        )
        .await?
        .get(0);
    if recent >= SUBMITS_PER_MINUTE {
        return Err(SubmitError::RateLimited);
    }
    let quote = client
        .query_opt(
            "SELECT kind, params, width, height, credits, expires_at < now()
             FROM quotes WHERE quote_id = $1 AND account_id = $2",
            &[&quote_id, &account_id],
        )
        .await?
        .ok_or(SubmitError::QuoteNotFound)?;
    if quote.get::<_, bool>(5) {
        return Err(SubmitError::QuoteExpired);
    }
    let (quoted_width, quoted_height) =
        (quote.get::<_, i32>(2) as u32, quote.get::<_, i32>(3) as u32);
    let (width, height) = image_size(&image).ok_or(SubmitError::Unreadable)?;
    if (width, height) != (quoted_width, quoted_height) {
        return Err(SubmitError::InputMismatch {
            width,
            height,
            quoted_width,
            quoted_height,
        });
    }
    let kind: String = quote.get(0);
    let params: String = quote.get(1);
    let credits: i64 = quote.get(4);

    let job_id = ids::new_id("job");
    let input_key = storage::input_key(&job_id);
    storage.put(&input_key, image).await?;
    let outcome = insert_and_hold(
        client,
        account_id,
        key,
        &hash,
        quote_id,
        &job_id,
        &input_key,
        &kind,
        &params,
        credits,
        (width, height),
    )
    .await;
    match outcome {
        Ok(true) => Ok(JobSubmitted {
            job_id,
            state: JobState::Queued,
        }),
        other => {
            storage.delete(&input_key).await?;
            match other {
                Ok(_) => by_key(&***client, account_id, key, &hash)
                    .await?
                    .ok_or(SubmitError::QuoteUsed),
                Err(error) => Err(error),
            }
        }
    }
}

/// Insert the job and hold its credits in one transaction. `Ok(false)` when
/// the key or the quote was taken first (by a concurrent submit).
#[allow(clippy::too_many_arguments)]
async fn insert_and_hold(
    client: &mut deadpool_postgres::Client,
    account_id: &str,
    key: &str,
    hash: &[u8],
    quote_id: &str,
    job_id: &str,
    input_key: &str,
    kind: &str,
    params: &str,
    credits: i64,
    (width, height): (u32, u32),
) -> Result<bool, SubmitError> {
    let tx = client.transaction().await?;
    let inserted = tx
        .execute(
            "INSERT INTO jobs (job_id, account_id, idempotency_key, request_sha256, quote_id,
                               kind, params, credits, width, height, input_key)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT DO NOTHING",
            &[
                &job_id,
                &account_id,
                &key,
                &hash,
                &quote_id,
                &kind,
                &params,
                &credits,
                &(width as i32),
                &(height as i32),
                &input_key,
            ],
        )
        .await?;
    if inserted == 0 {
        return Ok(false);
    }
    if let Err(insufficient) = credits::hold_for_job(&*tx, account_id, job_id, credits).await? {
        return Err(SubmitError::Insufficient(insufficient));
    }
    tx.execute("SELECT pg_notify($1, $2)", &[&queue::CHANNEL, &job_id])
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// The width and height an image's header gives.
fn image_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let format = likeness_core::imaging::sniff(bytes).ok()?;
    image::ImageReader::with_format(std::io::Cursor::new(bytes), format)
        .into_dimensions()
        .ok()
}

const JOB_COLUMNS: &str = "job_id, kind, state, progress, credits, error_code, error_message, \
     output_sha256, output_width, output_height, output_bytes, output_key IS NOT NULL, \
     created_at, ended_at";

fn job_from_row(row: &Row) -> Job {
    let error = row.get::<_, Option<String>>(5).map(|code| JobError {
        code,
        message: row.get::<_, Option<String>>(6).unwrap_or_default(),
    });
    let output = row.get::<_, Option<String>>(7).map(|sha256| JobOutput {
        width: row.get::<_, i32>(8) as u32,
        height: row.get::<_, i32>(9) as u32,
        sha256,
        bytes: row.get::<_, i64>(10) as u64,
        available: row.get(11),
    });
    Job {
        job_id: row.get(0),
        kind: JobKind::parse(row.get(1)).expect("the jobs' CHECK allows only known kinds"),
        state: state_of(row, 2),
        progress: row.get(3),
        credits: row.get(4),
        error,
        output,
        receipt: None,
        created_at: row.get::<_, OffsetDateTime>(12),
        ended_at: row.get::<_, Option<OffsetDateTime>>(13),
    }
}

/// A job of this account's, with its receipt once it succeeded.
pub async fn view(
    client: &impl GenericClient,
    account_id: &str,
    job_id: &str,
) -> Result<Option<Job>, tokio_postgres::Error> {
    let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE job_id = $1 AND account_id = $2");
    let Some(row) = client.query_opt(&sql, &[&job_id, &account_id]).await? else {
        return Ok(None);
    };
    let mut job = job_from_row(&row);
    if job.state == JobState::Succeeded {
        job.receipt = receipts::for_job(client, job_id).await?;
    }
    Ok(Some(job))
}

/// Why a cancel did nothing.
#[derive(Debug, thiserror::Error)]
pub enum CancelError {
    #[error("this account has no such job")]
    NotFound,
    #[error("the job has already ended ({})", .0.as_str())]
    AlreadyEnded(JobState),
    #[error(transparent)]
    Db(#[from] tokio_postgres::Error),
}

/// Cancel a queued or running job and release its hold, in one transaction.
/// The running worker's lease ends with it, so it can neither finish nor
/// charge. Cancelling a cancelled job is answered with the job again.
pub async fn cancel(
    client: &mut deadpool_postgres::Client,
    storage: &Storage,
    account_id: &str,
    job_id: &str,
) -> Result<Job, CancelError> {
    let tx = client.transaction().await?;
    let row = tx
        .query_opt(
            "SELECT state, credits FROM jobs WHERE job_id = $1 AND account_id = $2 FOR UPDATE",
            &[&job_id, &account_id],
        )
        .await?
        .ok_or(CancelError::NotFound)?;
    match state_of(&row, 0) {
        JobState::Queued | JobState::Running => {
            tx.execute(
                "UPDATE jobs SET state = 'cancelled', ended_at = now(), lease_id = NULL,
                                 lease_expires_at = NULL
                 WHERE job_id = $1",
                &[&job_id],
            )
            .await?;
            let credits: i64 = row.get(1);
            let reason = "released: the job was cancelled";
            credits::end_hold(&*tx, account_id, job_id, credits, HoldEnd::Release, reason).await?;
            tx.commit().await?;
            retention::drop_input(&***client, storage, job_id).await;
        }
        JobState::Cancelled => drop(tx),
        ended => return Err(CancelError::AlreadyEnded(ended)),
    }
    Ok(view(&***client, account_id, job_id)
        .await?
        .expect("the job was just read"))
}

/// Why no output was given.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("this account has no such job")]
    NotFound,
    #[error("the job has no output: it is {}", .0.as_str())]
    NotSucceeded(JobState),
    #[error("the output was deleted: it is kept until shortly after its first download, 24 hours at most")]
    Gone,
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Db(#[from] tokio_postgres::Error),
}

/// The output PNG of a job that succeeded. The first download starts its
/// short grace period (see [`retention`]).
pub async fn output(
    client: &impl GenericClient,
    storage: &Storage,
    account_id: &str,
    job_id: &str,
) -> Result<Vec<u8>, OutputError> {
    let row = client
        .query_opt(
            "SELECT state, output_key FROM jobs WHERE job_id = $1 AND account_id = $2",
            &[&job_id, &account_id],
        )
        .await?
        .ok_or(OutputError::NotFound)?;
    let state = state_of(&row, 0);
    if state != JobState::Succeeded {
        return Err(OutputError::NotSucceeded(state));
    }
    let key: String = row.get::<_, Option<String>>(1).ok_or(OutputError::Gone)?;
    let bytes = match storage.get(&key).await {
        Ok(bytes) => bytes,
        Err(StorageError::Store(object_store::Error::NotFound { .. })) => {
            return Err(OutputError::Gone)
        }
        Err(error) => return Err(error.into()),
    };
    client
        .execute(
            "UPDATE jobs SET downloaded_at = coalesce(downloaded_at, now()) WHERE job_id = $1",
            &[&job_id],
        )
        .await?;
    Ok(bytes)
}
