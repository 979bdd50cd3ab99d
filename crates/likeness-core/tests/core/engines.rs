//! The on-device engines on the astronaut: built-in styles, a picture as the
//! style, HD upscaling (in memory and streamed to PNG), cancelling, and the
//! typed errors for bad styles and tampered models.

use likeness_core::{Coded, ErrorCode};
use std::cell::Cell;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use image::{imageops, imageops::FilterType, RgbImage};
use likeness_core::engines::{
    EngineError, Style, StyleError, StyleMix, Stylist, Tiling, UpscaleFactor, Upscaler, STYLES,
    STYLE_COUNT,
};
use likeness_core::inference::{self, InferenceError, MULTISTYLE};
use likeness_core::moderation::detect::iou;

use crate::fixtures::astronaut_bytes;

fn stylist() -> &'static Stylist {
    static STYLIST: OnceLock<Stylist> = OnceLock::new();
    STYLIST.get_or_init(|| Stylist::load(None, None).expect("runtime and style models"))
}

fn upscaler() -> &'static Upscaler {
    static UPSCALER: OnceLock<Upscaler> = OnceLock::new();
    UPSCALER.get_or_init(|| Upscaler::load(None, None).expect("runtime and upscale models"))
}

/// The astronaut with its long side at `long` px.
fn astronaut(long: u32) -> RgbImage {
    let full = image::load_from_memory(&astronaut_bytes())
        .unwrap()
        .to_rgb8();
    let (w, h) = full.dimensions();
    let scale = f64::from(long) / f64::from(w.max(h));
    let size = |v: u32| (f64::from(v) * scale).round() as u32;
    imageops::resize(&full, size(w), size(h), FilterType::Triangle)
}

fn never() -> bool {
    false
}

fn ignore(_: f32) {}

/// Mean absolute difference per channel value (0..255).
fn mean_diff(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let total: u64 = a
        .iter()
        .zip(b.iter())
        .map(|(&x, &y)| u64::from(x.abs_diff(y)))
        .sum();
    total as f64 / a.len() as f64
}

fn style(id: &str) -> StyleMix {
    StyleMix::single(Style::from_id(id).unwrap())
}

#[test]
fn a_style_changes_the_image_and_keeps_its_size() {
    let photo = astronaut(300);
    let styled = stylist()
        .stylize(&photo, &style("style-07"), 1.0, &never, &mut ignore)
        .unwrap();
    assert_eq!(styled.dimensions(), photo.dimensions());
    let diff = mean_diff(&styled, &photo);
    assert!(diff > 20.0, "the style barely changed the photo: {diff:.1}");
}

#[test]
fn an_odd_sized_photo_keeps_its_size_through_every_style_engine() {
    let photo = imageops::crop_imm(&astronaut(300), 0, 0, 203, 173).to_image();
    let styled = stylist()
        .stylize(&photo, &style("style-02"), 1.0, &never, &mut ignore)
        .unwrap();
    assert_eq!(styled.dimensions(), (203, 173));
    let painted = stylist()
        .stylize_with_picture(&photo, &astronaut(256), 1.0, &never, &mut ignore)
        .unwrap();
    assert_eq!(painted.dimensions(), (203, 173));
}

#[test]
fn strength_zero_returns_the_original_and_half_strength_lies_between() {
    let photo = astronaut(256);
    let mix = style("style-19");
    let none = stylist()
        .stylize(&photo, &mix, 0.0, &never, &mut ignore)
        .unwrap();
    assert_eq!(none.as_raw(), photo.as_raw());
    let full = stylist()
        .stylize(&photo, &mix, 1.0, &never, &mut ignore)
        .unwrap();
    let half = stylist()
        .stylize(&photo, &mix, 0.5, &never, &mut ignore)
        .unwrap();
    let (to_photo, to_full) = (mean_diff(&half, &photo), mean_diff(&half, &full));
    let apart = mean_diff(&full, &photo);
    assert!(
        (to_photo - apart / 2.0).abs() < 1.0,
        "{to_photo} vs {apart}"
    );
    assert!((to_full - apart / 2.0).abs() < 1.0, "{to_full} vs {apart}");
}

#[test]
fn an_even_blend_of_two_styles_differs_from_both() {
    let photo = astronaut(256);
    let run = |mix: &StyleMix| {
        stylist()
            .stylize(&photo, mix, 1.0, &never, &mut ignore)
            .unwrap()
    };
    let a = run(&style("style-03"));
    let b = run(&style("style-12"));
    let blend = run(&"style-03:0.5,style-12:0.5".parse().unwrap());
    assert!(mean_diff(&blend, &a) > 5.0);
    assert!(mean_diff(&blend, &b) > 5.0);
}

#[test]
fn identical_settings_give_identical_bytes() {
    let photo = astronaut(320);
    let mix: StyleMix = "style-05:0.7,style-21:0.3".parse().unwrap();
    let once = stylist()
        .stylize(&photo, &mix, 0.8, &never, &mut ignore)
        .unwrap();
    let twice = stylist()
        .stylize(&photo, &mix, 0.8, &never, &mut ignore)
        .unwrap();
    assert!(once.as_raw() == twice.as_raw());

    let picture = astronaut(256);
    let painted = |p: &RgbImage| {
        stylist()
            .stylize_with_picture(p, &picture, 1.0, &never, &mut ignore)
            .unwrap()
    };
    assert!(painted(&photo).as_raw() == painted(&photo).as_raw());

    let small = astronaut(96);
    let up = || {
        upscaler()
            .upscale(&small, UpscaleFactor::X2, &never, &mut ignore)
            .unwrap()
    };
    assert!(up().as_raw() == up().as_raw());
}

#[test]
fn a_picture_used_as_the_style_changes_the_content_and_keeps_its_size() {
    let photo = astronaut(500);
    // A styled, flipped astronaut makes a style picture unlike the photo.
    let picture = imageops::flip_vertical(
        &stylist()
            .stylize(
                &astronaut(256),
                &style("style-11"),
                1.0,
                &never,
                &mut ignore,
            )
            .unwrap(),
    );
    let mut seen = Vec::new();
    let painted = stylist()
        .stylize_with_picture(&photo, &picture, 1.0, &never, &mut |p| seen.push(p))
        .unwrap();
    assert_eq!(painted.dimensions(), photo.dimensions());
    let diff = mean_diff(&painted, &photo);
    assert!(
        diff > 10.0,
        "the picture's style barely changed the photo: {diff:.1}"
    );
    assert_eq!(seen.last(), Some(&1.0));
    assert!(seen.windows(2).all(|p| p[0] <= p[1]), "{seen:?}");
}

#[test]
fn x2_and_x4_upscales_have_exact_sizes_and_look_like_the_input() {
    let photo = astronaut(150);
    for (factor, scale) in [(UpscaleFactor::X2, 2), (UpscaleFactor::X4, 4)] {
        let big = upscaler()
            .upscale(&photo, factor, &never, &mut ignore)
            .unwrap();
        assert_eq!(
            big.dimensions(),
            (photo.width() * scale, photo.height() * scale)
        );
        let back = imageops::resize(&big, photo.width(), photo.height(), FilterType::Triangle);
        let diff = mean_diff(&back, &photo);
        assert!(
            diff < 6.0,
            "x{scale} does not look like the input: {diff:.2}"
        );
    }
}

#[test]
fn tiled_upscaling_matches_one_untiled_run_with_no_seams() {
    let photo = imageops::crop_imm(&astronaut(300), 60, 20, 160, 160).to_image();
    let whole = Tiling {
        core: 1024,
        context: 0,
    };
    let tiles = Tiling {
        core: 48,
        context: 12,
    };
    let up = |t| {
        upscaler()
            .upscale_with(&photo, UpscaleFactor::X2, t, &never, &mut ignore)
            .unwrap()
    };
    let (untiled, tiled) = (up(whole), up(tiles));
    let overall = mean_diff(&untiled, &tiled);
    assert!(overall < 1.0, "tiled differs from untiled by {overall:.3}");
    // Per output row, the mean difference: rows at tile boundaries (every 96
    // output rows) must not stand out.
    let width = tiled.width() as usize * 3;
    let row_diff = |y: usize| {
        let (a, b) = (
            &untiled.as_raw()[y * width..][..width],
            &tiled.as_raw()[y * width..][..width],
        );
        a.iter()
            .zip(b)
            .map(|(&x, &y)| f64::from(x.abs_diff(y)))
            .sum::<f64>()
            / width as f64
    };
    for seam in [96usize, 192] {
        for y in [seam - 1, seam] {
            let d = row_diff(y);
            assert!(d < 2.0, "row {y} at a tile boundary differs by {d:.3}");
        }
    }
}

#[test]
fn cancelling_mid_upscale_returns_cancelled_promptly() {
    let photo = astronaut(512);
    let calls = Cell::new(0);
    let cancelled_at = Cell::new(None::<Instant>);
    let is_cancelled = || {
        calls.set(calls.get() + 1);
        if calls.get() > 3 {
            cancelled_at.set(cancelled_at.get().or(Some(Instant::now())));
            true
        } else {
            false
        }
    };
    let result = upscaler().upscale(&photo, UpscaleFactor::X4, &is_cancelled, &mut ignore);
    let after = cancelled_at.get().expect("the cancel was polled").elapsed();
    assert_eq!(result.unwrap_err(), EngineError::Cancelled);
    assert_eq!(EngineError::Cancelled.code(), ErrorCode::Cancelled);
    assert!(after < Duration::from_secs(1), "took {after:?} to stop");
}

#[test]
fn cancelling_a_streamed_upscale_leaves_no_file_behind() {
    let photo = astronaut(400);
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("hd.png");
    let calls = Cell::new(0);
    let is_cancelled = || {
        calls.set(calls.get() + 1);
        calls.get() > 5
    };
    let result = upscaler().upscale_to_png(
        &photo,
        UpscaleFactor::X2,
        &target,
        &is_cancelled,
        &mut ignore,
    );
    assert_eq!(result.unwrap_err(), EngineError::Cancelled);
    let left: Vec<_> = std::fs::read_dir(out.path()).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn a_streamed_upscale_is_a_png_equal_to_the_in_memory_one() {
    let photo = astronaut(200);
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("hd.png");
    let mut last = 0.0;
    upscaler()
        .upscale_to_png(&photo, UpscaleFactor::X2, &target, &never, &mut |p| {
            last = p
        })
        .unwrap();
    assert_eq!(last, 1.0);
    let written = image::open(&target).unwrap().to_rgb8();
    let in_memory = upscaler()
        .upscale(&photo, UpscaleFactor::X2, &never, &mut ignore)
        .unwrap();
    assert!(written == in_memory);
    let names: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["hd.png"]);
}

#[test]
fn the_catalog_has_26_stable_kebab_case_ids() {
    assert_eq!(STYLES.len(), STYLE_COUNT);
    for (i, info) in STYLES.iter().enumerate() {
        assert_eq!(info.id, format!("style-{i:02}"));
        assert_eq!(Style::from_id(info.id).unwrap().index(), i);
        assert!(!info.name.is_empty());
    }
}

#[test]
fn the_cli_syntax_parses_and_normalises_weights() {
    let mix: StyleMix = "style-03:3, style-12:1".parse().unwrap();
    let parts: Vec<_> = mix.parts().iter().map(|(s, w)| (s.id(), *w)).collect();
    assert_eq!(parts, [("style-03", 0.75), ("style-12", 0.25)]);
    assert_eq!(mix.weights().iter().sum::<f32>(), 1.0);
    assert_eq!(mix.to_string().parse::<StyleMix>().unwrap(), mix);
    let single: StyleMix = "STYLE-07:0.4".parse().unwrap();
    assert_eq!(single, style("style-07"));
    assert_eq!("7".parse::<StyleMix>().unwrap(), style("style-07"));
}

#[test]
fn unknown_styles_negative_weights_and_bad_syntax_are_typed_errors() {
    let err = |s: &str| s.parse::<StyleMix>().unwrap_err();
    assert_eq!(
        err("starry-night"),
        StyleError::UnknownStyle("starry-night".into())
    );
    assert_eq!(err("style-26"), StyleError::UnknownStyle("style-26".into()));
    assert!(matches!(
        err("style-01:-0.5,style-02:1"),
        StyleError::NegativeWeight { style, .. } if style == "style-01"
    ));
    assert!(matches!(err("style-01:abc"), StyleError::Syntax { .. }));
    assert!(matches!(err("style-01:0.5,"), StyleError::Syntax { .. }));
    assert!(matches!(err(":0.5"), StyleError::Syntax { .. }));
    assert_eq!(err(""), StyleError::Empty);
    assert_eq!(err("style-01:0,style-02:0"), StyleError::ZeroWeights);
    assert_eq!(err("1,2,3"), StyleError::TooManyStyles(3));
    assert_eq!(
        err("style-04,style-04"),
        StyleError::DuplicateStyle("style-04".into())
    );
    assert!(matches!(
        err("style-01:NaN"),
        StyleError::InvalidWeight { .. }
    ));
    let engine_err = EngineError::from(err("nope"));
    assert_eq!(engine_err.code(), ErrorCode::InvalidInput);
}

#[test]
fn strength_outside_zero_to_one_is_a_typed_error() {
    let photo = astronaut(64);
    let result = stylist().stylize(&photo, &style("style-00"), 1.5, &never, &mut ignore);
    assert_eq!(result.unwrap_err(), EngineError::InvalidStrength(1.5));
}

#[test]
fn a_style_model_with_the_wrong_hash_is_a_typed_error() {
    let models = tempfile::tempdir().unwrap();
    let source = inference::locate_models_dir(None).unwrap();
    for model in inference::MODELS {
        std::fs::copy(source.join(model.file), models.path().join(model.file)).unwrap();
    }
    let tampered = models.path().join(MULTISTYLE.file);
    let mut bytes = std::fs::read(&tampered).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&tampered, bytes).unwrap();

    let err = Stylist::load(None, Some(models.path())).unwrap_err();
    assert!(
        matches!(&err, EngineError::Inference(InferenceError::ModelHashMismatch { file, .. }) if file == "multistyle26.onnx"),
        "{err:?}"
    );
    assert_eq!(err.code(), ErrorCode::EngineUnavailable);
    // The untouched upscale models still load from the same folder.
    assert!(Upscaler::load(None, Some(models.path())).is_ok());
    assert!(Path::new(&models.path().join("esrgan_slim_x4.onnx")).is_file());
}

#[test]
fn every_style_at_its_default_strength_keeps_the_face_where_it_was() {
    let moderator = crate::fixtures::moderator().unwrap();
    let photo = astronaut(512);
    let face = moderator.moderate(&photo.clone().into()).faces[0].corners();
    for style in Style::all() {
        let strength = f32::from(style.info().default_strength_percent) / 100.0;
        let styled = stylist()
            .stylize(
                &photo,
                &StyleMix::single(style),
                strength,
                &never,
                &mut ignore,
            )
            .unwrap();
        let faces = moderator.moderate(&styled.into()).faces;
        assert!(
            matches!(faces.as_slice(), [one] if iou(&one.corners(), &face) >= 0.5),
            "{} at {strength}: the face is lost ({faces:?})",
            style.id()
        );
    }
}
