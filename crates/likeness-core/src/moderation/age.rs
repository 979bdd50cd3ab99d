//! Age estimation: an aligned 64×64 face chip from the eye landmarks, then the
//! dlib/Cydral age model.
//!
//! Alignment is a 2-point similarity transform (rotation, uniform scale,
//! translation) that puts the eye centres where dlib's chip puts them; over 27
//! adult faces this was within 1.8 years of dlib's own pipeline on average.

use image::RgbImage;
use ort::session::Session;
use ort::value::TensorRef;

use crate::inference::{InferenceError, AGE};

/// Side of the age model's input chip.
pub const CHIP_SIZE: usize = 64;
/// Where dlib's 64×64 chip puts the left and right eye centres.
pub const LEFT_EYE_TARGET: (f32, f32) = (19.535, 19.264);
pub const RIGHT_EYE_TARGET: (f32, f32) = (43.557, 19.256);
/// Per-channel RGB mean subtracted before dividing by 256 (dlib's training).
const MEAN: [f32; 3] = [122.782, 117.001, 104.298];
/// Age classes: 0.25, then 1 to 80 years.
const CLASSES: usize = 81;
/// The ages the model's 81 classes stand for: 0.25, then 1 to 80.
fn class_age(class: usize) -> f32 {
    if class == 0 {
        0.25
    } else {
        class as f32
    }
}

/// Sample a `CHIP_SIZE`² chip from `image` so that `left_eye` and `right_eye`
/// (in `image` pixels) land on the dlib targets. Bilinear sampling; outside the
/// image reads as black, as in dlib.
pub fn aligned_chip(image: &RgbImage, left_eye: (f32, f32), right_eye: (f32, f32)) -> RgbImage {
    // Chip → image is z ↦ a·z + b on complex numbers, with a = (p2 − p1) / (q2 − q1).
    let (q1, q2) = (LEFT_EYE_TARGET, RIGHT_EYE_TARGET);
    let (dqx, dqy) = (q2.0 - q1.0, q2.1 - q1.1);
    let (dpx, dpy) = (right_eye.0 - left_eye.0, right_eye.1 - left_eye.1);
    let denom = (dqx * dqx + dqy * dqy).max(f32::EPSILON);
    let (ar, ai) = (
        (dpx * dqx + dpy * dqy) / denom,
        (dpy * dqx - dpx * dqy) / denom,
    );
    let map = |x: f32, y: f32| {
        let (rx, ry) = (x - q1.0, y - q1.1);
        (
            ar * rx - ai * ry + left_eye.0,
            ai * rx + ar * ry + left_eye.1,
        )
    };
    let (w, h) = (image.width() as i64, image.height() as i64);
    let pixel = |x: i64, y: i64| -> [f32; 3] {
        if x < 0 || y < 0 || x >= w || y >= h {
            [0.0; 3]
        } else {
            let p = image.get_pixel(x as u32, y as u32).0;
            [f32::from(p[0]), f32::from(p[1]), f32::from(p[2])]
        }
    };
    RgbImage::from_fn(CHIP_SIZE as u32, CHIP_SIZE as u32, |cx, cy| {
        let (sx, sy) = map(cx as f32, cy as f32);
        let (x0, y0) = (sx.floor(), sy.floor());
        let (fx, fy) = (sx - x0, sy - y0);
        let (x0, y0) = (x0 as i64, y0 as i64);
        let (p00, p10, p01, p11) = (
            pixel(x0, y0),
            pixel(x0 + 1, y0),
            pixel(x0, y0 + 1),
            pixel(x0 + 1, y0 + 1),
        );
        let mut out = [0u8; 3];
        for c in 0..3 {
            let top = p00[c] + (p10[c] - p00[c]) * fx;
            let bottom = p01[c] + (p11[c] - p01[c]) * fx;
            out[c] = (top + (bottom - top) * fy).round().clamp(0.0, 255.0) as u8;
        }
        image::Rgb(out)
    })
}

/// Estimate the age of the face in `chip` (from [`aligned_chip`]): the
/// expectation of the model's age distribution, averaged over the chip and its
/// mirror image. A single estimate moves by several years with a 2 px landmark
/// shift (28 to 40 on the astronaut fixture across detector sizes); averaging
/// two views damps that jitter for under 1 ms.
pub fn estimate(session: &mut Session, chip: &RgbImage) -> Result<f32, InferenceError> {
    let mirrored = image::imageops::flip_horizontal(chip);
    let plane = CHIP_SIZE * CHIP_SIZE;
    let mut input = vec![0f32; 2 * 3 * plane];
    for (n, view) in [chip, &mirrored].into_iter().enumerate() {
        let base = n * 3 * plane;
        for (x, y, px) in view.enumerate_pixels() {
            let i = y as usize * CHIP_SIZE + x as usize;
            for c in 0..3 {
                input[base + c * plane + i] = (f32::from(px[c]) - MEAN[c]) / 256.0;
            }
        }
    }
    let run_error = |e: ort::Error| InferenceError::Run {
        file: AGE.file.into(),
        reason: e.to_string(),
    };
    let tensor = TensorRef::from_array_view(([2usize, 3, CHIP_SIZE, CHIP_SIZE], &*input))
        .map_err(run_error)?;
    let outputs = session.run(ort::inputs![tensor]).map_err(run_error)?;
    let (_, probs) = outputs[0].try_extract_tensor::<f32>().map_err(run_error)?;
    if probs.len() != 2 * CLASSES {
        return Err(InferenceError::Run {
            file: AGE.file.into(),
            reason: format!(
                "expected 2×{CLASSES} age probabilities, got {}",
                probs.len()
            ),
        });
    }
    let expected = |p: &[f32]| {
        p.iter()
            .enumerate()
            .map(|(i, p)| p * class_age(i))
            .sum::<f32>()
    };
    Ok((expected(&probs[..CLASSES]) + expected(&probs[CLASSES..])) / 2.0)
}
