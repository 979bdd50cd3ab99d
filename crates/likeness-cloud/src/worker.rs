//! `likeness-cloud work`: take jobs from the queue and run them with a
//! [`Backend`], `concurrency` at a time, on any number of machines.
//!
//! Each slot claims a job ([`queue::claim`]), reads its input from object
//! storage, runs the backend on a blocking thread and renews the lease every
//! third of its length. If a renewal finds the lease gone (the job was
//! cancelled, or this worker stalled and another took it) the backend is told
//! to stop and nothing is recorded. The end is one fenced transaction
//! (charge or release), then the input is deleted. A worker that dies simply
//! stops renewing; its jobs are claimed again when their leases run out.

use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::Pool;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::sync::{watch, Notify};

use crate::backend::{Backend, BackendError, Control, Work};
use crate::jobs::queue::{self, Claimed, Made, Unsuccessful, MAX_CLAIMS};
use crate::jobs::retention;
use crate::receipts::ReceiptSigner;
use crate::storage::{self, Storage};
use crate::{params, ServeError};

/// How long a slot with nothing to do waits before looking again, when no
/// NOTIFY wakes it first.
const IDLE_POLL: Duration = Duration::from_millis(500);

/// What one worker process shares between its slots.
pub struct Worker {
    pub pool: Pool,
    pub storage: Storage,
    pub signer: ReceiptSigner,
    pub backend: Arc<dyn Backend>,
    pub name: String,
    pub lease: Duration,
}

/// Run `concurrency` slots until `shutdown` resolves; jobs already running
/// are finished first.
pub async fn run(
    worker: Worker,
    database_url: &str,
    concurrency: usize,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let worker = Arc::new(worker);
    let wake = Arc::new(Notify::new());
    let _listener = listen(database_url, wake.clone()).await;
    let (stop_tx, stop) = watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    tracing::info!(
        worker = %worker.name,
        backend = worker.backend.name(),
        concurrency,
        lease_secs = worker.lease.as_secs_f64(),
        "working"
    );
    let mut slots = Vec::new();
    for _ in 0..concurrency.max(1) {
        slots.push(tokio::spawn(slot(
            worker.clone(),
            wake.clone(),
            stop.clone(),
        )));
    }
    slots.push(tokio::spawn(sweeper(worker.clone(), stop.clone())));
    for slot in slots {
        let _ = slot.await;
    }
    Ok(())
}

/// LISTEN for submits on a connection of its own; a NOTIFY wakes idle slots.
/// Without it the slots still poll, so a failure here only costs latency.
async fn listen(database_url: &str, wake: Arc<Notify>) -> Option<tokio_postgres::Client> {
    let (client, mut connection) = tokio_postgres::connect(database_url, tokio_postgres::NoTls)
        .await
        .map_err(|e| tracing::warn!("no LISTEN wake-ups, polling only: {e}"))
        .ok()?;
    tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(tokio_postgres::AsyncMessage::Notification(_)) => wake.notify_waiters(),
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!("the LISTEN connection ended, polling only: {error}");
                    break;
                }
            }
        }
    });
    client
        .batch_execute(&format!("LISTEN {}", queue::CHANNEL))
        .await
        .ok()?;
    Some(client)
}

async fn slot(worker: Arc<Worker>, wake: Arc<Notify>, mut stop: watch::Receiver<bool>) {
    while !*stop.borrow() {
        let claimed = match worker.pool.get().await {
            Ok(client) => queue::claim(&**client, &worker.name, worker.lease.as_secs_f64()).await,
            Err(error) => {
                tracing::warn!("cannot reach PostgreSQL: {error}");
                Ok(None)
            }
        };
        match claimed {
            Ok(Some(job)) => {
                if let Err(error) = process(&worker, &job).await {
                    tracing::warn!(job = %job.job_id, "left for its lease to run out: {error}");
                }
            }
            Ok(None) => {
                tokio::select! {
                    _ = wake.notified() => {}
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                    _ = stop.changed() => {}
                }
            }
            Err(error) => {
                tracing::warn!("claiming failed: {error}");
                tokio::time::sleep(IDLE_POLL).await;
            }
        }
    }
}

async fn sweeper(worker: Arc<Worker>, mut stop: watch::Receiver<bool>) {
    while !*stop.borrow() {
        if let Ok(client) = worker.pool.get().await {
            let now = time::OffsetDateTime::now_utc();
            match retention::sweep(&**client, &worker.storage, now).await {
                Ok(swept) if swept != Default::default() => {
                    tracing::info!(?swept, "retention sweep")
                }
                Ok(_) => {}
                Err(error) => tracing::warn!("retention sweep stopped: {error}"),
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(retention::SWEEP_INTERVAL) => {}
            _ = stop.changed() => {}
        }
    }
}

/// Why a job was left to its lease (it will be claimed again).
#[derive(Debug, thiserror::Error)]
enum Interrupted {
    #[error(transparent)]
    Db(#[from] tokio_postgres::Error),
    #[error(transparent)]
    Pool(#[from] deadpool_postgres::PoolError),
    #[error(transparent)]
    Storage(#[from] storage::StorageError),
}

/// Run one claimed job to its end.
async fn process(worker: &Worker, job: &Claimed) -> Result<(), Interrupted> {
    let mut client = worker.pool.get().await?;
    let fail = |code: &str, message: String| (Unsuccessful::Failed, code.to_owned(), message);
    let ended = if job.claims > MAX_CLAIMS {
        let message = format!("{MAX_CLAIMS} workers stopped while running this job");
        Err(fail("worker_lost", message))
    } else {
        match (params::parse(job.kind, &job.params), &job.input_key) {
            (Err(error), _) => Err(fail("bad_params", error.to_string())),
            (Ok(_), None) => Err(fail("input_missing", "the input is gone".into())),
            (Ok(params), Some(key)) => {
                let input = worker.storage.get(key).await?;
                drop(client);
                let outcome = run_backend(worker, job, params, input).await;
                client = worker.pool.get().await?;
                match outcome {
                    Ok(made) => Ok(made),
                    Err(BackendError::Refused { code, message }) => {
                        Err((Unsuccessful::Refused, code, message))
                    }
                    Err(BackendError::Failed { code, message }) => {
                        Err((Unsuccessful::Failed, code, message))
                    }
                    Err(BackendError::Stopped) => {
                        tracing::info!(job = %job.job_id, "stopped: cancelled or lease lost");
                        return Ok(());
                    }
                }
            }
        }
    };
    match ended {
        Ok(made) => {
            if !queue::succeed(&mut client, &worker.signer, job, &made).await? {
                tracing::warn!(job = %job.job_id, "the lease was lost: the output is discarded");
                worker.storage.delete(&made.key).await?;
                return Ok(());
            }
            tracing::info!(job = %job.job_id, kind = job.kind.as_str(), "succeeded");
        }
        Err((how, code, message)) => {
            if queue::end_unsuccessfully(&mut client, job, how, &code, &message).await? {
                tracing::info!(job = %job.job_id, code, "ended without output");
            }
        }
    }
    retention::drop_input(&**client, &worker.storage, &job.job_id).await;
    Ok(())
}

/// Run the backend on a blocking thread while renewing the lease; store the
/// output under this lease's key.
async fn run_backend(
    worker: &Worker,
    job: &Claimed,
    params: params::JobParams,
    input: Vec<u8>,
) -> Result<Made, BackendError> {
    let control = Arc::new(Control::default());
    let backend = worker.backend.clone();
    let kind = job.kind;
    let running = {
        let control = control.clone();
        tokio::task::spawn_blocking(move || {
            backend.run(
                &Work {
                    kind,
                    params: &params,
                    input: &input,
                },
                &control,
            )
        })
    };
    tokio::pin!(running);
    let lease_secs = worker.lease.as_secs_f64();
    let output = loop {
        tokio::select! {
            finished = &mut running => break finished.map_err(|e| BackendError::Failed {
                code: "backend_failed".into(),
                message: format!("the backend stopped unexpectedly: {e}"),
            })??,
            _ = tokio::time::sleep(worker.lease / 3) => {
                let kept = match worker.pool.get().await {
                    Ok(client) => queue::heartbeat(&**client, job, lease_secs, control.progress())
                        .await
                        .unwrap_or(true),
                    Err(_) => true,
                };
                if !kept {
                    control.stop();
                }
            }
        }
    };
    if control.should_stop() {
        return Err(BackendError::Stopped);
    }
    let key = storage::output_key(&job.job_id, &job.lease_id);
    let sha256 = hex::encode(Sha256::digest(&output.png));
    let bytes = output.png.len() as u64;
    worker
        .storage
        .put(&key, output.png)
        .await
        .map_err(|e| BackendError::Failed {
            code: "storage_failed".into(),
            message: e.to_string(),
        })?;
    Ok(Made {
        key,
        sha256,
        width: output.width,
        height: output.height,
        bytes,
    })
}
