//! The generation queue and the History: jobs run, cancel, retry and survive
//! restarts; their images reach the vault whole or not at all; History filters,
//! pages and deletes.
//!
//! The runner here is a stand-in engine that paints a small real PNG.

use likeness_core::Coded;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use image::{Rgb, RgbImage};
use likeness_core::consent::{ConsentKind, POLICY_VERSION};
use likeness_core::db::{Db, DbError};
use likeness_core::history::{History, OutputFilter};
use likeness_core::jobs::{
    Job, JobContext, JobError, JobEvent, JobFilter, JobKind, JobQueue, JobState, NewOutput,
};
use likeness_core::vault::{sha256_hex, Vault};
use likeness_core::ErrorCode;
use rusqlite::Connection;

/// How the stand-in engine behaves, shared with the test.
#[derive(Default)]
struct Probe {
    /// Hold every job at "running" until it is cancelled (or forever, after a crash).
    hold: AtomicBool,
    started: AtomicBool,
    stopped: AtomicBool,
}

/// Paint a 16×20 PNG whose colour is `settings.shade`. Settings also understand
/// `failFirst` (fail the first attempt), `steps` (report that many progress
/// steps, a millisecond apart) and `garbage` (return a file that is no image).
fn painter(probe: Arc<Probe>) -> impl Fn(&Job, &JobContext) -> Result<Vec<NewOutput>, JobError> {
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
struct Data {
    dir: tempfile::TempDir,
}

type Events = Arc<Mutex<Vec<JobEvent>>>;

impl Data {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn db_path(&self) -> PathBuf {
        self.dir.path().join("likeness.db")
    }

    fn staging(&self) -> PathBuf {
        self.dir.path().join("staging")
    }

    /// Open the store and vault afresh, as the app does at start, and start a queue.
    fn start(&self, probe: &Arc<Probe>) -> (JobQueue, Arc<Db>, Events) {
        let store = Arc::new(Db::open(&self.db_path()).unwrap());
        let vault = Arc::new(Vault::open(self.dir.path().join("vault")).unwrap());
        let events = Events::default();
        let sink = events.clone();
        let queue = JobQueue::start(
            store.clone(),
            vault,
            self.staging(),
            Arc::new(painter(probe.clone())),
            move |e| sink.lock().unwrap().push(e),
        )
        .unwrap();
        (queue, store, events)
    }

    /// Run SQL on the database file directly (fixture set-up only).
    fn sql(&self, sql: &str, params: impl rusqlite::Params) {
        Connection::open(self.db_path())
            .unwrap()
            .execute(sql, params)
            .unwrap();
    }

    /// Files left in the staging folder (recursively).
    fn staged_files(&self) -> Vec<PathBuf> {
        files_under(&self.staging())
    }

    fn vault_output_files(&self) -> Vec<PathBuf> {
        files_under(&self.dir.path().join("vault/outputs"))
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
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
                "INSERT INTO moderation_records (image_sha256, source_name, decision, reason,
                     confidence, faces_json, model_hashes_json, thresholds_json, app_version,
                     session_ref, decided_at)
                 VALUES (?1, ?2, 'accept', 'ok', 0.9, '[]', '{}', '{}', 'test', 'test',
                     '2026-01-01T00:00:00Z')",
                rusqlite::params![sha, name],
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

fn all_outputs(history: &History) -> Vec<i64> {
    page_through(history, OutputFilter::default(), 100)
}

/// Every output id matching `filter`, following `next` page by page.
fn page_through(history: &History, mut filter: OutputFilter, limit: u32) -> Vec<i64> {
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

#[test]
fn a_queued_job_runs_to_done_and_its_image_is_in_the_vault_and_history() {
    let data = Data::new();
    let probe = Arc::new(Probe::default());
    let (queue, store, events) = data.start(&probe);
    let portrait = accepted_portrait(&store, "me.png");

    let settings = serde_json::json!({ "style": "oil", "shade": 10, "seed": 7 });
    let id = preview(&queue, portrait, settings.clone());
    let job = wait_state(&queue, id, JobState::Done);

    assert_eq!((job.progress, job.attempts, job.error), (1.0, 1, None));
    assert!(job.started_at.is_some() && job.finished_at.is_some());
    let page = queue
        .history()
        .list_outputs(&OutputFilter::default())
        .unwrap();
    assert_eq!(page.outputs.len(), 1);
    assert_eq!(page.next, None);
    let output = &page.outputs[0];
    assert_eq!(output.job_id, Some(id));
    assert_eq!(output.portrait_id, Some(portrait));
    assert_eq!(
        (output.format.as_str(), output.width, output.height),
        ("png", 16, 20)
    );
    assert_eq!(output.style_key.as_deref(), Some("oil"));
    assert_eq!(output.engine, "test-painter");
    assert_eq!(output.seed, Some(7));
    assert_eq!(output.model_hashes["painter"], "ab12");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&output.settings_json).unwrap(),
        settings
    );
    let stored = std::fs::read(&output.image_path).unwrap();
    assert_eq!(sha256_hex(&stored), output.sha256);
    assert_eq!(stored.len() as i64, output.bytes);
    assert!(Path::new(&output.thumb_path).is_file());
    assert_eq!(queue.history().get_output(output.id).unwrap(), *output);
    assert!(data.staged_files().is_empty());

    // The event follows the commit.
    wait_for(&queue, id, "reported done", |_| {
        events.lock().unwrap().last().map(|e| e.state) == Some(JobState::Done)
    });
    let states: Vec<JobState> = events.lock().unwrap().iter().map(|e| e.state).collect();
    assert_eq!(states.first(), Some(&JobState::Queued));
    assert!(states.contains(&JobState::Running));
    assert_eq!(states.last(), Some(&JobState::Done));
}

#[test]
fn cancelling_a_running_job_stops_it_within_a_second_and_leaves_no_partial_files() {
    let data = Data::new();
    let probe = Arc::new(Probe::default());
    probe.hold.store(true, Ordering::SeqCst);
    let (queue, store, events) = data.start(&probe);
    let portrait = accepted_portrait(&store, "me.png");
    let id = preview(&queue, portrait, serde_json::json!({ "style": "oil" }));
    wait_state(&queue, id, JobState::Running);
    while !probe.started.load(Ordering::SeqCst) || data.staged_files().is_empty() {
        std::thread::sleep(Duration::from_millis(5));
    }

    let asked = Instant::now();
    let job = queue.cancel(id).unwrap();
    assert_eq!(job.state, JobState::Cancelled);
    assert_eq!(job.error.map(|e| e.code), Some(ErrorCode::Cancelled));
    while !probe.stopped.load(Ordering::SeqCst) || !data.staged_files().is_empty() {
        assert!(
            asked.elapsed() < Duration::from_secs(1),
            "still running or files left after a second: {:?}",
            data.staged_files()
        );
        std::thread::sleep(Duration::from_millis(5));
    }

    assert_eq!(queue.get(id).unwrap().state, JobState::Cancelled);
    assert!(all_outputs(queue.history()).is_empty());
    assert!(data.vault_output_files().is_empty());
    let cancelled = events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e.state == JobState::Cancelled)
        .count();
    assert_eq!(cancelled, 1, "the UI hears of the cancel once");
    // Cancelling again, or a finished job, changes nothing.
    assert_eq!(queue.cancel(id).unwrap().state, JobState::Cancelled);
}

#[test]
fn a_queued_job_can_be_cancelled_before_it_starts() {
    let data = Data::new();
    let probe = Arc::new(Probe::default());
    probe.hold.store(true, Ordering::SeqCst);
    let (queue, store, _) = data.start(&probe);
    let portrait = accepted_portrait(&store, "me.png");
    let first = preview(&queue, portrait, serde_json::json!({}));
    let second = preview(&queue, portrait, serde_json::json!({}));
    wait_state(&queue, first, JobState::Running);

    assert_eq!(queue.cancel(second).unwrap().state, JobState::Cancelled);
    queue.cancel(first).unwrap();
    let second = queue.get(second).unwrap();
    assert_eq!((second.state, second.attempts), (JobState::Cancelled, 0));
}

#[test]
fn a_failed_job_can_be_retried_and_then_succeeds() {
    let data = Data::new();
    let probe = Arc::new(Probe::default());
    let (queue, store, _) = data.start(&probe);
    let portrait = accepted_portrait(&store, "me.png");
    let id = preview(&queue, portrait, serde_json::json!({ "failFirst": true }));

    let failed = wait_state(&queue, id, JobState::Failed);
    let error = failed.error.unwrap();
    assert_eq!(error.code, ErrorCode::GenerationFailed);
    assert_eq!(error.message, "The engine ran out of memory.");
    assert!(all_outputs(queue.history()).is_empty());
    wait_for(&queue, id, "cleaned up", |_| data.staged_files().is_empty());

    let retried = queue.retry(id).unwrap();
    assert!(matches!(
        retried.state,
        JobState::Queued | JobState::Running
    ));
    let done = wait_state(&queue, id, JobState::Done);
    assert_eq!((done.attempts, done.error), (2, None));
    assert_eq!(all_outputs(queue.history()).len(), 1);

    let again = queue.retry(id).unwrap_err();
    assert_eq!(again.code(), ErrorCode::JobNotRetryable);
    assert_eq!(
        queue.retry(9999).unwrap_err().code(),
        ErrorCode::JobNotFound
    );
}

#[test]
fn a_job_queued_before_a_restart_completes_after_it() {
    let data = Data::new();
    let holding = Arc::new(Probe::default());
    holding.hold.store(true, Ordering::SeqCst);
    let (running, waiting) = {
        let (queue, store, _) = data.start(&holding);
        let portrait = accepted_portrait(&store, "me.png");
        let running = preview(&queue, portrait, serde_json::json!({ "shade": 1 }));
        wait_state(&queue, running, JobState::Running);
        let waiting = preview(&queue, portrait, serde_json::json!({ "shade": 2 }));
        (running, waiting)
        // The app quits: the queue is dropped.
    };
    assert!(
        holding.stopped.load(Ordering::SeqCst),
        "a quit stops the runner"
    );

    let (queue, _, _) = data.start(&Arc::new(Probe::default()));
    let first = wait_state(&queue, running, JobState::Done);
    let second = wait_state(&queue, waiting, JobState::Done);
    assert_eq!(
        first.attempts, 2,
        "started once before the quit, once after"
    );
    assert_eq!(second.attempts, 1);
    assert!(
        first.finished_at <= second.finished_at,
        "still first in, first out"
    );
    assert_eq!(all_outputs(queue.history()).len(), 2);
}

/// The app dies mid-job: nothing is cleaned up and the job stays `running`.
/// (The forgotten worker stays parked in the holding runner until the test ends.)
fn crash(queue: JobQueue) {
    std::mem::forget(queue);
}

#[test]
fn a_job_left_running_by_a_crash_is_resumed_after_restart() {
    let data = Data::new();
    let holding = Arc::new(Probe::default());
    holding.hold.store(true, Ordering::SeqCst);
    let (queue, store, _) = data.start(&holding);
    let portrait = accepted_portrait(&store, "me.png");
    let id = preview(&queue, portrait, serde_json::json!({}));
    wait_state(&queue, id, JobState::Running);
    while data.staged_files().is_empty() {
        std::thread::sleep(Duration::from_millis(5));
    }
    crash(queue);

    let (queue, _, events) = data.start(&Arc::new(Probe::default()));
    let job = wait_state(&queue, id, JobState::Done);
    assert_eq!((job.attempts, job.error), (2, None));
    assert_eq!(
        events.lock().unwrap()[0].state,
        JobState::Queued,
        "reported as requeued"
    );
    assert_eq!(all_outputs(queue.history()).len(), 1);
    assert_eq!(
        data.staged_files(),
        Vec::<PathBuf>::new(),
        "the crashed run's partial file is gone"
    );
}

#[test]
fn a_job_interrupted_by_three_crashes_is_marked_failed_as_interrupted() {
    let data = Data::new();
    let holding = Arc::new(Probe::default());
    holding.hold.store(true, Ordering::SeqCst);
    let mut id = None;
    for run in 1..=3 {
        let (queue, store, _) = data.start(&holding);
        let job = *id.get_or_insert_with(|| {
            preview(
                &queue,
                accepted_portrait(&store, "me.png"),
                serde_json::json!({}),
            )
        });
        wait_for(&queue, job, "running again", |j| {
            j.state == JobState::Running && j.attempts == run
        });
        crash(queue);
    }

    let (queue, _, events) = data.start(&Arc::new(Probe::default()));
    let job = queue.get(id.unwrap()).unwrap();
    assert_eq!(job.state, JobState::Failed);
    assert_eq!(job.attempts, 3);
    assert_eq!(job.error.map(|e| e.code), Some(ErrorCode::Interrupted));
    assert_eq!(events.lock().unwrap()[0].state, JobState::Failed);
    assert!(all_outputs(queue.history()).is_empty());
    assert!(data.staged_files().is_empty());

    // The user can still try again, and then it runs.
    queue.retry(job.id).unwrap();
    wait_state(&queue, job.id, JobState::Done);
}

/// Made by the History tests: (id, portrait, style, created_at, favourite).
struct Made {
    id: i64,
    portrait: i64,
    style: Option<&'static str>,
    created_at: String,
    favourite: bool,
}

/// Twelve outputs over two portraits, three styles (one given as an object,
/// one missing), four days (three outputs a day, sharing one timestamp), and
/// every third a favourite.
fn made_history(data: &Data, queue: &JobQueue, store: &Db) -> Vec<Made> {
    let portraits = [
        accepted_portrait(store, "a.png"),
        accepted_portrait(store, "b.png"),
    ];
    let styles = [Some("oil"), Some("ink"), None];
    let mut made = Vec::new();
    for i in 0..12 {
        let style = styles[i % 3];
        let settings = match (i % 2, style) {
            (0, Some(s)) => serde_json::json!({ "style": s, "shade": i }),
            (_, Some(s)) => {
                serde_json::json!({ "style": { "key": s, "strength": 0.5 }, "shade": i })
            }
            (_, None) => serde_json::json!({ "shade": i }),
        };
        let portrait = portraits[i % 2];
        let job = preview(queue, portrait, settings);
        wait_state(queue, job, JobState::Done);
        let output = queue
            .history()
            .list_outputs(&OutputFilter {
                limit: 1,
                ..Default::default()
            })
            .unwrap()
            .outputs
            .remove(0);
        assert_eq!(output.job_id, Some(job));
        let created_at = format!("2026-03-0{}T10:00:00Z", 1 + i / 3);
        data.sql(
            "UPDATE outputs SET created_at = ?2 WHERE id = ?1",
            (output.id, &created_at),
        );
        let favourite = i % 3 == 1;
        if favourite {
            assert!(
                queue
                    .history()
                    .set_favourite(output.id, true)
                    .unwrap()
                    .favourite
            );
        }
        made.push(Made {
            id: output.id,
            portrait,
            style,
            created_at,
            favourite,
        });
    }
    // Newest first; ties by id, newest first.
    made.sort_by(|a, b| (&b.created_at, b.id).cmp(&(&a.created_at, a.id)));
    made
}

fn expected(made: &[Made], keep: impl Fn(&Made) -> bool) -> Vec<i64> {
    made.iter().filter(|m| keep(m)).map(|m| m.id).collect()
}

#[test]
fn history_filters_by_portrait_style_date_and_favourite() {
    let data = Data::new();
    let (queue, store, _) = data.start(&Arc::new(Probe::default()));
    let made = made_history(&data, &queue, &store);
    let history = queue.history();
    let list = |filter: OutputFilter| page_through(history, filter, 100);

    let portrait = made[0].portrait;
    assert_eq!(
        list(OutputFilter {
            portrait_id: Some(portrait),
            ..Default::default()
        }),
        expected(&made, |m| m.portrait == portrait)
    );
    assert_eq!(
        list(OutputFilter {
            style_key: Some("ink".into()),
            ..Default::default()
        }),
        expected(&made, |m| m.style == Some("ink"))
    );
    assert_eq!(
        list(OutputFilter {
            since: Some("2026-03-02".into()),
            until: Some("2026-03-04T00:00:00+00:00".into()),
            ..Default::default()
        }),
        expected(&made, |m| {
            m.created_at.as_str() >= "2026-03-02" && m.created_at.as_str() < "2026-03-04"
        })
    );
    assert_eq!(
        list(OutputFilter {
            favourites_only: true,
            ..Default::default()
        }),
        expected(&made, |m| m.favourite)
    );
    assert_eq!(
        list(OutputFilter {
            portrait_id: Some(portrait),
            style_key: Some("oil".into()),
            since: Some("2026-03-02T00:00:00Z".into()),
            ..Default::default()
        }),
        expected(&made, |m| {
            m.portrait == portrait
                && m.style == Some("oil")
                && m.created_at.as_str() >= "2026-03-02"
        })
    );

    history.set_favourite(made[0].id, false).unwrap();
    assert!(!list(OutputFilter {
        favourites_only: true,
        ..Default::default()
    })
    .contains(&made[0].id));
    let bad_date = history
        .list_outputs(&OutputFilter {
            since: Some("last tuesday".into()),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(bad_date.code(), ErrorCode::InvalidInput);
    assert_eq!(
        history.set_favourite(9999, true).unwrap_err().code(),
        ErrorCode::OutputNotFound
    );
}

#[test]
fn history_pages_without_duplicates_or_gaps_even_as_new_images_arrive() {
    let data = Data::new();
    let (queue, store, _) = data.start(&Arc::new(Probe::default()));
    let made = made_history(&data, &queue, &store);
    let history = queue.history();
    let all = expected(&made, |_| true);

    for size in [1, 5, 12, 13] {
        assert_eq!(
            page_through(history, OutputFilter::default(), size),
            all,
            "pages of {size}"
        );
    }
    let portrait = made[0].portrait;
    let filter = OutputFilter {
        portrait_id: Some(portrait),
        ..Default::default()
    };
    assert_eq!(
        page_through(history, filter, 4),
        expected(&made, |m| m.portrait == portrait)
    );

    // A new image arrives between page 1 and page 2: it is newer than both,
    // so page 2 neither repeats nor skips anything.
    let first = history
        .list_outputs(&OutputFilter {
            limit: 5,
            ..Default::default()
        })
        .unwrap();
    let job = preview(&queue, portrait, serde_json::json!({ "shade": 99 }));
    wait_state(&queue, job, JobState::Done);
    let rest = page_through(
        history,
        OutputFilter {
            after: first.next,
            ..Default::default()
        },
        5,
    );
    let mut seen: Vec<i64> = first.outputs.iter().map(|o| o.id).collect();
    seen.extend(rest);
    assert_eq!(seen, all);
}

#[test]
fn deleting_an_output_removes_its_file_unless_another_output_shares_it() {
    let data = Data::new();
    let (queue, store, _) = data.start(&Arc::new(Probe::default()));
    let portrait = accepted_portrait(&store, "me.png");
    // The same settings paint the very same image twice: one file, two outputs.
    for _ in 0..2 {
        let id = preview(&queue, portrait, serde_json::json!({ "shade": 5 }));
        wait_state(&queue, id, JobState::Done);
    }
    let history = queue.history();
    let outputs = history
        .list_outputs(&OutputFilter::default())
        .unwrap()
        .outputs;
    assert_eq!(outputs.len(), 2);
    assert_eq!(outputs[0].sha256, outputs[1].sha256);
    assert_eq!(data.vault_output_files().len(), 1);
    let (image, thumb) = (&outputs[0].image_path, &outputs[0].thumb_path);

    history.delete_output(outputs[0].id).unwrap();
    assert_eq!(
        history.get_output(outputs[0].id).unwrap_err().code(),
        ErrorCode::OutputNotFound
    );
    assert!(
        Path::new(image).is_file(),
        "the other output still shows it"
    );
    assert!(Path::new(thumb).is_file());
    assert_eq!(
        history.get_output(outputs[1].id).unwrap().image_path,
        *image
    );

    history.delete_output(outputs[1].id).unwrap();
    assert!(!Path::new(image).exists());
    assert!(!Path::new(thumb).exists());
    assert!(all_outputs(history).is_empty());
    assert_eq!(
        history.delete_output(outputs[1].id).unwrap_err().code(),
        ErrorCode::OutputNotFound
    );
}

#[test]
fn an_output_whose_thumbnail_cannot_be_removed_is_still_deleted() {
    let data = Data::new();
    let (queue, store, _) = data.start(&Arc::new(Probe::default()));
    let portrait = accepted_portrait(&store, "me.png");
    let id = preview(&queue, portrait, serde_json::json!({ "shade": 9 }));
    wait_state(&queue, id, JobState::Done);
    let history = queue.history();
    let output = history.get_output(all_outputs(history)[0]).unwrap();
    // Removing the thumbnail fails: a folder stands where the file was.
    let thumb = Path::new(&output.thumb_path);
    std::fs::remove_file(thumb).unwrap();
    std::fs::create_dir(thumb).unwrap();
    std::fs::write(thumb.join("keep"), b"x").unwrap();

    history
        .delete_output(output.id)
        .expect("the deletion stands once its row is gone");
    assert_eq!(
        history.get_output(output.id).unwrap_err().code(),
        ErrorCode::OutputNotFound
    );
    assert!(
        !Path::new(&output.image_path).exists(),
        "its image is removed"
    );
    assert!(all_outputs(history).is_empty());
}

#[test]
fn progress_reaches_the_ui_live_but_at_most_five_times_a_second() {
    let data = Data::new();
    let (queue, store, events) = data.start(&Arc::new(Probe::default()));
    let portrait = accepted_portrait(&store, "me.png");
    let started = Instant::now();
    let id = preview(&queue, portrait, serde_json::json!({ "steps": 600 }));
    wait_state(&queue, id, JobState::Done);
    let elapsed = started.elapsed().as_secs_f32();

    let events = events.lock().unwrap();
    let progress: Vec<f32> = events
        .iter()
        .filter(|e| e.job_id == id && e.state == JobState::Running && e.progress > 0.0)
        .map(|e| e.progress)
        .collect();
    assert!(
        progress.len() >= 2,
        "progress was reported along the way: {progress:?}"
    );
    assert!(
        progress.len() as f32 <= elapsed * 5.0 + 2.0,
        "{} updates in {elapsed:.2} s",
        progress.len()
    );
    assert!(progress.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(progress.last(), Some(&1.0));
}

#[test]
fn only_a_portrait_that_passed_moderation_can_be_queued() {
    let data = Data::new();
    let (queue, store, _) = data.start(&Arc::new(Probe::default()));
    let accepted = accepted_portrait(&store, "me.png");
    data.sql(
        "INSERT INTO portraits (sha256, original_name, format, width, height, bytes, imported_at)
         VALUES ('old', 'old.jpg', 'jpeg', 10, 10, 10, '2025-01-01T00:00:00Z')",
        (),
    );
    let unchecked: i64 = Connection::open(data.db_path())
        .unwrap()
        .query_row("SELECT id FROM portraits WHERE sha256 = 'old'", [], |r| {
            r.get(0)
        })
        .unwrap();

    let refuse = |portrait, kind, settings: &str, parent| {
        queue
            .enqueue(portrait, kind, settings, parent)
            .unwrap_err()
            .code()
    };
    assert_eq!(
        refuse(Some(unchecked), JobKind::Preview, "{}", None),
        ErrorCode::PortraitNotAccepted
    );
    assert_eq!(
        refuse(Some(9999), JobKind::Preview, "{}", None),
        ErrorCode::NotFound
    );
    assert_eq!(
        refuse(None, JobKind::Preview, "{}", None),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        refuse(Some(accepted), JobKind::Preview, "[1]", None),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        refuse(Some(accepted), JobKind::Preview, "{oops", None),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        refuse(Some(accepted), JobKind::Hd, "{}", None),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        refuse(None, JobKind::Hd, "{}", Some(9999)),
        ErrorCode::OutputNotFound
    );
    assert!(queue.list(&JobFilter::default()).unwrap().is_empty());
}

#[test]
fn an_hd_job_upscales_a_preview_of_the_same_portrait() {
    let data = Data::new();
    let (queue, store, _) = data.start(&Arc::new(Probe::default()));
    let portrait = accepted_portrait(&store, "me.png");
    let preview_job = preview(&queue, portrait, serde_json::json!({ "shade": 3 }));
    wait_state(&queue, preview_job, JobState::Done);
    let parent = all_outputs(queue.history())[0];

    let hd = queue
        .enqueue(
            None,
            JobKind::Hd,
            r#"{"shade": 4, "scale": 2}"#,
            Some(parent),
        )
        .unwrap();
    let job = wait_state(&queue, hd, JobState::Done);
    assert_eq!(
        (job.kind, job.portrait_id, job.parent_output_id),
        (JobKind::Hd, Some(portrait), Some(parent))
    );

    let jobs = queue.list(&JobFilter::default()).unwrap();
    assert_eq!(
        jobs.iter().map(|j| j.id).collect::<Vec<_>>(),
        [hd, preview_job]
    );
    let hd_only = queue
        .list(&JobFilter {
            states: vec![JobState::Done],
            portrait_id: Some(portrait),
            limit: 1,
        })
        .unwrap();
    assert_eq!(hd_only.len(), 1);
    assert!(queue
        .list(&JobFilter {
            states: vec![JobState::Failed, JobState::Queued],
            ..Default::default()
        })
        .unwrap()
        .is_empty());
}

#[test]
fn an_engine_output_that_is_not_an_image_fails_the_job_and_is_not_kept() {
    let data = Data::new();
    let (queue, store, _) = data.start(&Arc::new(Probe::default()));
    let portrait = accepted_portrait(&store, "me.png");
    let id = preview(&queue, portrait, serde_json::json!({ "garbage": true }));
    let job = wait_state(&queue, id, JobState::Failed);
    assert_eq!(job.error.map(|e| e.code), Some(ErrorCode::GenerationFailed));
    assert!(all_outputs(queue.history()).is_empty());
    assert!(data.vault_output_files().is_empty());
}

#[test]
fn deleting_a_portrait_drops_its_jobs_but_keeps_its_images() {
    let data = Data::new();
    let (queue, store, _) = data.start(&Arc::new(Probe::default()));
    let portrait = accepted_portrait(&store, "me.png");
    let id = preview(&queue, portrait, serde_json::json!({}));
    wait_state(&queue, id, JobState::Done);

    store
        .write(|tx| {
            tx.execute("DELETE FROM portraits WHERE id = ?1", [portrait])?;
            Ok::<_, DbError>(())
        })
        .unwrap();
    assert_eq!(queue.get(id).unwrap_err().code(), ErrorCode::JobNotFound);
    let output = queue
        .history()
        .list_outputs(&OutputFilter::default())
        .unwrap()
        .outputs;
    assert_eq!(output.len(), 1);
    assert_eq!((output[0].portrait_id, output[0].job_id), (None, None));
    assert!(Path::new(&output[0].image_path).is_file());
}

#[test]
fn no_job_can_be_queued_or_retried_without_consent() {
    let data = Data::new();
    let (queue, store, _) = data.start(&Arc::new(Probe::default()));
    let portrait = accepted_portrait(&store, "me.png");
    let settings = serde_json::json!({ "failFirst": true }).to_string();
    let failed = queue
        .enqueue(Some(portrait), JobKind::Preview, &settings, None)
        .unwrap();
    wait_state(&queue, failed, JobState::Failed);
    // Recorded only (no deletion), as when the policy changed since consent was given.
    answer_consent(&store, false);

    let refused = queue
        .enqueue(Some(portrait), JobKind::Preview, "{}", None)
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::ConsentRequired);
    assert_eq!(
        queue.retry(failed).unwrap_err().code(),
        ErrorCode::ConsentRequired
    );
    let jobs = queue.list(&JobFilter::default()).unwrap();
    assert_eq!(jobs.len(), 1, "nothing new was queued");
    assert_eq!(jobs[0].state, JobState::Failed);
}

#[test]
fn a_job_queued_before_consent_was_withdrawn_fails_with_consent_required_and_never_runs() {
    let data = Data::new();
    let probe = Arc::new(Probe::default());
    probe.hold.store(true, Ordering::SeqCst);
    let (queue, store, events) = data.start(&probe);
    let portrait = accepted_portrait(&store, "me.png");
    let first = preview(&queue, portrait, serde_json::json!({}));
    let waiting = preview(&queue, portrait, serde_json::json!({ "shade": 9 }));
    wait_state(&queue, first, JobState::Running);

    answer_consent(&store, false);
    probe.hold.store(false, Ordering::SeqCst);
    queue.cancel(first).unwrap();
    let job = wait_state(&queue, waiting, JobState::Failed);

    let error = job.error.expect("the job says why it failed");
    assert_eq!(error.code, ErrorCode::ConsentRequired);
    assert!(error.message.contains("consent"), "{}", error.message);
    assert!(all_outputs(queue.history()).is_empty(), "nothing was made");
    assert!(data.vault_output_files().is_empty());
    let told = events.lock().unwrap().iter().any(|e| {
        e.job_id == waiting && e.error.as_ref().map(|e| e.code) == Some(ErrorCode::ConsentRequired)
    });
    assert!(told, "the UI hears why");
}
