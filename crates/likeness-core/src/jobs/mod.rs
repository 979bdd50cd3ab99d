//! The generation job queue, and the History of the images it made.
//!
//! The queue knows nothing about engines. A job stores its settings as JSON;
//! the caller supplies a [`JobRunner`] that turns a job into image files in a
//! staging folder. One worker thread runs queued jobs in FIFO order.
//!
//! **States.** `queued → running → done | failed | cancelled`. A failed or
//! cancelled job can be retried: it goes to the back of the queue as a new attempt.
//!
//! **All or nothing.** The runner writes into a staging folder of its own. When
//! it succeeds, the queue checks each file (a real PNG, JPEG or WebP), and in one
//! write transaction copies it into the vault (content-addressed, atomic),
//! inserts the output rows and marks the job `done` (see [`crate::privacy::sweep`]).
//! When it fails or is cancelled, the staging folder is deleted. So History
//! never shows a half-written image, and a cancelled job leaves no files.
//!
//! **Cancel.** [`JobQueue::cancel`] marks the job `cancelled` at once and raises its
//! cancel flag; the runner checks [`JobContext::is_cancelled`] and stops (within
//! about a second for a runner that checks at least that often). Whatever it
//! returns after that is thrown away.
//!
//! **Restart recovery.** [`JobQueue::start`] empties the staging folder, then looks
//! for jobs left `running`, which means the app crashed or was killed mid-job.
//! Each such job counts an interruption: after [`MAX_INTERRUPTIONS`] in a row it is
//! marked `failed` with code `interrupted` (so a job that crashes the app cannot
//! crash it forever); otherwise it is queued again in its old place, ahead of
//! newer jobs. Queued jobs simply run. Dropping the [`JobQueue`] (a clean quit)
//! asks the running job to stop and puts it back in the queue without counting
//! an interruption.
//!
//! **Consent.** A job is queued only while consent stands, and is checked again
//! when it starts: a job queued before consent was withdrawn fails with
//! `consent_required` instead of running.
//!
//! **Portraits.** Only a portrait that passed moderation can be queued. Deleting
//! a portrait deletes its jobs (`ON DELETE CASCADE`: pending work on a face that is
//! gone must not run) but keeps its outputs, which have their own retention; their
//! `portrait_id` becomes `null`.
//!
//! One queue per data folder: it owns its staging folder.

pub(crate) mod sql;
mod worker;

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::clock::Clock;
use crate::consent::RequireError;
use crate::db::{Db, DbError};
use crate::error::{Coded, ErrorCode};
use crate::history::{History, HistoryError, OutputId, DEFAULT_PAGE, MAX_PAGE};
use crate::sync::lock;
use crate::vault::Vault;
use sql::NewJob;

/// A job's id.
pub type JobId = i64;

/// Runs in a row cut off by a crash after which a job is given up as `interrupted`.
pub const MAX_INTERRUPTIONS: u32 = 3;
/// Progress is saved and reported at most this often (5 times a second).
const PROGRESS_INTERVAL: Duration = Duration::from_millis(200);

/// What a job makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum JobKind {
    /// A fast low-resolution image.
    Preview,
    /// A full-resolution image, usually an upscale of a preview.
    Hd,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Preview => "preview",
            Self::Hd => "hd",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "preview" => Ok(Self::Preview),
            "hd" => Ok(Self::Hd),
            other => Err(format!("unknown job kind {other:?}")),
        }
    }
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "queued" => Ok(Self::Queued),
            "running" => Ok(Self::Running),
            "done" => Ok(Self::Done),
            "failed" => Ok(Self::Failed),
            "cancelled" => Ok(Self::Cancelled),
            other => Err(format!("unknown job state {other:?}")),
        }
    }

    /// Done, failed or cancelled: nothing more will happen unless it is retried.
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Done | Self::Failed | Self::Cancelled)
    }
}

/// A generation job as the UI sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Job {
    #[ts(type = "number")]
    pub id: JobId,
    /// The source portrait; `null` for an HD job whose preview's portrait was deleted.
    #[ts(type = "number | null")]
    pub portrait_id: Option<i64>,
    pub kind: JobKind,
    /// The engine settings, as given to [`JobQueue::enqueue`].
    pub settings_json: String,
    pub state: JobState,
    /// 0 to 1.
    pub progress: f32,
    /// Why it failed or was cancelled.
    pub error: Option<JobFailure>,
    /// Runs started, counting retries and resumptions.
    pub attempts: u32,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// When the current or last run started.
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// The preview an HD job upscales.
    #[ts(type = "number | null")]
    pub parent_output_id: Option<OutputId>,
}

/// The `job` event payload: sent when a job is queued, starts, makes progress
/// (at most 5 times a second) and finishes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct JobEvent {
    #[ts(type = "number")]
    pub job_id: JobId,
    pub state: JobState,
    pub progress: f32,
    pub error: Option<JobFailure>,
}

/// Why a job failed or was cancelled, as recorded: a stable code, which the
/// window words in the user's language, and an English sentence for the
/// record and the log, which never goes to the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct JobFailure {
    pub code: ErrorCode,
    #[serde(skip)]
    #[ts(skip)]
    pub message: String,
}

/// Which jobs [`JobQueue::list`] returns, newest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct JobFilter {
    #[ts(type = "number | null")]
    pub portrait_id: Option<i64>,
    /// Only jobs in these states; empty for all.
    pub states: Vec<JobState>,
    /// At most this many; 0 for [`DEFAULT_PAGE`].
    pub limit: u32,
}

/// An image a runner made, in its staging folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutput {
    /// The file, inside [`JobContext::staging_dir`]. PNG, JPEG or WebP (by content).
    pub path: PathBuf,
    /// Which engine made it, e.g. `local-style` or `cloud`.
    pub engine: String,
    /// Model name to sha256.
    pub model_hashes: BTreeMap<String, String>,
    pub seed: Option<i64>,
    /// The settings that made it when they differ from the job's (e.g. with the
    /// random seed filled in); `None` keeps the job's.
    pub settings_json: Option<String>,
}

impl NewOutput {
    /// An output at `path` made by `engine`, with the job's settings.
    pub fn new(path: impl Into<PathBuf>, engine: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            engine: engine.into(),
            model_hashes: BTreeMap::new(),
            seed: None,
            settings_json: None,
        }
    }
}

/// Why a runner did not finish a job.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// It saw [`JobContext::is_cancelled`] and stopped.
    #[error("The job was cancelled.")]
    Cancelled,
    /// It failed; `code` is what the UI branches on.
    #[error("{message}")]
    Failed { code: ErrorCode, message: String },
    #[error("Could not read or write the job's files: {0}")]
    Io(#[from] io::Error),
}

impl JobError {
    pub fn failed(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Failed {
            code,
            message: message.into(),
        }
    }
}

impl Coded for JobError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::Cancelled => ErrorCode::Cancelled,
            Self::Failed { code, .. } => *code,
            Self::Io(_) => ErrorCode::Io,
        }
    }
}

/// Why a queue call failed.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    History(#[from] HistoryError),
    #[error("Could not read or write local files: {0}")]
    Io(#[from] io::Error),
    #[error("Job {0} was not found.")]
    JobNotFound(JobId),
    #[error("Only a failed or cancelled job can be retried; job {id} is {}.", state.as_str())]
    NotRetryable { id: JobId, state: JobState },
    #[error("Portrait {0} has not passed the safety check, so it cannot be used to generate.")]
    PortraitNotAccepted(i64),
    #[error("Portrait {0} was not found.")]
    PortraitNotFound(i64),
    #[error(transparent)]
    Consent(#[from] RequireError),
    #[error("{0}")]
    InvalidInput(String),
    #[error("The worker thread could not start: {0}")]
    Spawn(io::Error),
}

impl Coded for QueueError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::Db(e) => e.code(),
            Self::History(e) => e.code(),
            Self::Io(_) | Self::Spawn(_) => ErrorCode::Io,
            Self::JobNotFound(_) => ErrorCode::JobNotFound,
            Self::NotRetryable { .. } => ErrorCode::JobNotRetryable,
            Self::PortraitNotAccepted(_) => ErrorCode::PortraitNotAccepted,
            Self::PortraitNotFound(_) => ErrorCode::NotFound,
            Self::Consent(e) => e.code(),
            Self::InvalidInput(_) => ErrorCode::InvalidInput,
        }
    }
}

impl From<rusqlite::Error> for QueueError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Db(e.into())
    }
}

/// Turns a job into images. Implemented for closures
/// `Fn(&Job, &JobContext) -> Result<Vec<NewOutput>, JobError>`.
///
/// Write files only inside [`JobContext::staging_dir`], check
/// [`JobContext::is_cancelled`] at least every second or so, and report progress
/// as often as is handy (the queue throttles it). A panic fails the job.
pub trait JobRunner: Send + Sync + 'static {
    fn run(&self, job: &Job, ctx: &JobContext) -> Result<Vec<NewOutput>, JobError>;
}

impl<F> JobRunner for F
where
    F: Fn(&Job, &JobContext) -> Result<Vec<NewOutput>, JobError> + Send + Sync + 'static,
{
    fn run(&self, job: &Job, ctx: &JobContext) -> Result<Vec<NewOutput>, JobError> {
        self(job, ctx)
    }
}

/// What a runner gets besides the job: its cancel flag, a progress reporter and
/// its staging folder.
pub struct JobContext {
    job_id: JobId,
    attempt: u32,
    staging: PathBuf,
    cancelled: Arc<AtomicBool>,
    shared: Arc<Shared>,
    last_progress: Mutex<Option<Instant>>,
}

impl JobContext {
    /// True once the job was cancelled or the app is quitting: stop, and return
    /// [`JobError::Cancelled`].
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst) || self.shared.shutdown.load(Ordering::SeqCst)
    }

    /// True once the user cancelled the job (not when the app is quitting):
    /// a cloud job then cancels on the server too, and is resumed otherwise.
    pub fn cancelled_by_user(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

    /// `Err(JobError::Cancelled)` when [`Self::is_cancelled`], for use with `?`.
    pub fn check_cancelled(&self) -> Result<(), JobError> {
        if self.is_cancelled() {
            Err(JobError::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Report progress from 0 to 1. Saved and sent to the UI at most 5 times a
    /// second (1 always gets through).
    pub fn progress(&self, fraction: f32) {
        if !fraction.is_finite() || self.is_cancelled() {
            return;
        }
        let fraction = fraction.clamp(0.0, 1.0);
        let mut last = lock(&self.last_progress);
        let now = Instant::now();
        if fraction < 1.0 && last.is_some_and(|t| now.duration_since(t) < PROGRESS_INTERVAL) {
            return;
        }
        *last = Some(now);
        // Progress is only a display: a database hiccup here must not fail the job.
        let saved = self.shared.db.write(|tx| {
            Ok::<_, DbError>(sql::set_progress(tx, self.job_id, self.attempt, fraction)?)
        });
        if let Ok(true) = saved {
            self.shared
                .emit(self.job_id, JobState::Running, fraction, None);
        }
    }

    /// The folder to write this job's files in. It is emptied when the job
    /// ends, whatever the outcome.
    pub fn staging_dir(&self) -> &Path {
        &self.staging
    }
}

/// The persistent generation queue and its worker thread. Dropping it stops the
/// worker cleanly (see the module docs).
pub struct JobQueue {
    shared: Arc<Shared>,
    worker: Option<JoinHandle<()>>,
}

/// What the queue's callers and its worker share.
struct Shared {
    db: Arc<Db>,
    vault: Arc<Vault>,
    history: History,
    /// Where "now" comes from for every time a job records.
    clock: Arc<dyn Clock>,
    staging: PathBuf,
    runner: Arc<dyn JobRunner>,
    on_event: Box<dyn Fn(JobEvent) + Send + Sync>,
    /// Set when there may be new work; the worker sleeps until then.
    wake: Mutex<bool>,
    wake_signal: Condvar,
    shutdown: AtomicBool,
    /// The job the worker is running now.
    current: Mutex<Option<Running>>,
    /// Held while a job is put in the queue and reported queued, so the worker
    /// cannot report it running before the UI has heard it is queued.
    announcing: Mutex<()>,
}

pub(crate) struct Running {
    id: JobId,
    cancelled: Arc<AtomicBool>,
}

impl JobQueue {
    /// Recover from the last run (see the module docs), then start the worker.
    ///
    /// `db` and `vault` are the data folder's (another process may have the
    /// same files open: SQLite's lock keeps them in step).
    /// `staging_dir` is this queue's own scratch folder (emptied now); put it in
    /// the data folder, on the same disk as the vault. `on_event` is called from
    /// the worker thread and from callers of [`Self::cancel`], [`Self::retry`]
    /// and [`Self::enqueue`]; keep it quick (e.g. emit a Tauri event).
    pub fn start(
        db: Arc<Db>,
        vault: Arc<Vault>,
        clock: Arc<dyn Clock>,
        staging_dir: PathBuf,
        runner: Arc<dyn JobRunner>,
        on_event: impl Fn(JobEvent) + Send + Sync + 'static,
    ) -> Result<Self, QueueError> {
        worker::empty_dir(&staging_dir)?;
        let shared = Arc::new(Shared {
            history: History::new(db.clone(), vault.clone()),
            db,
            vault,
            clock,
            staging: staging_dir,
            runner,
            on_event: Box::new(on_event),
            wake: Mutex::new(true),
            wake_signal: Condvar::new(),
            shutdown: AtomicBool::new(false),
            current: Mutex::new(None),
            announcing: Mutex::new(()),
        });
        let recovered = shared.db.write(|tx| {
            let message = "The app stopped during this job too many times, so it was given up.";
            Ok::<_, QueueError>(sql::recover_jobs(
                tx,
                MAX_INTERRUPTIONS,
                message,
                &shared.clock.now_rfc3339(),
            )?)
        })?;
        for id in recovered.requeued {
            shared.emit(id, JobState::Queued, 0.0, None);
        }
        for id in recovered.failed {
            let job = shared.get_job(id)?;
            shared.emit(id, JobState::Failed, 0.0, job.and_then(|j| j.error));
        }
        let worker = std::thread::Builder::new()
            .name("likeness-jobs".into())
            .spawn({
                let shared = shared.clone();
                move || worker::work(&shared)
            })
            .map_err(QueueError::Spawn)?;
        Ok(Self {
            shared,
            worker: Some(worker),
        })
    }

    /// Queue a job; it runs after the jobs already queued.
    ///
    /// A preview needs `portrait_id`; an HD job needs `parent_output_id` (the
    /// preview it upscales) and, without `portrait_id`, takes the preview's.
    /// The portrait must have passed moderation, and consent must stand.
    /// `settings_json` must be a JSON object.
    pub fn enqueue(
        &self,
        portrait_id: Option<i64>,
        kind: JobKind,
        settings_json: &str,
        parent_output_id: Option<OutputId>,
    ) -> Result<JobId, QueueError> {
        self.shared.require_consent()?;
        let settings: serde_json::Value = serde_json::from_str(settings_json)
            .map_err(|e| QueueError::InvalidInput(format!("The job settings are not JSON: {e}")))?;
        if !settings.is_object() {
            return Err(QueueError::InvalidInput(
                "The job settings must be a JSON object.".into(),
            ));
        }
        let parent = parent_output_id
            .map(|id| self.shared.history.get_output(id))
            .transpose()?;
        let portrait_id = match (kind, portrait_id, &parent) {
            (JobKind::Hd, _, None) => {
                return Err(QueueError::InvalidInput(
                    "An HD job needs the preview it upscales.".into(),
                ))
            }
            (JobKind::Preview, None, _) => {
                return Err(QueueError::InvalidInput(
                    "A preview needs a portrait.".into(),
                ))
            }
            (_, Some(id), _) => Some(id),
            (JobKind::Hd, None, Some(p)) => p.portrait_id,
        };
        let announcing = lock(&self.shared.announcing);
        // Queuing counts as a use of the portrait (retention runs from the last use).
        let job = self.shared.db.write(|tx| {
            let now = self.shared.clock.now_rfc3339();
            if let Some(id) = portrait_id {
                match crate::library::sql::is_accepted(tx, id)? {
                    None => return Err(QueueError::PortraitNotFound(id)),
                    Some(false) => return Err(QueueError::PortraitNotAccepted(id)),
                    Some(true) => crate::library::sql::mark_used(tx, id, &now)?,
                }
            }
            let new = NewJob {
                portrait_id,
                kind,
                settings_json,
                parent_output_id,
                created_at: &now,
            };
            Ok(sql::insert_job(tx, &new)?)
        })?;
        self.shared.emit(job.id, JobState::Queued, 0.0, None);
        drop(announcing);
        self.shared.wake();
        Ok(job.id)
    }

    /// Cancel a queued or running job. It is `cancelled` at once; a running
    /// runner is told to stop and its files are deleted when it does. Cancelling
    /// a finished job changes nothing. Returns the job as it now is.
    pub fn cancel(&self, id: JobId) -> Result<Job, QueueError> {
        let shared = &self.shared;
        let before = shared
            .db
            .write(|tx| Ok::<_, QueueError>(sql::cancel_job(tx, id, &shared.clock.now_rfc3339())?))?
            .ok_or(QueueError::JobNotFound(id))?;
        if before == JobState::Running {
            if let Some(running) = lock(&shared.current).as_ref().filter(|r| r.id == id) {
                running.cancelled.store(true, Ordering::SeqCst);
            }
        }
        let job = self.get(id)?;
        if !before.is_finished() {
            shared.emit(id, job.state, job.progress, job.error.clone());
        }
        Ok(job)
    }

    /// Queue a failed or cancelled job again, as a new attempt behind the jobs
    /// already queued; consent must stand. Returns the job as it now is.
    pub fn retry(&self, id: JobId) -> Result<Job, QueueError> {
        self.shared.require_consent()?;
        let announcing = lock(&self.shared.announcing);
        let before = self
            .shared
            .db
            .write(|tx| Ok::<_, QueueError>(sql::retry_job(tx, id)?))?;
        match before {
            None => Err(QueueError::JobNotFound(id)),
            Some(JobState::Failed | JobState::Cancelled) => {
                self.shared.emit(id, JobState::Queued, 0.0, None);
                drop(announcing);
                self.shared.wake();
                self.get(id)
            }
            Some(state) => Err(QueueError::NotRetryable { id, state }),
        }
    }

    /// Jobs matching `filter`, newest first.
    pub fn list(&self, filter: &JobFilter) -> Result<Vec<Job>, QueueError> {
        let limit = match filter.limit {
            0 => DEFAULT_PAGE,
            n => n.min(MAX_PAGE),
        };
        self.shared
            .db
            .read(|conn| Ok(sql::list_jobs(conn, filter, limit)?))
    }

    /// One job by id.
    pub fn get(&self, id: JobId) -> Result<Job, QueueError> {
        self.shared.get_job(id)?.ok_or(QueueError::JobNotFound(id))
    }

    /// The History of what the jobs made.
    pub fn history(&self) -> &History {
        &self.shared.history
    }
}

impl Drop for JobQueue {
    /// Stop the worker: the running job is asked to stop and put back in the queue.
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        self.shared.wake();
        if let Some(worker) = self.worker.take() {
            // A panic in the worker has already been reported; nothing to add.
            let _ = worker.join();
        }
    }
}

impl Shared {
    /// Refuse unless consent stands now.
    fn require_consent(&self) -> Result<(), QueueError> {
        Ok(crate::consent::require(&self.db)?)
    }

    fn get_job(&self, id: JobId) -> Result<Option<Job>, QueueError> {
        self.db.read(|conn| Ok(sql::get_job(conn, id)?))
    }

    fn emit(&self, job_id: JobId, state: JobState, progress: f32, error: Option<JobFailure>) {
        (self.on_event)(JobEvent {
            job_id,
            state,
            progress,
            error,
        });
    }

    fn wake(&self) {
        *lock(&self.wake) = true;
        self.wake_signal.notify_all();
    }

    /// Sleep until there may be work (or `timeout` passes).
    fn wait_for_work(&self, timeout: Duration) {
        let mut pending = lock(&self.wake);
        while !*pending && !self.shutdown.load(Ordering::SeqCst) {
            let (guard, result) = self
                .wake_signal
                .wait_timeout(pending, timeout)
                .unwrap_or_else(|e| e.into_inner());
            pending = guard;
            if result.timed_out() {
                break;
            }
        }
        *pending = false;
    }
}
