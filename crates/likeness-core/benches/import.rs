//! Import throughput, side by side with a plain Python peer: the marginal cost
//! per file of importing six distinct 12-megapixel JPEGs in one process
//! (decode, orient, strip, moderate, hash, thumbnail, fsync'd store, record).
//! Run: `cargo bench -p likeness-core --bench import`. The peer
//! (`benches/peer/import_peer.py`: Pillow, onnxruntime, the same models) runs
//! on the same files when `$LIKENESS_PEER_PYTHON` (default `python3`) has its
//! packages (`pip install -r benches/peer/requirements.txt`). The machine is
//! shared and noisy: compare the ratio within one run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use image::{imageops::FilterType, DynamicImage, RgbImage};

use likeness_core::consent::ConsentAnswers;
use likeness_core::moderation::{Moderator, Thresholds};
use likeness_core::{imaging, vault::sha256_hex, Services};

const PHOTOS: usize = 6;
const PASSES: usize = 5;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let photos = make_photos(dir.path());
    let sizes: Vec<String> = photos
        .iter()
        .map(|p| format!("{:.1}", std::fs::metadata(p).unwrap().len() as f64 / 1e6))
        .collect();
    println!(
        "input: {PHOTOS} distinct 4000x3000 JPEGs ({} MB), {PASSES} passes",
        sizes.join(", ")
    );

    let moderator = Arc::new(
        Moderator::load(None, None, Thresholds::default())
            .expect("ONNX Runtime and models (run scripts/setup.sh)"),
    );
    let open = || {
        let data = tempfile::tempdir().unwrap();
        let shared = Arc::clone(&moderator);
        let lib = Services::open(data.path(), move || Ok(Arc::clone(&shared))).unwrap();
        lib.privacy
            .record_consent(ConsentAnswers::all(true), &bench_wording())
            .unwrap();
        (data, lib)
    };
    // One `import_file` call after another, as the app imports what the window sends.
    let one_by_one = per_file(|| {
        let (_data, lib) = open();
        let start = Instant::now();
        for photo in &photos {
            let outcome = lib.portraits.import_file(photo, &mut |_| {}).unwrap();
            assert!(outcome.portrait.is_some(), "{:?}", outcome.moderation);
        }
        start.elapsed()
    });
    report("likeness import_file one by one, per file", &one_by_one);
    // Two `import_file` calls in flight, as the app's window sends a batch
    // (the next file while the one before it is checked).
    let two_in_flight = per_file(|| {
        let (_data, lib) = open();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let start = Instant::now();
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(photo) = photos.get(i) else { break };
                    let outcome = lib.portraits.import_file(photo, &mut |_| {}).unwrap();
                    assert!(outcome.portrait.is_some(), "{:?}", outcome.moderation);
                });
            }
        });
        start.elapsed()
    });
    report(
        "likeness import_file, two in flight, per file",
        &two_in_flight,
    );
    // One `import_files` batch, as `likeness-cli import FILE...` imports (one file ahead).
    let ours = per_file(|| {
        let (_data, lib) = open();
        let start = Instant::now();
        lib.portraits.import_files(&photos, &mut |_, outcome| {
            let outcome = outcome.unwrap();
            assert!(outcome.portrait.is_some(), "{:?}", outcome.moderation);
        });
        start.elapsed()
    });
    report("likeness import_files batch, per file", &ours);

    match run_peer(&photos) {
        Ok(peer_ms) => {
            let p50 = |d: &[Duration]| d[d.len() / 2].as_secs_f64() * 1e3;
            println!("python peer, per file: p50 {peer_ms:.0} ms");
            println!(
                "ratio: Likeness is {:.2}x the peer's speed in a CLI batch, {:.2}x as the app imports \
                 (two in flight), {:.2}x one by one (goal: 2x)",
                peer_ms / p50(&ours),
                peer_ms / p50(&two_in_flight),
                peer_ms / p50(&one_by_one)
            );
        }
        Err(why) => println!("python peer not run: {why}"),
    }

    println!("stages, one photo:");
    let jpeg = std::fs::read(&photos[0]).unwrap();
    let prepared = imaging::prepare(&jpeg).unwrap();
    report(
        "  decode + strip (prepare)",
        &measure(|| timed(|| drop(imaging::prepare(&jpeg).unwrap()))),
    );
    report(
        "  full-size decode of the stored file (what generation reads)",
        &measure(|| {
            timed(|| drop(imaging::decode(&prepared.encoded, image::ImageFormat::Jpeg).unwrap()))
        }),
    );
    report(
        "  sha256 of stored bytes",
        &measure(|| timed(|| drop(sha256_hex(&prepared.encoded)))),
    );
    report(
        "  thumbnail",
        &measure(|| timed(|| drop(imaging::thumbnail(&prepared.working).unwrap()))),
    );
    report(
        "  moderation of the decoded image",
        &measure(|| timed(|| drop(moderator.moderate(&prepared.working)))),
    );
}

/// Six distinct phone-like photos: the astronaut at 12 MP, each with its own
/// sensor-like grain, saved at JPEG quality 90.
fn make_photos(dir: &Path) -> Vec<PathBuf> {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/astronaut.png");
    let big = image::open(&fixture)
        .expect("shared fixture")
        .resize_exact(4000, 3000, FilterType::Triangle)
        .to_rgb8();
    (0..PHOTOS)
        .map(|i| {
            let mut seed = 0x9E37_79B9_u32.wrapping_mul(i as u32 + 1);
            let photo = RgbImage::from_fn(4000, 3000, |x, y| {
                let p = big.get_pixel(x, y).0;
                image::Rgb(p.map(|c| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    let grain = (seed % 9) as i32 - 4;
                    (i32::from(c) + grain).clamp(0, 255) as u8
                }))
            });
            let path = dir.join(format!("photo-{}.jpg", i + 1));
            let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
            DynamicImage::ImageRgb8(photo)
                .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
                    &mut out, 90,
                ))
                .unwrap();
            path
        })
        .collect()
}

/// The peer's median per-file time in ms, on the same photos.
fn run_peer(photos: &[PathBuf]) -> Result<f64, String> {
    let python = std::env::var("LIKENESS_PEER_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/peer/import_peer.py");
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
    let out = tempfile::tempdir().map_err(|e| e.to_string())?;
    let output = Command::new(&python)
        .arg(&script)
        .arg("--models")
        .arg(&models)
        .arg("--out")
        .arg(out.path())
        .args(photos)
        .output()
        .map_err(|e| format!("{python}: {e}"))?;
    if !output.status.success() {
        let err = String::from_utf8_lossy(&output.stderr);
        return Err(err.lines().last().unwrap_or("failed").to_owned());
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().ok_or("no output")?;
    let json: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
    json["per_file_ms_p50"]
        .as_f64()
        .ok_or_else(|| format!("unexpected output: {line}"))
}

/// Time `pass` (which imports every photo) `PASSES` times after a warm-up,
/// as per-file durations, sorted.
fn per_file(mut pass: impl FnMut() -> Duration) -> Vec<Duration> {
    measure(|| pass() / PHOTOS as u32)
}

fn timed(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

fn measure(mut f: impl FnMut() -> Duration) -> Vec<Duration> {
    f(); // warm-up
    let mut times: Vec<Duration> = (0..PASSES).map(|_| f()).collect();
    times.sort();
    times
}

fn report(label: &str, sorted: &[Duration]) {
    let p = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3;
    println!("{label}: p50 {:.0} ms, p95 {:.0} ms", p(0.5), p(0.95));
}

/// The consent wording the bench "shows".
fn bench_wording() -> likeness_core::consent::ConsentWording {
    likeness_core::consent::ConsentWording::command_line()
}
