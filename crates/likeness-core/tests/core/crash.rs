//! Crash consistency: the database is the truth and nothing is left behind.
//! Deletions stand even when a file cannot be removed, the sweep at open removes
//! what a crash left, and a kill loop kills a working library at random moments
//! and checks, after each kill, that every row has its files and every file its row.
//!
//! The kill loop's child is this test binary run again with
//! `crash::the_kill_loop_child_works_until_it_is_killed --ignored` and
//! `LIKENESS_KILL_CHILD_DIR` set. CI runs 40 kills; `LIKENESS_KILLS=1000` (or
//! `scripts/soak.sh`) runs a soak.

use likeness_core::clock::SystemClock;
use likeness_core::Coded;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant, SystemTime};

use likeness_core::engines::Style;
use likeness_core::framing::{Framing, Orientation};
use likeness_core::generation::{GenerationSettings, StyleChoice};
use likeness_core::history::OutputFilter;
use likeness_core::jobs::{JobFilter, JobKind, JobQueue, JobState};
use likeness_core::library::Portrait;
use likeness_core::vault::sha256_hex;
use likeness_core::{ErrorCode, Services};

use crate::fixtures::*;
use likeness_core::vault::Kind;

const CHILD_DIR_ENV: &str = "LIKENESS_KILL_CHILD_DIR";
const CHILD_SEED_ENV: &str = "LIKENESS_KILL_CHILD_SEED";
const KILLS_ENV: &str = "LIKENESS_KILLS";
const SEED_ENV: &str = "LIKENESS_KILL_SEED";
const READY: &str = "kill-loop-child: ready";
const DONE: &str = "kill-loop-child: done ";

fn import(lib: &Services, name: &str, bytes: &[u8]) -> Portrait {
    lib.portraits
        .import_bytes(name, bytes, &mut |_| {})
        .unwrap()
        .portrait
        .expect("the astronaut is accepted")
}

/// Delete the row behind the library's back, leaving its files: what a crash
/// between writing the files and committing the row leaves.
fn orphan_by_crash(dir: &Path, portrait: &Portrait) {
    open_db_file(dir)
        .unwrap()
        .execute("DELETE FROM portraits WHERE id = ?1", [portrait.id])
        .unwrap();
}

fn write(path: &Path, bytes: &[u8]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

fn file_set(lib: &Services) -> BTreeSet<PathBuf> {
    vault_files(lib).into_iter().collect()
}

#[test]
fn a_portrait_whose_thumbnail_cannot_be_removed_is_still_deleted_and_no_row_loses_its_image() {
    let (_dir, lib) = library();
    let kept = import(&lib, "kept.png", &astronaut_variant(1));
    let gone = import(&lib, "gone.png", &astronaut_variant(2));
    // Removing the thumbnail fails: a folder stands where the file was.
    let thumb = gone.thumb_file(&lib.vault);
    fs::remove_file(&thumb).unwrap();
    fs::create_dir(&thumb).unwrap();
    fs::write(thumb.join("keep"), b"x").unwrap();

    lib.portraits
        .delete(gone.id)
        .expect("the deletion stands once its row is gone");
    assert_eq!(
        lib.portraits.get(gone.id).unwrap_err().code(),
        ErrorCode::NotFound
    );
    assert!(
        !gone.image_file(&lib.vault).exists(),
        "its image is removed"
    );
    let left = lib.portraits.list().unwrap();
    assert_eq!(left.iter().map(|p| p.id).collect::<Vec<_>>(), [kept.id]);
    for p in &left {
        assert!(p.image_file(&lib.vault).is_file() && p.thumb_file(&lib.vault).is_file());
    }
}

#[test]
fn files_a_killed_import_left_behind_are_removed_when_the_library_opens() {
    let (dir, lib) = library();
    let kept = import(&lib, "kept.png", &astronaut_variant(1));
    let killed = import(&lib, "killed.png", &astronaut_variant(2));
    orphan_by_crash(dir.path(), &killed);
    let style = Style::all().next().unwrap().id();
    let kept_style_thumb = lib
        .vault
        .path(Kind::StyleThumbnail, &format!("{}-{style}", kept.sha256));
    let orphan_style_thumb = lib
        .vault
        .path(Kind::StyleThumbnail, &format!("{}-{style}", killed.sha256));
    write(&kept_style_thumb, b"jpeg");
    write(&orphan_style_thumb, b"jpeg");
    let output = sha256_hex(b"an output whose job was killed");
    write(&lib.vault.path(Kind::Output, &output), b"png");
    write(&lib.vault.path(Kind::OutputThumbnail, &output), b"jpeg");
    let kept_file = kept.image_file(&lib.vault);
    write(
        &kept_file.parent().unwrap().join(".incoming-x"),
        b"half an image",
    );
    let records = lib.portraits.moderation_count(None).unwrap();
    drop(lib);

    let lib = Services::open(dir.path(), moderator).unwrap();
    let swept = lib.privacy.opening_sweep().unwrap();
    assert_eq!(
        (
            swept.orphans_removed,
            swept.temp_files_removed,
            swept.failed
        ),
        (5, 1, 0),
        "image, thumbnail, style thumbnail, output and its thumbnail; one temp file"
    );
    let expected: BTreeSet<PathBuf> = [
        kept.image_file(&lib.vault),
        kept.thumb_file(&lib.vault),
        kept_style_thumb,
    ]
    .into();
    assert_eq!(
        file_set(&lib),
        expected,
        "only the kept portrait's files are left"
    );
    assert_eq!(lib.portraits.list().unwrap(), [kept]);
    assert_eq!(
        lib.portraits.moderation_count(None).unwrap(),
        records,
        "moderation records are metadata and stay"
    );
    assert!(
        lib.privacy.opening_sweep_note().is_some(),
        "the shells log it"
    );
    drop(lib);
    let again = Services::open(dir.path(), moderator).unwrap();
    assert_eq!(again.privacy.opening_sweep().unwrap().removed(), 0);
    assert_eq!(again.privacy.opening_sweep_note(), None);
}

#[test]
fn withdrawing_consent_also_removes_images_a_crash_orphaned() {
    let (dir, lib) = library();
    import(&lib, "kept.png", &astronaut_variant(1));
    let killed = import(&lib, "killed.png", &astronaut_variant(2));
    orphan_by_crash(dir.path(), &killed);
    let killed_file = killed.image_file(&lib.vault);
    write(
        &killed_file.parent().unwrap().join(".incoming-y"),
        b"half an image",
    );

    lib.privacy.withdraw_consent().unwrap();
    assert!(lib.portraits.list().unwrap().is_empty());
    assert_eq!(vault_files(&lib), Vec::<PathBuf>::new(), "no image is left");
}

#[test]
fn a_style_thumbnail_rendered_while_its_portrait_is_deleted_is_not_kept() {
    let (_dir, lib) = library();
    let portrait = import(&lib, "me.png", &astronaut_bytes());
    let style = Style::all().next().unwrap();
    let made = lib.studio.style_thumbnail(&portrait, style, || {
        lib.portraits.delete(portrait.id).unwrap();
        Ok(b"a rendered thumbnail".to_vec())
    });
    assert_eq!(made.unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(vault_files(&lib), Vec::<PathBuf>::new());
}

#[test]
fn a_style_picture_is_kept_while_a_job_or_output_uses_it_or_it_was_just_picked() {
    let (dir, lib) = library();
    let [queued, made, picked, forgotten] =
        [1, 2, 3, 4].map(|n| lib.style_pictures.import(&astronaut_variant(n)).unwrap());
    let settings = |sha: &str| {
        serde_json::json!({ "style": { "kind": "picture", "pictureSha256": sha } }).to_string()
    };
    let db = open_db_file(dir.path()).unwrap();
    db.execute(
        "INSERT INTO jobs (kind, settings_json, queue_seq, created_at)
         VALUES ('preview', ?1, 1, '2026-01-01T00:00:00Z')",
        [settings(&queued)],
    )
    .unwrap();
    db.execute(
        "INSERT INTO outputs (sha256, format, width, height, bytes, settings_json, engine,
             model_hashes_json, created_at)
         VALUES (?1, 'png', 1, 1, 1, ?2, 'test', '{}', ?3)",
        // Made now: within its retention, so the output and its style picture stay.
        [
            sha256_hex(b"no file"),
            settings(&made),
            likeness_core::clock::now_rfc3339(),
        ],
    )
    .unwrap();
    // Picked long ago (two days, past the grace) and never used.
    let two_days_ago =
        likeness_core::clock::stored(time::OffsetDateTime::now_utc() - time::Duration::days(2));
    for sha in [&queued, &made, &forgotten] {
        db.execute(
            "UPDATE style_pictures SET stored_at = ?1 WHERE sha256 = ?2",
            [&two_days_ago, sha],
        )
        .unwrap();
    }
    drop(lib);

    let lib = Services::open(dir.path(), moderator).unwrap();
    assert_eq!(lib.privacy.opening_sweep().unwrap().orphans_removed, 1);
    for sha in [&queued, &made, &picked] {
        assert!(
            lib.vault.path(Kind::StylePicture, sha).is_file(),
            "{sha} is kept"
        );
    }
    assert!(!lib.vault.path(Kind::StylePicture, &forgotten).exists());
}

// ---- The kill loop ---------------------------------------------------------

/// A small deterministic generator (xorshift64), so a failing run can be replayed
/// with `LIKENESS_KILL_SEED`.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> Option<T> {
        (!items.is_empty()).then(|| items[self.below(items.len() as u64) as usize].clone())
    }
}

/// Two styles and two seeds: previews often repeat, so identical outputs share a file.
fn child_settings(rng: &mut Rng) -> GenerationSettings {
    let style = Style::all()
        .nth(rng.below(2) as usize)
        .unwrap()
        .id()
        .to_owned();
    GenerationSettings {
        framing: Framing::Shoulders,
        orientation: Orientation::Square,
        background: None,
        style: StyleChoice::Preset {
            mix: vec![(style, 1.0)],
        },
        strength: 1.0,
        seed: rng.below(2) as i64,
        hd_factor: None,
    }
}

/// The work the kill loop kills: the app's library and job queue (the real
/// studio), importing, generating and deleting until the process is killed.
#[test]
#[ignore = "the kill loop's child process: the kill loop starts it"]
fn the_kill_loop_child_works_until_it_is_killed() {
    let dir = PathBuf::from(
        std::env::var_os(CHILD_DIR_ENV).expect("started by the kill loop with its data folder"),
    );
    let seed = std::env::var(CHILD_SEED_ENV).map_or(1, |s| s.parse().unwrap());
    let mut rng = Rng::new(seed);
    let lib = Arc::new(Services::open(&dir, moderator).unwrap());
    let (store, vault) = (lib.db.clone(), lib.vault.clone());
    let studio = lib.studio.clone();
    let queue = JobQueue::start(
        store,
        vault,
        Arc::new(SystemClock),
        dir.join("staging"),
        studio,
        |_| {},
    )
    .unwrap();
    // Eight variants: imports repeat, and come back after their portrait is deleted.
    let variants: Vec<Vec<u8>> = (0..8).map(astronaut_variant).collect();
    let pending = JobFilter {
        states: vec![JobState::Queued, JobState::Running],
        ..Default::default()
    };
    // Load the checks before saying so, so that most kills land in real work.
    let _ = lib.moderator.get();
    println!("{READY}");
    loop {
        let portraits: Vec<i64> = lib.portraits.list().unwrap().iter().map(|p| p.id).collect();
        let outputs: Vec<i64> = lib
            .history
            .list_outputs(&OutputFilter::default())
            .unwrap()
            .outputs
            .iter()
            .map(|o| o.id)
            .collect();
        let busy = queue.list(&pending).unwrap().len() >= 2;
        // Failures here (a portrait deleted under a job) are the workload, not the test.
        let done = match rng.below(20) {
            0..=6 => {
                let n = rng.below(8) as usize;
                lib.portraits
                    .import_bytes(&format!("v{n}.png"), &variants[n], &mut |_| {})
                    .map(|_| "import")
                    .ok()
            }
            7..=11 if !busy => rng.pick(&portraits).and_then(|p| {
                let s = child_settings(&mut rng).to_job_json();
                queue.enqueue(Some(p), JobKind::Preview, &s, None).ok()?;
                Some("preview")
            }),
            12 if !busy => rng.pick(&outputs).and_then(|o| {
                let parent = lib.history.get_output(o).ok()?;
                let s: GenerationSettings = serde_json::from_str(&parent.settings_json).ok()?;
                let hd = GenerationSettings {
                    hd_factor: Some(2),
                    ..s
                };
                let s = hd.to_job_json();
                queue.enqueue(None, JobKind::Hd, &s, Some(o)).ok()?;
                Some("hd")
            }),
            13..=15 => rng
                .pick(&portraits)
                .and_then(|p| lib.portraits.delete(p).ok().map(|()| "delete portrait")),
            16..=18 => rng.pick(&outputs).and_then(|o| {
                lib.history.delete_output(o).ok()?;
                Some("delete output")
            }),
            19 if rng.below(4) == 0 => {
                lib.privacy.withdraw_consent().unwrap();
                lib.privacy
                    .record_consent(ALL_CONSENT, &crate::fixtures::wording())
                    .unwrap();
                Some("withdraw")
            }
            _ => None,
        };
        if let Some(what) = done {
            println!("{DONE}{what}");
        }
    }
}

/// The vault checked against the database, without the sweep's own rules.
#[derive(Debug, Default)]
struct Audit {
    rows: usize,
    /// Files a row needs that are not there.
    missing: Vec<PathBuf>,
    /// Files no row refers to.
    unreferenced: Vec<PathBuf>,
    /// `.incoming-*` files.
    temp: Vec<PathBuf>,
}

fn audit(dir: &Path) -> Audit {
    let db = open_db_file(dir).unwrap();
    let rows = |sql: &str| -> Vec<(String, String)> {
        let mut stmt = db.prepare(sql).unwrap();
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        rows.map(Result::unwrap).collect()
    };
    let portraits = rows("SELECT sha256, format FROM portraits");
    let outputs = rows("SELECT sha256, format FROM outputs");
    let vault = dir.join("vault");
    let names = folder_vault(dir);
    let mut needed = BTreeSet::new();
    for (sha, _) in &portraits {
        needed.insert(names.path(Kind::Original, sha));
        needed.insert(names.path(Kind::Thumbnail, sha));
    }
    for (sha, _) in &outputs {
        needed.insert(names.path(Kind::Output, sha));
        needed.insert(names.path(Kind::OutputThumbnail, sha));
    }
    let mut style_thumbs = BTreeSet::new();
    for (sha, _) in &portraits {
        for style in Style::all() {
            style_thumbs.insert(names.path(Kind::StyleThumbnail, &format!("{sha}-{}", style.id())));
        }
    }
    let mut audit = Audit {
        rows: portraits.len() + outputs.len(),
        missing: needed.iter().filter(|p| !p.is_file()).cloned().collect(),
        ..Audit::default()
    };
    for file in walk(&vault) {
        let name = file.file_name().unwrap().to_string_lossy();
        let style_thumb_of_a_portrait = style_thumbs.contains(&file);
        if name.starts_with(".incoming-") {
            audit.temp.push(file);
        } else if !needed.contains(&file) && !style_thumb_of_a_portrait {
            audit.unreferenced.push(file);
        }
    }
    audit
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn pragma(dir: &Path, sql: &str) -> Vec<String> {
    let db = open_db_file(dir).unwrap();
    let mut stmt = db.prepare(sql).unwrap();
    let rows = stmt
        .query_map([], |r| r.get::<_, rusqlite::types::Value>(0))
        .unwrap();
    rows.map(|v| format!("{:?}", v.unwrap())).collect()
}

/// What the kill loop saw, for the soak's report.
#[derive(Debug, Default)]
struct Figures {
    kills: u32,
    killed_while_opening: u32,
    /// Operations the children finished, by kind.
    operations: BTreeMap<String, u64>,
    orphans_before_sweep: u64,
    temp_files_before_sweep: u64,
    rows_checked: u64,
}

/// After a kill: no row lacks its files even before the sweep; after the sweep
/// at open, the database is sound and no file lacks its row.
fn check_after_kill(dir: &Path, figures: &mut Figures, context: &str) {
    let before = audit(dir);
    assert_eq!(
        before.missing,
        Vec::<PathBuf>::new(),
        "rows without their files, {context}"
    );
    let lib = Services::open(dir, moderator).unwrap();
    let swept = *lib.privacy.opening_sweep().unwrap();
    // A kill between a withdrawal and the new consent: consent again.
    if !lib.consent.status().unwrap().complete {
        lib.privacy
            .record_consent(ALL_CONSENT, &crate::fixtures::wording())
            .unwrap();
    }
    drop(lib);
    let after = audit(dir);
    assert_eq!(
        pragma(dir, "PRAGMA integrity_check"),
        [r#"Text("ok")"#],
        "{context}"
    );
    assert_eq!(
        pragma(dir, "PRAGMA foreign_key_check"),
        Vec::<String>::new()
    );
    assert_eq!(after.missing, Vec::<PathBuf>::new(), "{context}");
    assert_eq!(
        after.unreferenced,
        Vec::<PathBuf>::new(),
        "files without a row, {context}"
    );
    assert_eq!(
        after.temp,
        Vec::<PathBuf>::new(),
        "temp files left, {context}"
    );
    assert_eq!(
        (
            swept.orphans_removed,
            swept.temp_files_removed,
            swept.failed
        ),
        (
            before.unreferenced.len() as u64,
            before.temp.len() as u64,
            0
        ),
        "the sweep removed exactly what was left, {context}"
    );
    figures.orphans_before_sweep += swept.orphans_removed;
    figures.temp_files_before_sweep += swept.temp_files_removed;
    figures.rows_checked += after.rows as u64;
}

/// Start the child; return it and a receiver of its stdout lines.
fn start_child(dir: &Path, seed: u64) -> (std::process::Child, mpsc::Receiver<String>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "crash::the_kill_loop_child_works_until_it_is_killed",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_DIR_ENV, dir)
        .env(CHILD_SEED_ENV, seed.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    (child, receiver)
}

#[test]
fn a_library_killed_at_random_moments_reopens_whole_with_no_file_left_behind() {
    let kills: u32 = std::env::var(KILLS_ENV).map_or(40, |k| k.parse().unwrap());
    let seed: u64 = std::env::var(SEED_ENV).map_or_else(
        |_| {
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_secs()
        },
        |s| s.parse().unwrap(),
    );
    let started = Instant::now();
    let (dir, lib) = library();
    drop(lib);
    let mut rng = Rng::new(seed);
    let mut figures = Figures::default();
    for kill in 0..kills {
        let context = format!("after kill {kill} (seed {seed})");
        let (mut child, lines) = start_child(dir.path(), seed.wrapping_add(u64::from(kill)));
        // One kill in five lands while the child is still opening the library.
        let early = rng.below(5) == 0;
        let deadline = Instant::now() + Duration::from_secs(120);
        let kill_at = if early {
            figures.killed_while_opening += 1;
            Instant::now() + Duration::from_millis(rng.below(300))
        } else {
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                match lines.recv_timeout(left) {
                    Ok(line) if line == READY => break,
                    Ok(_) => {}
                    Err(e) => panic!("the child never got ready ({e}), {context}"),
                }
            }
            Instant::now() + Duration::from_millis(rng.below(2500))
        };
        std::thread::sleep(kill_at.saturating_duration_since(Instant::now()));
        let exited = child.try_wait().unwrap();
        assert_eq!(exited, None, "the child stopped by itself, {context}");
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        figures.kills += 1;
        // The pipe is closed now: this reads to its end.
        for line in lines.iter() {
            if let Some(what) = line.strip_prefix(DONE) {
                *figures.operations.entry(what.to_owned()).or_default() += 1;
            }
        }
        check_after_kill(dir.path(), &mut figures, &context);
    }

    // A last start, as the app does: the jobs the kills cut off run to their end,
    // and the queue leaves no staging files.
    let lib = Arc::new(Services::open(dir.path(), moderator).unwrap());
    let (store, vault) = (lib.db.clone(), lib.vault.clone());
    let studio = lib.studio.clone();
    let staging = dir.path().join("staging");
    let queue = JobQueue::start(
        store,
        vault,
        Arc::new(SystemClock),
        staging.clone(),
        studio,
        |_| {},
    )
    .unwrap();
    let pending = JobFilter {
        states: vec![JobState::Queued, JobState::Running],
        ..Default::default()
    };
    let deadline = Instant::now() + Duration::from_secs(600);
    while !queue.list(&pending).unwrap().is_empty() {
        assert!(
            Instant::now() < deadline,
            "jobs left by the kills never finished"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(queue);
    drop(lib);
    assert_eq!(
        walk(&staging),
        Vec::<PathBuf>::new(),
        "no staging files left"
    );
    check_after_kill(dir.path(), &mut figures, "after the last start");
    for what in ["import", "preview", "delete portrait", "delete output"] {
        assert!(
            figures.operations.contains_key(what),
            "the children did some of every kind of work: {:?}",
            figures.operations
        );
    }
    eprintln!(
        "kill loop: {} kills ({} while opening), operations {:?}, {} orphans and {} temp files \
         found before the sweep, {} rows checked, {:.1} s (seed {seed})",
        figures.kills,
        figures.killed_while_opening,
        figures.operations,
        figures.orphans_before_sweep,
        figures.temp_files_before_sweep,
        figures.rows_checked,
        started.elapsed().as_secs_f64()
    );
}
