//! The generation queue: jobs run, cancel, retry and survive restarts; their
//! images reach the vault whole or not at all.
//!
//! The runner here is a stand-in engine that paints a small real PNG.

use likeness_core::Coded;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use likeness_core::db::DbError;
use likeness_core::history::OutputFilter;
use likeness_core::jobs::{JobFilter, JobKind, JobQueue, JobState};
use likeness_core::vault::sha256_hex;
use likeness_core::ErrorCode;
use rusqlite::Connection;

use crate::fixtures::Stored;
use crate::stand_in::*;

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
    let stored = output.image_bytes(&data.vault());
    assert_eq!(sha256_hex(&stored), output.sha256);
    assert_eq!(stored.len() as i64, output.bytes);
    assert!(output.thumb_file(&data.vault()).is_file());
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
    assert!(output[0].image_file(&data.vault()).is_file());
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
