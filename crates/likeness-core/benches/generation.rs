//! Generation engines on the CPU (2 intra-op threads per model): preview
//! stylizing at 512 px against bare model inference, a picture as the style,
//! HD x2/x4 of a preview, and x4 streamed to PNG for 3 MP and 12 MP photos with
//! their peak memory (each in a child process, so the figure is that run's
//! alone). Run: `cargo bench -p likeness-core --bench generation`.
//! Set `LIKENESS_BENCH_FULL_12MP=1` to run the 12 MP x4 to the end instead of
//! timing its first bands and extrapolating.

use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};

use image::{imageops, imageops::FilterType, RgbImage};
use likeness_core::engines::{EngineError, Style, StyleMix, Stylist, UpscaleFactor, Upscaler};
use likeness_core::inference::{self, MULTISTYLE};
use ort::value::TensorRef;

const RUNS: usize = 20;
const CHILD_ENV: &str = "LIKENESS_BENCH_CHILD";

fn main() {
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        return child(&spec);
    }
    let stylist = Stylist::load(None, None).expect("runtime and models (run scripts/setup.sh)");
    if let Ok(path) = std::env::var("LIKENESS_STYLE_SHEET") {
        return style_sheet(&stylist, &path);
    }
    let upscaler = Upscaler::load(None, None).expect("runtime and models");
    let preview = astronaut(512);
    println!(
        "preview {}x{}, {RUNS} runs each, 2 threads per model",
        preview.width(),
        preview.height()
    );
    let never = || false;

    // Stylize and the bare network alternate, so load from other processes
    // hits both alike; the overhead is the median of the paired differences.
    let mix = StyleMix::single(Style::from_id("style-07").unwrap());
    let mut floor = multistyle_floor(&preview);
    let (mut full, mut bare, mut overhead) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..=RUNS {
        let start = Instant::now();
        black_box(
            stylist
                .stylize(&preview, &mix, 1.0, &never, &mut |_| {})
                .unwrap(),
        );
        let total = start.elapsed();
        let network = floor();
        full.push(total);
        bare.push(network);
        overhead.push(total.saturating_sub(network));
    }
    let stylize = report("stylize (built-in style) at 512", full);
    report("  floor: multistyle26 alone on a ready 512 tensor", bare);
    let extra = report("  pre/post-processing (paired difference)", overhead);
    println!(
        "  pre/post-processing is {:.0}% of the total",
        extra / stylize * 100.0
    );
    let blend: StyleMix = "style-03:0.5,style-12:0.5".parse().unwrap();
    report(
        "stylize (50/50 blend, strength 0.6) at 512",
        measure(RUNS, || {
            stylist
                .stylize(&preview, &blend, 0.6, &never, &mut |_| {})
                .unwrap()
        }),
    );

    let picture = astronaut(400);
    let vector = stylist.style_vector(&picture).unwrap();
    report(
        "style vector of a picture (predict 256)",
        measure(RUNS, || stylist.style_vector(&picture).unwrap()),
    );
    report(
        "picture as style at 512 (4 tiles of 384, vector cached)",
        measure(RUNS / 2, || {
            stylist
                .stylize_with_vector(&preview, &vector, 1.0, &never, &mut |_| {})
                .unwrap()
        }),
    );

    for (name, factor) in [("x2", UpscaleFactor::X2), ("x4", UpscaleFactor::X4)] {
        let t = report(
            &format!("HD {name} of the 512 preview (in memory)"),
            measure(3, || {
                upscaler
                    .upscale(&preview, factor, &never, &mut |_| {})
                    .unwrap()
            }),
        );
        let tiles = preview.width().div_ceil(128) * preview.height().div_ceil(128);
        println!(
            "  {tiles} tiles of 128 (+12 context): {:.0} ms per tile",
            t * 1e3 / f64::from(tiles)
        );
    }

    println!("\nx4 streamed to PNG, each in a child process (VmHWM = peak resident memory)");
    run_child("3 MP (2000x1500) x4 -> 8000x6000", 2000, 1500, None);
    let full = std::env::var("LIKENESS_BENCH_FULL_12MP").is_ok_and(|v| v == "1");
    if full {
        run_child("12 MP (4000x3000) x4 -> 16000x12000", 4000, 3000, None);
    } else {
        run_child(
            "12 MP (4000x3000) x4 -> 16000x12000, first 3 of 24 bands",
            4000,
            3000,
            Some(3),
        );
    }
}

/// Every built-in style on a 192 px astronaut, 7 to a row in catalog order
/// (the original first), to check the display names against:
/// `LIKENESS_STYLE_SHEET=sheet.png cargo bench -p likeness-core --bench generation`.
fn style_sheet(stylist: &Stylist, path: &str) {
    let photo = astronaut(192);
    let (w, h) = photo.dimensions();
    let mut sheet = RgbImage::from_pixel(7 * w, 4 * h, image::Rgb([255, 255, 255]));
    imageops::replace(&mut sheet, &photo, 0, 0);
    for style in Style::all() {
        let tile = stylist
            .stylize(
                &photo,
                &StyleMix::single(style),
                1.0,
                &|| false,
                &mut |_| {},
            )
            .unwrap();
        let n = style.index() as u32 + 1;
        imageops::replace(
            &mut sheet,
            &tile,
            i64::from(n % 7 * w),
            i64::from(n / 7 * h),
        );
    }
    sheet.save(path).unwrap();
    println!("wrote {path}");
    // A picture as the style over several tiles, to check the blending.
    let picture = stylist
        .stylize(
            &astronaut(400),
            &"style-03".parse().unwrap(),
            1.0,
            &|| false,
            &mut |_| {},
        )
        .unwrap();
    let painted = stylist
        .stylize_with_picture(&astronaut(900), &picture, 1.0, &|| false, &mut |_| {})
        .unwrap();
    let painted_path = format!("{path}.picture.png");
    painted.save(&painted_path).unwrap();
    println!("wrote {painted_path}");
}

/// The astronaut with its long side at `long` px.
fn astronaut(long: u32) -> RgbImage {
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/astronaut.png");
    let full = image::open(&fixture).expect("shared fixture").to_rgb8();
    sized(&full, long)
}

fn sized(full: &RgbImage, long: u32) -> RgbImage {
    let (w, h) = full.dimensions();
    let scale = f64::from(long) / f64::from(w.max(h));
    let size = |v: u32| (f64::from(v) * scale).round() as u32;
    imageops::resize(full, size(w), size(h), FilterType::Triangle)
}

/// The style network alone on a tensor prepared in advance: a closure that
/// times one run.
fn multistyle_floor(image: &RgbImage) -> impl FnMut() -> Duration {
    let env = inference::runtime(None).unwrap();
    let dir = inference::locate_models_dir(None).unwrap();
    let mut session = inference::load_model(env, &dir, MULTISTYLE)
        .unwrap()
        .session;
    let (w, h) = (image.width() as usize, image.height() as usize);
    let (pw, ph) = (w.next_multiple_of(4), h.next_multiple_of(4));
    let input = vec![0.5f32; 3 * pw * ph];
    let mut weights = [0f32; 26];
    weights[7] = 1.0;
    move || {
        let start = Instant::now();
        let pixels = TensorRef::from_array_view(([1usize, 3, ph, pw], &*input)).unwrap();
        let style = TensorRef::from_array_view(([26usize], weights.as_slice())).unwrap();
        let out = session
            .run(ort::inputs!["image" => pixels, "style_weights" => style])
            .unwrap();
        black_box(out[0].try_extract_tensor::<f32>().unwrap().1.len());
        start.elapsed()
    }
}

fn measure<T>(runs: usize, mut f: impl FnMut() -> T) -> Vec<Duration> {
    black_box(f()); // warm-up
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            start.elapsed()
        })
        .collect()
}

/// Print p50/p95 and return p50 in seconds.
fn report(name: &str, mut times: Vec<Duration>) -> f64 {
    times.sort();
    let pct = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize].as_secs_f64();
    println!(
        "{name}: p50 {:.1} ms, p95 {:.1} ms",
        pct(0.5) * 1e3,
        pct(0.95) * 1e3
    );
    pct(0.5)
}

/// Run the streamed x4 of a `width`×`height` astronaut in a child process
/// (stopping after `bands` bands when given) and print its time and memory.
fn run_child(name: &str, width: u32, height: u32, bands: Option<u32>) {
    let exe = std::env::current_exe().unwrap();
    let spec = format!("{width}:{height}:{}", bands.unwrap_or(0));
    let out = Command::new(exe).env(CHILD_ENV, spec).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let Some(line) = text.lines().find(|l| l.starts_with("RESULT ")) else {
        println!(
            "{name}: child failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    };
    let v: Vec<f64> = line[7..]
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    let (secs, tiles, total_tiles, before_kb, after_kb, png_mb) =
        (v[0], v[1], v[2], v[3], v[4], v[5]);
    println!("{name}:");
    println!(
        "  {tiles:.0} of {total_tiles:.0} tiles in {secs:.1} s ({:.0} ms per tile)",
        secs * 1e3 / tiles
    );
    if tiles < total_tiles {
        println!(
            "  EXTRAPOLATED full run: {:.0} s ({:.1} min) at that rate",
            secs / tiles * total_tiles,
            secs / tiles * total_tiles / 60.0
        );
    } else {
        println!("  PNG written: {png_mb:.0} MB");
    }
    println!(
        "  peak memory: {:.0} MB before upscaling (runtime, models, input), {:.0} MB after; the upscale added {:.0} MB",
        before_kb / 1024.0,
        after_kb / 1024.0,
        (after_kb - before_kb) / 1024.0
    );
}

/// The child: load, build the input, note VmHWM, upscale x4 to a PNG in a
/// temporary folder, note VmHWM again.
fn child(spec: &str) {
    let v: Vec<u32> = spec.split(':').map(|x| x.parse().unwrap()).collect();
    let (width, height, bands) = (v[0], v[1], v[2]);
    let upscaler = Upscaler::load(None, None).unwrap();
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/astronaut.png");
    let full = image::open(&fixture).unwrap().to_rgb8();
    let input = imageops::resize(&full, width, height, FilterType::Triangle);
    drop(full);
    // Warm the x4 session on one full-size tile window (152 px) so the peak
    // before counts the runtime's arena.
    let warm = imageops::crop_imm(&input, 0, 0, 256, 256).to_image();
    upscaler
        .upscale(&warm, UpscaleFactor::X4, &|| false, &mut |_| {})
        .unwrap();
    let before = vm_hwm_kb();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hd.png");
    let total_tiles = width.div_ceil(128) * height.div_ceil(128);
    let stop_after = if bands == 0 {
        u32::MAX
    } else {
        bands * width.div_ceil(128)
    };
    let tiles = std::cell::Cell::new(0u32);
    let start = Instant::now();
    let result = upscaler.upscale_to_png(
        &input,
        UpscaleFactor::X4,
        &path,
        &|| tiles.get() >= stop_after,
        &mut |p| tiles.set((p * total_tiles as f32).round() as u32),
    );
    let secs = start.elapsed().as_secs_f64();
    match result {
        Ok(()) => {}
        Err(EngineError::Cancelled) if bands > 0 => {}
        Err(e) => panic!("{e}"),
    }
    let png_mb = std::fs::metadata(&path).map_or(0.0, |m| m.len() as f64 / 1e6);
    println!(
        "RESULT {secs} {} {total_tiles} {before} {} {png_mb}",
        tiles.get(),
        vm_hwm_kb()
    );
}

/// Peak resident memory of this process so far, in kB (Linux).
fn vm_hwm_kb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0.0)
}
