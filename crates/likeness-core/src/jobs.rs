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
//! inserts the output rows and marks the job `done` (see [`crate::sweep`]).
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

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::consent::{self, ConsentRequired, ConsentStatus};
use crate::error::{ApiError, ErrorCode};
use crate::imaging;
use crate::store::{NewJob, NewOutputRow, OutputRow, Store, StoreError};
use crate::sweep::{self, VaultFile};
use crate::vault::{sha256_hex, Kind, Vault};

/// A job's id.
pub type JobId = i64;
/// An output's id.
pub type OutputId = i64;

/// Runs in a row cut off by a crash after which a job is given up as `interrupted`.
pub const MAX_INTERRUPTIONS: u32 = 3;
/// The History page size when the filter does not say.
pub const DEFAULT_PAGE: u32 = 60;
/// The largest History page.
pub const MAX_PAGE: u32 = 500;
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
    pub error: Option<ApiError>,
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
    pub error: Option<ApiError>,
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

/// A generated image in the History.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Output {
    #[ts(type = "number")]
    pub id: OutputId,
    /// The job that made it; `null` once the job record is gone.
    #[ts(type = "number | null")]
    pub job_id: Option<JobId>,
    /// The source portrait; `null` once the portrait is deleted.
    #[ts(type = "number | null")]
    pub portrait_id: Option<i64>,
    pub sha256: String,
    /// `png`, `jpeg` or `webp`.
    pub format: String,
    pub width: u32,
    pub height: u32,
    /// Size of the file in bytes.
    #[ts(type = "number")]
    pub bytes: i64,
    /// The full settings that made it.
    pub settings_json: String,
    /// The style it was made in, for the style filter (see [`style_key`]).
    pub style_key: Option<String>,
    pub engine: String,
    /// Model name to sha256, for each model the engine used.
    pub model_hashes: BTreeMap<String, String>,
    #[ts(type = "number | null")]
    pub seed: Option<i64>,
    pub favourite: bool,
    /// RFC 3339, UTC, whole seconds.
    pub created_at: String,
    pub image_path: String,
    pub thumb_path: String,
}

/// A History query. Every filter given must match; results are newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct OutputFilter {
    #[ts(type = "number | null")]
    pub portrait_id: Option<i64>,
    pub style_key: Option<String>,
    /// RFC 3339; outputs made at or after it.
    pub since: Option<String>,
    /// RFC 3339; outputs made before it.
    pub until: Option<String>,
    pub favourites_only: bool,
    /// Page size; 0 for [`DEFAULT_PAGE`], at most [`MAX_PAGE`].
    pub limit: u32,
    /// Continue after this point (the `next` of the previous page).
    pub after: Option<OutputCursor>,
}

/// A position in the History, for keyset pagination: the last output of a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OutputCursor {
    pub created_at: String,
    #[ts(type = "number")]
    pub id: OutputId,
}

/// One page of the History.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OutputPage {
    pub outputs: Vec<Output>,
    /// Pass as `after` for the next page; `null` on the last page.
    pub next: Option<OutputCursor>,
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

    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Cancelled => ErrorCode::Cancelled,
            Self::Failed { code, .. } => *code,
            Self::Io(_) => ErrorCode::Io,
        }
    }
}

impl From<ApiError> for JobError {
    fn from(e: ApiError) -> Self {
        Self::failed(e.code, e.message)
    }
}

/// Why a queue or History call failed.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("Could not read or write local files: {0}")]
    Io(#[from] io::Error),
    #[error("Job {0} was not found.")]
    JobNotFound(JobId),
    #[error("Image {0} was not found in the History.")]
    OutputNotFound(OutputId),
    #[error("Only a failed or cancelled job can be retried; job {id} is {}.", state.as_str())]
    NotRetryable { id: JobId, state: JobState },
    #[error("Portrait {0} has not passed the safety check, so it cannot be used to generate.")]
    PortraitNotAccepted(i64),
    #[error("Portrait {0} was not found.")]
    PortraitNotFound(i64),
    #[error(transparent)]
    ConsentRequired(#[from] ConsentRequired),
    #[error("{0}")]
    InvalidInput(String),
    #[error("The worker thread could not start: {0}")]
    Spawn(io::Error),
}

impl QueueError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Store(_) => ErrorCode::Database,
            Self::Io(_) | Self::Spawn(_) => ErrorCode::Io,
            Self::JobNotFound(_) => ErrorCode::JobNotFound,
            Self::OutputNotFound(_) => ErrorCode::OutputNotFound,
            Self::NotRetryable { .. } => ErrorCode::JobNotRetryable,
            Self::PortraitNotAccepted(_) => ErrorCode::PortraitNotAccepted,
            Self::PortraitNotFound(_) => ErrorCode::NotFound,
            Self::ConsentRequired(_) => ErrorCode::ConsentRequired,
            Self::InvalidInput(_) => ErrorCode::InvalidInput,
        }
    }
}

impl From<QueueError> for ApiError {
    fn from(e: QueueError) -> Self {
        ApiError::new(e.code(), e.to_string())
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
        if let Ok(true) = self
            .shared
            .store
            .set_job_progress(self.job_id, self.attempt, fraction)
        {
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

/// The History: generated images, newest first, with filters and favourites.
pub struct History {
    store: Arc<Store>,
    vault: Arc<Vault>,
}

impl History {
    pub fn new(store: Arc<Store>, vault: Arc<Vault>) -> Self {
        Self { store, vault }
    }

    /// One page of outputs matching `filter`, newest first. Pages follow each
    /// other by keyset (`after` = the previous page's `next`), so images added or
    /// deleted meanwhile never cause a duplicate or a gap.
    pub fn list_outputs(&self, filter: &OutputFilter) -> Result<OutputPage, QueueError> {
        let limit = match filter.limit {
            0 => DEFAULT_PAGE,
            n if n > MAX_PAGE => {
                return Err(QueueError::InvalidInput(format!(
                    "A History page holds at most {MAX_PAGE} images."
                )))
            }
            n => n,
        };
        let mut query = filter.clone();
        query.since = filter.since.as_deref().map(normalise_time).transpose()?;
        query.until = filter.until.as_deref().map(normalise_time).transpose()?;
        // One extra row tells whether there is a next page.
        let mut rows = self.store.list_outputs(&query, limit + 1)?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next = rows.last().filter(|_| more).map(|r| OutputCursor {
            created_at: r.created_at.clone(),
            id: r.id,
        });
        Ok(OutputPage {
            outputs: rows.into_iter().map(|r| self.output(r)).collect(),
            next,
        })
    }

    /// One output by id.
    pub fn get_output(&self, id: OutputId) -> Result<Output, QueueError> {
        self.store
            .get_output(id)?
            .map(|r| self.output(r))
            .ok_or(QueueError::OutputNotFound(id))
    }

    /// Mark or unmark an output as a favourite (favourites are kept until deleted).
    pub fn set_favourite(&self, id: OutputId, favourite: bool) -> Result<Output, QueueError> {
        if !self.store.set_output_favourite(id, favourite)? {
            return Err(QueueError::OutputNotFound(id));
        }
        self.get_output(id)
    }

    /// Delete an output: its row, then its image and thumbnail unless another
    /// output is the very same image. Once the row is gone the output is gone:
    /// a file that cannot be removed now is left for the next start's sweep.
    pub fn delete_output(&self, id: OutputId) -> Result<(), QueueError> {
        let row = self
            .store
            .delete_output(id)?
            .ok_or(QueueError::OutputNotFound(id))?;
        let files = output_files(&row.sha256, extension_of(&row.format));
        sweep::unlink_released(&self.store, &self.vault, &files);
        Ok(())
    }

    fn output(&self, row: OutputRow) -> Output {
        let ext = extension_of(&row.format);
        let image_path = self.vault.path(Kind::Output, &row.sha256, ext);
        let thumb_path = self.vault.path(Kind::OutputThumbnail, &row.sha256, "jpg");
        Output {
            id: row.id,
            job_id: row.job_id,
            portrait_id: row.portrait_id,
            // Written by us from a BTreeMap; an unreadable value shows as no hashes.
            model_hashes: serde_json::from_str(&row.model_hashes_json).unwrap_or_default(),
            sha256: row.sha256,
            format: row.format,
            width: row.width,
            height: row.height,
            bytes: row.bytes,
            settings_json: row.settings_json,
            style_key: row.style_key,
            engine: row.engine,
            seed: row.seed,
            favourite: row.favourite,
            created_at: row.created_at,
            image_path: image_path.to_string_lossy().into_owned(),
            thumb_path: thumb_path.to_string_lossy().into_owned(),
        }
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
    store: Arc<Store>,
    history: History,
    staging: PathBuf,
    runner: Box<dyn JobRunner>,
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

struct Running {
    id: JobId,
    cancelled: Arc<AtomicBool>,
}

impl JobQueue {
    /// Recover from the last run (see the module docs), then start the worker.
    ///
    /// `store` may be a second [`Store::open`] of the library's database file (WAL
    /// lets connections share it) and `vault` a second [`Vault::open`] of its vault.
    /// `staging_dir` is this queue's own scratch folder (emptied now); put it in
    /// the data folder, on the same disk as the vault. `on_event` is called from
    /// the worker thread and from callers of [`Self::cancel`], [`Self::retry`]
    /// and [`Self::enqueue`]; keep it quick (e.g. emit a Tauri event).
    pub fn start(
        store: Arc<Store>,
        vault: Arc<Vault>,
        staging_dir: PathBuf,
        runner: impl JobRunner,
        on_event: impl Fn(JobEvent) + Send + Sync + 'static,
    ) -> Result<Self, QueueError> {
        empty_dir(&staging_dir)?;
        let shared = Arc::new(Shared {
            history: History::new(store.clone(), vault),
            store,
            staging: staging_dir,
            runner: Box::new(runner),
            on_event: Box::new(on_event),
            wake: Mutex::new(true),
            wake_signal: Condvar::new(),
            shutdown: AtomicBool::new(false),
            current: Mutex::new(None),
            announcing: Mutex::new(()),
        });
        let recovered = shared.store.recover_jobs(
            MAX_INTERRUPTIONS,
            "The app stopped during this job too many times, so it was given up.",
            &now_rfc3339(),
        )?;
        for id in recovered.requeued {
            shared.emit(id, JobState::Queued, 0.0, None);
        }
        for id in recovered.failed {
            let job = shared.store.get_job(id)?;
            shared.emit(id, JobState::Failed, 0.0, job.and_then(|j| j.error));
        }
        let worker = std::thread::Builder::new()
            .name("likeness-jobs".into())
            .spawn({
                let shared = shared.clone();
                move || work(&shared)
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
        if let Some(id) = portrait_id {
            match self.shared.store.portrait_is_accepted(id)? {
                None => return Err(QueueError::PortraitNotFound(id)),
                Some(false) => return Err(QueueError::PortraitNotAccepted(id)),
                Some(true) => {}
            }
        }
        let announcing = lock(&self.shared.announcing);
        let job = self.shared.store.insert_job(&NewJob {
            portrait_id,
            kind,
            settings_json,
            parent_output_id,
            created_at: &now_rfc3339(),
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
            .store
            .cancel_job(id, &now_rfc3339())?
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
        match self.shared.store.retry_job(id)? {
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
        Ok(self.shared.store.list_jobs(filter, limit)?)
    }

    /// One job by id.
    pub fn get(&self, id: JobId) -> Result<Job, QueueError> {
        self.shared
            .store
            .get_job(id)?
            .ok_or(QueueError::JobNotFound(id))
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
    /// Refuse unless consent stands now, as recorded in the library.
    fn require_consent(&self) -> Result<(), QueueError> {
        Ok(consent::require_consent(&ConsentStatus::recorded(
            &self.store,
        )?)?)
    }

    fn emit(&self, job_id: JobId, state: JobState, progress: f32, error: Option<ApiError>) {
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

/// The worker: take the oldest queued job, run it, repeat; sleep when there is none.
fn work(shared: &Arc<Shared>) {
    while !shared.shutdown.load(Ordering::SeqCst) {
        match shared.store.claim_next_job(&now_rfc3339()) {
            Ok(Some(job)) => run_job(shared, job),
            Ok(None) => shared.wait_for_work(Duration::from_secs(60)),
            // The database is busy or failing: try again shortly rather than spin.
            Err(_) => shared.wait_for_work(Duration::from_secs(1)),
        }
    }
}

fn run_job(shared: &Arc<Shared>, job: Job) {
    let cancelled = Arc::new(AtomicBool::new(false));
    *lock(&shared.current) = Some(Running {
        id: job.id,
        cancelled: cancelled.clone(),
    });
    // A cancel between the claim and the line above could not raise the flag.
    if let Ok(Some(now)) = shared.store.get_job(job.id) {
        if now.state != JobState::Running {
            cancelled.store(true, Ordering::SeqCst);
        }
    }
    // Wait until the job's `queued` event has gone out.
    drop(lock(&shared.announcing));
    shared.emit(job.id, JobState::Running, 0.0, None);
    let staging = shared
        .staging
        .join(format!("job-{}-{}", job.id, job.attempts));
    let ctx = JobContext {
        job_id: job.id,
        attempt: job.attempts,
        staging: staging.clone(),
        cancelled: cancelled.clone(),
        shared: shared.clone(),
        last_progress: Mutex::new(None),
    };
    // Consent may have been withdrawn since the job was queued: then it never runs.
    let result = shared
        .require_consent()
        .map_err(|e| JobError::failed(e.code(), e.to_string()))
        .and_then(|()| crate::private_fs::create_dir_all(&staging).map_err(JobError::from))
        .and_then(|()| {
            catch_unwind(AssertUnwindSafe(|| shared.runner.run(&job, &ctx))).unwrap_or_else(|_| {
                Err(JobError::failed(
                    ErrorCode::GenerationFailed,
                    "The engine stopped unexpectedly.",
                ))
            })
        });
    drop(ctx);
    *lock(&shared.current) = None;

    let user_cancelled = cancelled.load(Ordering::SeqCst);
    let shutting_down = shared.shutdown.load(Ordering::SeqCst);
    // The staging folder is emptied before the job's end is recorded, so a
    // finished job never has files left behind.
    let outcome = match result {
        Ok(outputs) if !user_cancelled => finish(shared, &job, &outputs, &staging),
        Err(_) if shutting_down && !user_cancelled => {
            discard(&staging);
            // A clean quit: not the job's fault, so not an interruption.
            if let Ok(true) = shared.store.requeue_job(job.id, job.attempts) {
                shared.emit(job.id, JobState::Queued, 0.0, None);
            }
            Ok(())
        }
        Ok(_) | Err(JobError::Cancelled) => Err(JobError::Cancelled),
        Err(e) => Err(e),
    };
    if let Err(e) = outcome {
        discard(&staging);
        let state = match e {
            JobError::Cancelled => JobState::Cancelled,
            _ => JobState::Failed,
        };
        let message = e.to_string();
        let saved = shared.store.finish_job(
            job.id,
            job.attempts,
            state,
            Some((e.code(), &message)),
            &now_rfc3339(),
        );
        // `false`: cancel() already recorded (and reported) the end.
        if let Ok(true) = saved {
            let error = ApiError::new(e.code(), message);
            shared.emit(job.id, state, 0.0, Some(error));
        }
    }
}

/// Delete a job's staging folder. If it cannot be removed now, the next start empties it.
fn discard(staging: &Path) {
    let _ = fs::remove_dir_all(staging);
}

/// An output checked and hashed, ready to record.
struct Prepared {
    sha256: String,
    format: &'static str,
    width: u32,
    height: u32,
    bytes: i64,
    settings_json: String,
    style_key: Option<String>,
    model_hashes_json: String,
}

/// The files of a [`Prepared`] output: the image and its thumbnail.
struct Files {
    image: Vec<u8>,
    thumbnail: Vec<u8>,
}

/// Move a successful run's files into the vault and record them with the job
/// marked done, all at once.
fn finish(
    shared: &Shared,
    job: &Job,
    outputs: &[NewOutput],
    staging: &Path,
) -> Result<(), JobError> {
    if outputs.is_empty() {
        return Err(JobError::failed(
            ErrorCode::GenerationFailed,
            "The engine finished without an image.",
        ));
    }
    let (prepared, files): (Vec<Prepared>, Vec<Files>) = outputs
        .iter()
        .map(|o| prepare_output(o, job, staging))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .unzip();
    // Everything is in memory now.
    discard(staging);
    let rows: Vec<NewOutputRow<'_>> = prepared
        .iter()
        .zip(outputs)
        .map(|(p, o)| NewOutputRow {
            sha256: &p.sha256,
            format: p.format,
            width: p.width,
            height: p.height,
            bytes: p.bytes,
            settings_json: &p.settings_json,
            style_key: p.style_key.as_deref(),
            engine: &o.engine,
            model_hashes_json: &p.model_hashes_json,
            seed: o.seed,
        })
        .collect();
    let vault = &shared.history.vault;
    let saved = shared.store.complete_job(job, &now_rfc3339(), &rows, || {
        for (p, f) in prepared.iter().zip(files) {
            let ext = extension_of(p.format);
            vault.put_with(Kind::Output, &p.sha256, ext, || {
                Ok::<_, QueueError>(f.image)
            })?;
            vault.put_with(Kind::OutputThumbnail, &p.sha256, "jpg", || {
                Ok::<_, QueueError>(f.thumbnail)
            })?;
        }
        Ok::<_, QueueError>(())
    });
    match saved {
        Ok(Some(_)) => {
            shared.emit(job.id, JobState::Done, 1.0, None);
            Ok(())
        }
        // Cancelled (or deleted with its portrait) at the last moment.
        Ok(None) => Ok(()),
        Err(e) => {
            // Files written before the failure belong to no row: remove them,
            // unless another output is the same image.
            let files: Vec<VaultFile> = prepared
                .iter()
                .flat_map(|p| output_files(&p.sha256, extension_of(p.format)))
                .collect();
            sweep::unlink_released(&shared.store, vault, &files);
            Err(JobError::failed(e.code(), e.to_string()))
        }
    }
}

/// The vault files of an output: its image and its thumbnail.
fn output_files(sha256: &str, extension: &'static str) -> [VaultFile; 2] {
    [
        VaultFile::new(Kind::Output, sha256, extension),
        VaultFile::new(Kind::OutputThumbnail, sha256, "jpg"),
    ]
}

/// Check one runner output: inside the staging folder, a decodable PNG, JPEG or
/// WebP within the pixel cap; hash it and make its thumbnail.
fn prepare_output(o: &NewOutput, job: &Job, staging: &Path) -> Result<(Prepared, Files), JobError> {
    let bad = |why: String| JobError::failed(ErrorCode::GenerationFailed, why);
    let path = o.path.canonicalize()?;
    if !path.starts_with(staging.canonicalize()?) {
        return Err(bad(format!(
            "The engine wrote {} outside its staging folder.",
            o.path.display()
        )));
    }
    let bytes = fs::read(&path)?;
    let checked = imaging::sniff(&bytes).and_then(|format| {
        let image = imaging::decode(&bytes, format)?;
        Ok((format, image))
    });
    let (format, image) =
        checked.map_err(|e| bad(format!("The engine's image is unusable: {e}")))?;
    let thumbnail = imaging::thumbnail(&image).map_err(|e| bad(e.to_string()))?;
    let format = match format {
        image::ImageFormat::Png => "png",
        image::ImageFormat::Jpeg => "jpeg",
        _ => "webp",
    };
    let settings_json = o
        .settings_json
        .clone()
        .unwrap_or_else(|| job.settings_json.clone());
    let settings: serde_json::Value = serde_json::from_str(&settings_json)
        .map_err(|e| bad(format!("The engine's settings are not JSON: {e}")))?;
    let model_hashes_json = serde_json::to_string(&o.model_hashes)
        .map_err(|e| bad(format!("Could not encode the model hashes: {e}")))?;
    let prepared = Prepared {
        sha256: sha256_hex(&bytes),
        format,
        width: image.width(),
        height: image.height(),
        bytes: bytes.len() as i64,
        style_key: style_key(&settings),
        settings_json,
        model_hashes_json,
    };
    Ok((
        prepared,
        Files {
            image: bytes,
            thumbnail,
        },
    ))
}

/// The style an output is filed under in History: `styleKey` when the settings
/// have one (engines set it for blends and custom styles), else `style` when it
/// is a string, else `style.key`.
pub fn style_key(settings: &serde_json::Value) -> Option<String> {
    let found = settings
        .get("styleKey")
        .or_else(|| settings.get("style").filter(|s| s.is_string()))
        .or_else(|| settings.get("style").and_then(|s| s.get("key")));
    found.and_then(|v| v.as_str()).map(str::to_owned)
}

fn extension_of(format: &str) -> &'static str {
    match format {
        "jpeg" => "jpg",
        "webp" => "webp",
        _ => "png",
    }
}

/// The stored name of an error code, e.g. `job_not_found`.
pub(crate) fn code_name(code: ErrorCode) -> String {
    match serde_json::to_value(code) {
        Ok(serde_json::Value::String(s)) => s,
        _ => format!("{code:?}"),
    }
}

/// An error code from its stored name; one this version does not know reads as
/// `generation_failed`.
pub(crate) fn code_from_name(name: &str) -> ErrorCode {
    serde_json::from_value(serde_json::Value::String(name.to_owned()))
        .unwrap_or(ErrorCode::GenerationFailed)
}

/// A time filter in the stored form (UTC, whole seconds, `Z`), so that text
/// comparison is time comparison. Accepts RFC 3339 or a plain `YYYY-MM-DD` (midnight UTC).
fn normalise_time(s: &str) -> Result<String, QueueError> {
    use time::format_description::well_known::Rfc3339;
    let invalid = || QueueError::InvalidInput(format!("{s:?} is not a date and time (RFC 3339)."));
    let parsed = time::OffsetDateTime::parse(s, &Rfc3339).or_else(|_| {
        let date = time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
            .map_err(|_| invalid())?;
        Ok::<_, QueueError>(date.midnight().assume_utc())
    })?;
    format_time(parsed.to_offset(time::UtcOffset::UTC)).ok_or_else(invalid)
}

fn format_time(t: time::OffsetDateTime) -> Option<String> {
    t.replace_nanosecond(0)
        .ok()?
        .format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// Now, in the stored form.
fn now_rfc3339() -> String {
    format_time(time::OffsetDateTime::now_utc()).unwrap_or_default()
}

/// Delete everything in `dir` (creating it if missing).
fn empty_dir(dir: &Path) -> io::Result<()> {
    match fs::remove_dir_all(dir) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    crate::private_fs::create_dir_all(dir)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Guarded values are plain flags and slots, valid even after a panic.
    m.lock().unwrap_or_else(|e| e.into_inner())
}
