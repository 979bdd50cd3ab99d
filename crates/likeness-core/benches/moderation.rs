//! Moderation latency on the CPU (2 intra-op threads per model): a 12-megapixel
//! JPEG and a 1-megapixel image, with and without decoding, against the floor of
//! bare model inference. Run: `cargo bench -p likeness-core --bench moderation`.
//! Prints p50 and p95 over repeated runs; compare figures within one run.

use std::hint::black_box;
use std::time::{Duration, Instant};

use image::{imageops::FilterType, DynamicImage, ImageFormat};
use likeness_core::inference::{self, AGE, CENTERFACE, NSFW};
use likeness_core::moderation::{age, detect, input, nsfw, Moderator, Reason, Thresholds, Verdict};

const RUNS: usize = 30;

/// A named pipeline run.
type Case<'a> = (&'static str, Box<dyn Fn() -> Verdict + 'a>);

fn main() {
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/astronaut.png");
    let astronaut = image::open(&fixture).expect("shared fixture");
    let moderator = Moderator::load(None, None, Thresholds::default())
        .expect("runtime and models (run scripts/setup.sh)");

    let big = DynamicImage::ImageRgb8(
        astronaut
            .resize_exact(4000, 3000, FilterType::Triangle)
            .to_rgb8(),
    );
    let big_jpeg = encode(&big, ImageFormat::Jpeg);
    let mp1 = DynamicImage::ImageRgb8(
        astronaut
            .resize_exact(1155, 866, FilterType::Triangle)
            .to_rgb8(),
    );
    let mp1_jpeg = encode(&mp1, ImageFormat::Jpeg);
    let mp1_png = encode(&mp1, ImageFormat::Png);
    println!(
        "inputs: 4000x3000 JPEG {:.1} MB; 1155x866 JPEG {:.2} MB, PNG {:.2} MB; {RUNS} runs each, 2 threads per model",
        big_jpeg.len() as f64 / 1e6,
        mp1_jpeg.len() as f64 / 1e6,
        mp1_png.len() as f64 / 1e6
    );
    for (name, bytes) in [("12 MP JPEG", &big_jpeg), ("1 MP JPEG", &mp1_jpeg)] {
        let v = moderator.moderate_bytes(bytes);
        assert_eq!(v.reason, Reason::Accepted, "{name}: {v:?}");
    }

    // The floor: each model alone on ready tensors' worth of work.
    let env = inference::runtime(None).unwrap();
    let dir = inference::locate_models_dir(None).unwrap();
    let mut det = inference::load_model(env, &dir, CENTERFACE)
        .unwrap()
        .session;
    let mut age_model = inference::load_model(env, &dir, AGE).unwrap().session;
    let mut nsfw_model = inference::load_model(env, &dir, NSFW).unwrap().session;
    let working = input::decode(&big_jpeg).unwrap().image;
    let found = detect::detect(&mut det, &working).unwrap();
    let face = found.faces[0];
    let chip = age::aligned_chip(&working, face.landmarks[0], face.landmarks[1]);
    println!(
        "\nfloor: each model on the 12 MP photo's working copy ({}x{})",
        working.width(),
        working.height()
    );
    let floor_det = report(
        "  detector (CenterFace 320x256, incl. resize + decode)",
        measure(|| detect::detect(&mut det, &working).unwrap()),
    );
    let floor_age = report(
        "  age (2 views of a 64x64 chip)",
        measure(|| age::estimate(&mut age_model, &chip).unwrap()),
    );
    let floor_nsfw = report(
        "  nsfw (open_nsfw 224x224, incl. resize)",
        measure(|| nsfw::score(&mut nsfw_model, &working).unwrap()),
    );
    let floor = floor_det + floor_age + floor_nsfw;
    println!("  sum of the three: {:.1} ms", floor * 1e3);

    println!("\nfull pipeline");
    let cases: [Case<'_>; 5] = [
        (
            "12 MP JPEG bytes, decoding included",
            Box::new(|| moderator.moderate_bytes(&big_jpeg)),
        ),
        (
            "12 MP decoded image, no decoding",
            Box::new(|| moderator.moderate(&big)),
        ),
        (
            "1 MP JPEG bytes, decoding included",
            Box::new(|| moderator.moderate_bytes(&mp1_jpeg)),
        ),
        (
            "1 MP PNG bytes, decoding included",
            Box::new(|| moderator.moderate_bytes(&mp1_png)),
        ),
        (
            "1 MP decoded image, no decoding",
            Box::new(|| moderator.moderate(&mp1)),
        ),
    ];
    for (name, run) in cases {
        let p50 = report(&format!("  {name}"), measure(&run));
        println!(
            "    {:.2}x the model floor ({:+.1} ms)",
            p50 / floor,
            (p50 - floor) * 1e3
        );
    }

    println!("\ndecoding alone");
    report(
        "  12 MP JPEG, DCT-scaled to the working copy",
        measure(|| input::decode(&big_jpeg).unwrap()),
    );
    report(
        "  12 MP JPEG, full decode (as an import does)",
        measure(|| likeness_core::imaging::decode(&big_jpeg, ImageFormat::Jpeg).unwrap()),
    );
    report(
        "  12 MP decoded image to the working copy (thumbnail)",
        measure(|| input::Analysis::of(&big)),
    );
}

fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn measure<T>(mut f: impl FnMut() -> T) -> Vec<Duration> {
    black_box(f()); // warm up
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    times
}

/// Print p50/p95 and return p50 in seconds.
fn report(name: &str, times: Vec<Duration>) -> f64 {
    let p50 = times[times.len() / 2];
    let p95 = times[(times.len() * 95 / 100).min(times.len() - 1)];
    println!(
        "{name}: p50 {:.1} ms, p95 {:.1} ms",
        p50.as_secs_f64() * 1e3,
        p95.as_secs_f64() * 1e3
    );
    p50.as_secs_f64()
}
