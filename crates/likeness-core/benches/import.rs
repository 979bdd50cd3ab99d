//! Import throughput for a 12-megapixel JPEG: decode, orient, strip (re-encode),
//! moderate, hash, thumbnail and record. Run: `cargo bench -p likeness-core --bench import`.
//! Prints medians and p95 over repeated runs; compare ratios within one run.

use std::time::{Duration, Instant};

use image::{imageops::FilterType, DynamicImage, ImageFormat};
use std::sync::Arc;

use likeness_core::consent::ConsentAnswers;
use likeness_core::{imaging, vault::sha256_hex, Library, Moderator, Thresholds};

const RUNS: usize = 12;

fn main() {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/astronaut.png");
    let astronaut = image::open(&fixture).expect("shared fixture");
    // 4000×3000 = 12 MP, as a phone would save it.
    let big = DynamicImage::ImageRgb8(
        astronaut
            .resize_exact(4000, 3000, FilterType::Triangle)
            .to_rgb8(),
    );
    let mut jpeg = std::io::Cursor::new(Vec::new());
    big.write_to(&mut jpeg, ImageFormat::Jpeg).unwrap();
    let jpeg = jpeg.into_inner();
    println!(
        "input: 4000x3000 JPEG, {:.1} MB, {RUNS} runs",
        jpeg.len() as f64 / 1e6
    );

    let full = measure(|| {
        let dir = tempfile::tempdir().unwrap();
        let lib = Library::open(dir.path(), || {
            Moderator::load(None, None, Thresholds::default()).map(Arc::new)
        })
        .unwrap();
        lib.record_consent(ConsentAnswers {
            adult: true,
            photo_rights: true,
            face_processing: true,
        })
        .unwrap();
        lib.moderator()
            .expect("ONNX Runtime and models (run scripts/setup.sh)");
        let start = Instant::now();
        lib.import_bytes("big.jpg", &jpeg, &mut |_| {}).unwrap();
        start.elapsed()
    });
    report(
        "full import (decode+orient+strip+moderate+hash+thumbnail+store)",
        &full,
    );
    let p50 = full[full.len() / 2].as_secs_f64();
    println!(
        "  throughput: {:.1} MP/s, {:.2} imports/s",
        12.0 / p50,
        1.0 / p50
    );

    let prepared = imaging::prepare(&jpeg).unwrap();
    report(
        "  decode+orient+re-encode",
        &measure(|| timed(|| drop(imaging::prepare(&jpeg).unwrap()))),
    );
    report(
        "  sha256 of stored bytes",
        &measure(|| timed(|| drop(sha256_hex(&prepared.encoded)))),
    );
    report(
        "  thumbnail",
        &measure(|| timed(|| drop(imaging::thumbnail(&prepared.image).unwrap()))),
    );
    let moderator = Moderator::load(None, None, Thresholds::default()).unwrap();
    report(
        "  moderation of the decoded image",
        &measure(|| timed(|| drop(moderator.moderate(&prepared.image)))),
    );
}

fn timed(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

fn measure(mut f: impl FnMut() -> Duration) -> Vec<Duration> {
    f(); // warm-up
    let mut times: Vec<Duration> = (0..RUNS).map(|_| f()).collect();
    times.sort();
    times
}

fn report(label: &str, sorted: &[Duration]) {
    let p = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3;
    println!("{label}: p50 {:.0} ms, p95 {:.0} ms", p(0.5), p(0.95));
}
