//! Memory over one sitting in the Studio, in this process (the app's own
//! process; its web processes are not here): a fresh data folder, one
//! import, then 20 jobs (16 previews in 16 styles, 2 HD ×2, 2 HD ×4), then the
//! idle release that lets the models go ([`likeness_core::idle`]). Prints the
//! proportional set size (PSS, Linux) at each step.
//! Run: `bash scripts/with-keyring.sh cargo bench -p likeness-core --bench session_memory`.
//! Goals (issue 12): back under 450 MiB after use, counting the web processes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use likeness_core::clock::SystemClock;
use likeness_core::consent::{ConsentAnswers, ConsentWording};
use likeness_core::engines::STYLES;
use likeness_core::framing::{Framing, Orientation};
use likeness_core::generation::{self, GenerationSettings, StyleChoice};
use likeness_core::history::OutputFilter;
use likeness_core::jobs::{JobId, JobQueue, JobState};
use likeness_core::moderation::{Moderator, Thresholds};
use likeness_core::Services;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let services = Services::open(dir.path(), || {
        Moderator::load(None, None, Thresholds::default()).map(Arc::new)
    })
    .expect("a data folder (run under scripts/with-keyring.sh)");
    report("fresh data folder");
    services
        .privacy
        .record_consent(
            ConsentAnswers {
                adult: true,
                photo_rights: true,
                face_processing: true,
            },
            &ConsentWording::command_line(),
        )
        .unwrap();
    let photo = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/astronaut.png"
    ))
    .unwrap();
    let portrait = services
        .portraits
        .import_bytes("me.png", &photo, &mut |_| {})
        .unwrap()
        .portrait
        .expect("the fixture is accepted")
        .id;
    report("after one import (moderation models loaded)");

    let queue = JobQueue::start(
        services.db.clone(),
        services.vault.clone(),
        Arc::new(SystemClock),
        services.staging_dir(),
        services.studio.clone(),
        |_| {},
    )
    .unwrap();
    let started = Instant::now();
    let mut previews = Vec::new();
    for (i, style) in STYLES.iter().take(16).enumerate() {
        let settings = GenerationSettings {
            framing: Framing::Shoulders,
            orientation: Orientation::Portrait4x5,
            background: None,
            style: StyleChoice::Preset {
                mix: vec![(style.id.to_owned(), 1.0)],
            },
            strength: 1.0,
            seed: i as i64,
            hd_factor: None,
        };
        let job =
            generation::enqueue_preview(&queue, &services.portraits, portrait, &settings).unwrap();
        wait(&queue, job.id);
        previews.push(job.id);
    }
    let outputs = services
        .history
        .list_outputs(&OutputFilter {
            limit: 100,
            ..Default::default()
        })
        .unwrap()
        .outputs;
    for (output, factor) in outputs.iter().take(4).zip([2, 2, 4, 4]) {
        let job = generation::enqueue_hd(&queue, output.id, factor).unwrap();
        wait(&queue, job.id);
    }
    report(&format!(
        "after 20 jobs (16 previews, 2 HD x2, 2 HD x4) in {:.0} s",
        started.elapsed().as_secs_f64()
    ));
    // As the app does once no job or check has used the models for a while.
    services.studio.release_if_idle(Duration::ZERO);
    std::thread::sleep(Duration::from_secs(1));
    report("after the idle release");
}

fn wait(queue: &JobQueue, id: JobId) {
    loop {
        let job = queue.get(id).unwrap();
        match job.state {
            JobState::Done => return,
            state if state.is_finished() => panic!("job {id} ended {state:?}: {:?}", job.error),
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// This process's PSS, from the kernel's own summary.
fn report(step: &str) {
    let rollup = std::fs::read_to_string("/proc/self/smaps_rollup").unwrap_or_default();
    let pss_kib: u64 = rollup
        .lines()
        .find_map(|l| l.strip_prefix("Pss:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    println!("{step}: PSS {:.0} MiB", pss_kib as f64 / 1024.0);
}
