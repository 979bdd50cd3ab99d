//! Retention on the server: a job's input is deleted as soon as the job ends;
//! its output a short while after its first download ([`DOWNLOAD_GRACE`], so
//! that a cut-off download can be retried) and [`OUTPUT_MAX_AGE`] after the
//! job ended at most. Objects no job row names (a submit or a worker that died
//! between writing an image and committing) are deleted once they are
//! [`ORPHAN_AGE`] old. The ledger and receipts are kept (seven years); they
//! hold no image.

use time::{Duration, OffsetDateTime};
use tokio_postgres::GenericClient;

use crate::storage::{Storage, StorageError};

/// How long an output stays after its first download.
pub const DOWNLOAD_GRACE: Duration = Duration::minutes(5);
/// How long an output stays at most.
pub const OUTPUT_MAX_AGE: Duration = Duration::hours(24);
/// How old an unreferenced object must be before it is deleted.
pub const ORPHAN_AGE: Duration = Duration::hours(1);
/// How long an unused quote is kept after it expires, so that a late submit
/// still hears `quote_expired` rather than `quote_not_found`.
pub const UNUSED_QUOTE_AGE: Duration = Duration::days(1);
/// How often workers sweep.
pub const SWEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

/// What one sweep deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub inputs: usize,
    pub outputs: usize,
    pub orphans: usize,
    /// Quotes that expired a day ago with no job made from them.
    pub quotes: u64,
}

/// Delete an ended job's input now (best effort: the sweep retries).
pub async fn drop_input(client: &impl GenericClient, storage: &Storage, job_id: &str) {
    if let Err(error) = drop_image(client, storage, job_id, "input_key").await {
        tracing::warn!(
            job = job_id,
            "the input will be deleted by the sweep: {error}"
        );
    }
}

/// Delete a job's output now (best effort: the sweep retries).
pub async fn drop_output(client: &impl GenericClient, storage: &Storage, job_id: &str) {
    if let Err(error) = drop_image(client, storage, job_id, "output_key").await {
        tracing::warn!(
            job = job_id,
            "the output will be deleted by the sweep: {error}"
        );
    }
}

/// Why a sweep stopped (the next one carries on).
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Db(#[from] tokio_postgres::Error),
}

/// Delete the object in `column` (`input_key` or `output_key`), then forget
/// its key: a crash in between leaves a key the next sweep deletes again.
async fn drop_image(
    client: &impl GenericClient,
    storage: &Storage,
    job_id: &str,
    column: &str,
) -> Result<bool, SweepError> {
    let sql = format!("SELECT {column} FROM jobs WHERE job_id = $1");
    let key: Option<String> = match client.query_opt(&sql, &[&job_id]).await? {
        Some(row) => row.get(0),
        None => None,
    };
    let Some(key) = key else { return Ok(false) };
    storage.delete(&key).await?;
    let sql = format!("UPDATE jobs SET {column} = NULL WHERE job_id = $1 AND {column} = $2");
    client.execute(&sql, &[&job_id, &key]).await?;
    Ok(true)
}

/// Delete every image retention says must go, as of `now`.
pub async fn sweep(
    client: &impl GenericClient,
    storage: &Storage,
    now: OffsetDateTime,
) -> Result<Swept, SweepError> {
    let mut swept = Swept::default();
    let ended = client
        .query(
            "SELECT job_id FROM jobs WHERE ended_at IS NOT NULL AND input_key IS NOT NULL
             LIMIT 1000",
            &[],
        )
        .await?;
    for row in ended {
        if drop_image(client, storage, row.get(0), "input_key").await? {
            swept.inputs += 1;
        }
    }
    let expired = client
        .query(
            "SELECT job_id FROM jobs WHERE output_key IS NOT NULL
               AND (downloaded_at < $1 OR ended_at < $2) LIMIT 1000",
            &[&(now - DOWNLOAD_GRACE), &(now - OUTPUT_MAX_AGE)],
        )
        .await?;
    for row in expired {
        if drop_image(client, storage, row.get(0), "output_key").await? {
            swept.outputs += 1;
        }
    }
    for prefix in ["inputs", "outputs"] {
        for key in storage.older_than(prefix, now - ORPHAN_AGE).await? {
            let named: bool = client
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM jobs WHERE input_key = $1 OR output_key = $1)",
                    &[&key],
                )
                .await?
                .get(0);
            if !named {
                storage.delete(&key).await?;
                swept.orphans += 1;
            }
        }
    }
    swept.quotes = client
        .execute(
            "DELETE FROM quotes q WHERE expires_at < $1
               AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.quote_id = q.quote_id)",
            &[&(now - UNUSED_QUOTE_AGE)],
        )
        .await?;
    Ok(swept)
}
