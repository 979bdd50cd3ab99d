//! A stand-in engine that paints a small real PNG, and a data folder that
//! outlives the queues opened on it: the set-up of the queue and History tests.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use image::{Rgb, RgbImage};
use likeness_core::clock::SystemClock;
use likeness_core::consent::{ConsentKind, POLICY_VERSION};
use likeness_core::db::{Db, DbError};
use likeness_core::history::{History, OutputFilter};
use likeness_core::jobs::{
    Job, JobContext, JobError, JobEvent, JobKind, JobQueue, JobState, NewOutput,
};
use likeness_core::vault::{sha256_hex, Vault};
use likeness_core::ErrorCode;
use rusqlite::Connection;

/// How the stand-in engine behaves, shared with the test.
#[derive(Default)]
pub(crate) struct Probe {
    /// Hold every job at "running" until it is cancelled (or forever, after a crash).
    pub hold: AtomicBool,
    pub started: AtomicBool,
    pub stopped: AtomicBool,
}

/// Paint a 16×20 PNG whose colour is `settings.shade`. Settings also understand
/// `failFirst` (fail the first attempt), `steps` (report that many progress
/// steps, a millisecond apart) and `garbage` (return a file that is no image).
pub(crate) fn painter(
    probe: Arc<Probe>,
) -> impl Fn(&Job, &JobContext) -> Result<Vec<NewOutput>, JobError> {
    move |job, ctx| {
        let settings: serde_json::Value = serde_json::from_str(&job.settings_json).unwrap();
        let dir = ctx.staging_dir();
        probe.started.store(true, Ordering::SeqCst);
        if probe.hold.load(Ordering::SeqCst) {
            write_png(dir, "partial.png", 1);
            while !ctx.is_cancelled() {
                std::thread::sleep(Duration::from_millis(10));
            }
            probe.stopped.store(true, Ordering::SeqCst);
            return Err(JobError::Cancelled);
        }
        if settings["failFirst"] == true && job.attempts == 1 {
            write_png(dir, "partial.png", 1);
            return Err(JobError::failed(
                ErrorCode::GenerationFailed,
                "The engine ran out of memory.",
            ));
        }
        let steps = settings["steps"].as_u64().unwrap_or(4);
        for step in 1..=steps {
            ctx.check_cancelled()?;
            std::thread::sleep(Duration::from_millis(1));
            ctx.progress(step as f32 / steps as f32);
        }
        let path = if settings["garbage"] == true {
            let path = dir.join("out.png");
            std::fs::write(&path, b"not an image at all").unwrap();
            path
        } else {
            write_png(
                dir,
                "out.png",
                settings["shade"].as_u64().unwrap_or(0) as u8,
            )
        };
        let mut output = NewOutput::new(path, "test-painter");
        output.seed = settings["seed"].as_i64();
        output.model_hashes.insert("painter".into(), "ab12".into());
        Ok(vec![output])
    }
}

fn write_png(dir: &Path, name: &str, shade: u8) -> PathBuf {
    let path = dir.join(name);
    RgbImage::from_pixel(16, 20, Rgb([shade, 100, 200]))
        .save(&path)
        .unwrap();
    path
}

/// A data folder that outlives the queues opened on it (restarts).
pub(crate) struct Data {
    dir: tempfile::TempDir,
}

pub(crate) type Events = Arc<Mutex<Vec<JobEvent>>>;

impl Data {
    pub(crate) fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub(crate) fn db_path(&self) -> PathBuf {
        self.dir.path().join("likeness.db")
    }

    pub(crate) fn staging(&self) -> PathBuf {
        self.dir.path().join("staging")
    }

    /// The vault, opened with the test's own keys (the same every time).
    pub(crate) fn vault(&self) -> Vault {
        Vault::open(self.dir.path().join("vault"), test_vault_keys()).unwrap()
    }

    /// Open the store and vault afresh, as the app does at start, and start a queue.
    pub(crate) fn start(&self, probe: &Arc<Probe>) -> (JobQueue, Arc<Db>, Events) {
        let store = Arc::new(Db::open(&self.db_path()).unwrap());
        let vault = Arc::new(self.vault());
        let events = Events::default();
        let sink = events.clone();
        let queue = JobQueue::start(
            store.clone(),
            vault,
            Arc::new(SystemClock),
            self.staging(),
            Arc::new(painter(probe.clone())),
            move |e| sink.lock().unwrap().push(e),
        )
        .unwrap();
        (queue, store, events)
    }

    /// Run SQL on the database file directly (fixture set-up only).
    pub(crate) fn sql(&self, sql: &str, params: impl rusqlite::Params) {
        Connection::open(self.db_path())
            .unwrap()
            .execute(sql, params)
            .unwrap();
    }

    /// Files left in the staging folder (recursively).
    pub(crate) fn staged_files(&self) -> Vec<PathBuf> {
        files_under(&self.staging())
    }

    pub(crate) fn vault_output_files(&self) -> Vec<PathBuf> {
        files_under(&self.dir.path().join("vault/outputs"))
    }
}

pub(crate) fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(files_under(&path));
            } else {
                found.push(path);
            }
        }
    }
    found
}

/// Record every consent answer as `granted`, as the consent screen does.
pub(crate) fn answer_consent(store: &Db, granted: bool) {
    store
        .write(|tx| {
            for kind in ConsentKind::ALL {
                tx.execute(
                    "INSERT INTO consent_records (kind, granted, policy_version, recorded_at)
                     VALUES (?1, ?2, ?3, '2026-01-01T00:00:00Z')",
                    rusqlite::params![kind.as_str(), granted, POLICY_VERSION],
                )?;
            }
            Ok::<_, DbError>(())
        })
        .unwrap();
}

/// A portrait that passed moderation, in a library where consent is given
/// (as it is for every imported portrait). Written as SQL: the queue tests
/// need no real face.
pub(crate) fn accepted_portrait(store: &Db, name: &str) -> i64 {
    answer_consent(store, true);
    let sha = sha256_hex(name.as_bytes());
    store
        .write(|tx| {
            tx.execute(
                "INSERT INTO moderation_records (image_sha256, decision, reason, confidence_band,
                     model_hashes_json, thresholds_json, app_version, session_ref, decided_at)
                 VALUES (?1, 'accept', 'ok', 'high', '{}', '{}', 'test', 'test',
                     '2026-01-01T00:00:00Z')",
                [&sha],
            )?;
            let moderation_id = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO portraits (sha256, original_name, format, width, height, bytes,
                     imported_at, last_used_at, moderation_id)
                 VALUES (?1, ?2, 'png', 100, 120, 1000, '2026-01-01T00:00:00Z',
                     '2026-01-01T00:00:00Z', ?3)",
                rusqlite::params![sha, name, moderation_id],
            )?;
            Ok::<_, DbError>(tx.last_insert_rowid())
        })
        .unwrap()
}

pub(crate) fn wait_for(queue: &JobQueue, id: i64, what: &str, done: impl Fn(&Job) -> bool) -> Job {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let job = queue.get(id).unwrap();
        if done(&job) {
            return job;
        }
        assert!(
            Instant::now() < deadline,
            "job {id} never became {what}: {job:?}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

pub(crate) fn wait_state(queue: &JobQueue, id: i64, state: JobState) -> Job {
    wait_for(queue, id, state.as_str(), |j| j.state == state)
}

pub(crate) fn all_outputs(history: &History) -> Vec<i64> {
    page_through(history, OutputFilter::default(), 100)
}

/// Every output id matching `filter`, following `next` page by page.
pub(crate) fn page_through(history: &History, mut filter: OutputFilter, limit: u32) -> Vec<i64> {
    filter.limit = limit;
    let mut ids = Vec::new();
    loop {
        let page = history.list_outputs(&filter).unwrap();
        assert!(page.outputs.len() <= limit as usize);
        ids.extend(page.outputs.iter().map(|o| o.id));
        match page.next {
            Some(next) => filter.after = Some(next),
            None => return ids,
        }
    }
}

pub(crate) fn preview(queue: &JobQueue, portrait: i64, settings: serde_json::Value) -> i64 {
    queue
        .enqueue(
            Some(portrait),
            JobKind::Preview,
            &settings.to_string(),
            None,
        )
        .unwrap()
}

/// Vault keys for test folders that open a vault directly (no keyring).
pub(crate) fn test_vault_keys() -> likeness_core::vault::VaultKeys {
    likeness_core::vault::VaultKeys::from_master(&[7; 32])
}
