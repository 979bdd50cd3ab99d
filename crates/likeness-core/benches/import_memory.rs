//! Peak memory of an import, for the worst files the caps let in: each file
//! (and one batch of two) is imported (decoded, moderated by the real models, stored) in a child
//! process of its own, which reports its peak resident size (`VmHWM`).
//! Run: `cargo bench -p likeness-core --bench import_memory` (Linux). Goal:
//! every import peaks under 600 MB.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use image::{DynamicImage, ImageBuffer, Rgb, Rgba};

use likeness_core::consent::ConsentAnswers;
use likeness_core::moderation::{Moderator, Thresholds};
use likeness_core::{Coded, Services};

const CHILD: &str = "LIKENESS_MEMORY_CHILD";

fn main() {
    if let Some(files) = std::env::var_os(CHILD) {
        let files: Vec<PathBuf> = std::env::split_paths(&files).collect();
        return child(&files);
    }
    let dir = tempfile::tempdir().unwrap();
    let mut cases = worst_files(dir.path());
    // The same file twice in one batch: the second is imported while the
    // first finishes, as the app and `likeness-cli import` do.
    let deep = cases[0].1.clone();
    let twice = dir.path().join("deep-again.png");
    std::fs::copy(&deep, &twice).unwrap();
    cases.push((
        "two 16-bit RGBA PNGs in one batch (one in flight ahead)".to_owned(),
        std::env::join_paths([deep, twice]).unwrap().into(),
    ));
    let exe = std::env::current_exe().unwrap();
    println!("peak RSS of one import in a fresh process (goal: under 600 MB)");
    let baseline = dir.path().join("small.png");
    std::fs::copy(fixture(), &baseline).unwrap();
    for (label, path) in
        std::iter::once(("the 1 MP fixture (baseline)".to_owned(), baseline)).chain(cases)
    {
        let output = Command::new(&exe).env(CHILD, &path).output().unwrap();
        let size: u64 = std::env::split_paths(&path)
            .map(|p| std::fs::metadata(p).unwrap().len())
            .sum();
        let size = size as f64 / 1e6;
        let text = String::from_utf8_lossy(&output.stdout);
        println!("{label} ({size:.1} MB file): {}", text.trim());
        if !output.status.success() {
            println!(
                "  child failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/astronaut.png")
}

/// Files at the caps: 100 MP, as costly to decode as the 50 MB file cap allows
/// (smooth content, so that they compress under it).
fn worst_files(dir: &Path) -> Vec<(String, PathBuf)> {
    let (w, h) = (10_000u32, 10_000u32);
    let mut cases = Vec::new();

    let deep = ImageBuffer::from_fn(w, h, |x, y| {
        let v = (x / 40) as u16 * 256;
        Rgba([v, (y / 40) as u16 * 256, 65535 - v, 40000])
    });
    cases.push((
        "10000x10000 16-bit RGBA PNG".to_owned(),
        save(dir, "deep.png", &DynamicImage::ImageRgba16(deep)),
    ));

    let photo = ImageBuffer::from_fn(w, h, |x, y| {
        Rgb([(x % 251) as u8, (y % 241) as u8, ((x + y) % 239) as u8])
    });
    cases.push((
        "10000x10000 baseline JPEG".to_owned(),
        save(dir, "big.jpg", &DynamicImage::ImageRgb8(photo)),
    ));
    cases
}

fn save(dir: &Path, name: &str, image: &DynamicImage) -> PathBuf {
    let path = dir.join(name);
    image.save(&path).unwrap();
    path
}

/// Import `files` (one batch) into a fresh library and print the outcomes
/// and this process's peak resident size.
fn child(files: &[PathBuf]) {
    let data = tempfile::tempdir().unwrap();
    let lib = Services::open(data.path(), || {
        Moderator::load(None, None, Thresholds::default()).map(Arc::new)
    })
    .unwrap();
    lib.privacy
        .record_consent(
            ConsentAnswers {
                adult: true,
                photo_rights: true,
                face_processing: true,
            },
            &bench_wording(),
        )
        .unwrap();
    lib.moderator
        .get()
        .expect("ONNX Runtime and models (run scripts/setup.sh)");
    let mut outcomes = Vec::new();
    lib.portraits.import_files(files, &mut |_, outcome| {
        outcomes.push(match outcome {
            Ok(o) => o
                .moderation
                .map_or("already in the library", |m| m.reason.code())
                .to_owned(),
            Err(e) => format!("refused: {}", serde_json::to_value(e.code()).unwrap()),
        })
    });
    let outcome = outcomes.join(", ");
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak_kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(f64::NAN);
    let mut out = std::io::stdout();
    writeln!(out, "peak {:.0} MB, {outcome}", peak_kb / 1024.0).unwrap();
}

/// The consent wording the bench "shows".
fn bench_wording() -> likeness_core::consent::ConsentWording {
    likeness_core::consent::ConsentWording::command_line()
}
