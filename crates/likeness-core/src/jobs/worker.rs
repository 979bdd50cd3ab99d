//! The worker thread: claims the oldest queued job, runs it, and records the
//! outcome, all or nothing (see the module docs of [`crate::jobs`]).

use std::fs;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::sql;
use super::{
    Job, JobContext, JobError, JobFailure, JobState, NewOutput, QueueError, Running, Shared,
};
use crate::error::{Coded, ErrorCode};
use crate::history::sql::{self as history_sql, NewOutputRow};
use crate::history::{self, style_key};
use crate::imaging;
use crate::sync::lock;
use crate::vault::{sha256_hex, Kind, VaultFile};

/// The worker: take the oldest queued job, run it, repeat; sleep when there is none.
pub(super) fn work(shared: &Arc<Shared>) {
    while !shared.shutdown.load(Ordering::SeqCst) {
        let claimed = shared
            .db
            .write(|tx| Ok::<_, QueueError>(sql::claim_next_job(tx, &shared.clock.now_rfc3339())?));
        match claimed {
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
    if let Ok(Some(now)) = shared.get_job(job.id) {
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
            let requeued = shared
                .db
                .write(|tx| Ok::<_, QueueError>(sql::requeue_job(tx, job.id, job.attempts)?));
            if let Ok(true) = requeued {
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
        let failure = JobFailure {
            code: e.code(),
            message: e.to_string(),
        };
        let saved = shared.db.write(|tx| {
            let now = shared.clock.now_rfc3339();
            Ok::<_, QueueError>(sql::finish_job(
                tx,
                job.id,
                job.attempts,
                state,
                &failure,
                &now,
            )?)
        });
        // `false`: cancel() already recorded (and reported) the end.
        if let Ok(true) = saved {
            shared.emit(job.id, state, 0.0, Some(failure));
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
    let vault = &shared.vault;
    // The job is checked to be still running before any file is written; if a
    // write fails, nothing is recorded.
    let saved = shared.db.write(|tx| {
        let now = shared.clock.now_rfc3339();
        if !sql::mark_done(tx, job.id, job.attempts, &now)? {
            return Ok(false);
        }
        for (p, f) in prepared.iter().zip(files) {
            vault.put_with(Kind::Output, &p.sha256, || Ok::<_, QueueError>(f.image))?;
            vault.put_with(Kind::OutputThumbnail, &p.sha256, || {
                Ok::<_, QueueError>(f.thumbnail)
            })?;
        }
        history_sql::insert_outputs(tx, Some(job.id), job.portrait_id, &now, &rows)?;
        Ok::<_, QueueError>(true)
    });
    match saved {
        Ok(true) => {
            shared.emit(job.id, JobState::Done, 1.0, None);
            Ok(())
        }
        // Cancelled (or deleted with its portrait) at the last moment.
        Ok(false) => Ok(()),
        Err(e) => {
            // Files written before the failure belong to no row: remove them,
            // unless another output is the same image.
            let files: Vec<VaultFile> = prepared
                .iter()
                .flat_map(|p| history::files_of(&p.sha256))
                .collect();
            vault.unlink_released(&shared.db, &files, history_sql::references);
            Err(JobError::failed(e.code(), e.to_string()))
        }
    }
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

/// Delete everything in `dir` (creating it if missing).
pub(super) fn empty_dir(dir: &Path) -> io::Result<()> {
    match fs::remove_dir_all(dir) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    crate::private_fs::create_dir_all(dir)
}
