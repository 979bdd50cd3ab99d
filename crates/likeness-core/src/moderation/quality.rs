//! Is the face clear enough to judge? Size, sharpness and framing checks on the
//! main face, in the original image's pixels.

use image::{imageops, imageops::FilterType, GrayImage, RgbImage};

/// An image whose short side is below this is too small to judge at all: a
/// face in it would be under ~60 px, too few pixels for the age model to be
/// trusted. It is rejected as `unclear_face` before detection.
pub const MIN_IMAGE_SIDE: u32 = 128;
/// A face box whose short side is below this (original pixels) is too small:
/// the age chip would be upscaled from almost nothing.
pub const MIN_FACE_SIDE: f32 = 48.0;
/// The face crop is scaled to this square before measuring sharpness, so the
/// measure does not depend on the photo's resolution.
pub const SHARPNESS_CROP: u32 = 64;
/// Least variance of the Laplacian on the grey face crop for a sharp face.
/// Calibrated on the 512 px astronaut fixture (tests/core/moderation.rs): sharp
/// ≈ 690, Gaussian blur σ=1 ≈ 220, a 2× downscale-then-upscale ≈ 150, σ=2 ≈ 53,
/// a 4× downscale-then-upscale ≈ 45, σ=3 ≈ 19. 80 accepts mild softness (the
/// detail of a ~45 px-wide face or better) and rejects a visibly smeared face,
/// with a 9× margin below the sharp photo. Measured relative to the face size,
/// so a big face with a little motion blur still passes.
pub const MIN_SHARPNESS: f32 = 80.0;
/// Most of a face box that may lie outside the image before the face counts as
/// badly framed (too much of it cut off to judge).
pub const MAX_CUT_OFF: f32 = 0.4;

/// Why a face is unclear.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Unclear {
    ImageTooSmall,
    FaceTooSmall,
    Blurry { sharpness: f32 },
    BadlyFramed,
}

/// Variance of the 4-neighbour Laplacian on the grey face crop, scaled to
/// `SHARPNESS_CROP`². Higher is sharper; blur and low detail bring it down.
pub fn sharpness(image: &RgbImage, bbox: [f32; 4]) -> f32 {
    let (w, h) = (image.width() as f32, image.height() as f32);
    let x1 = bbox[0].clamp(0.0, w - 1.0) as u32;
    let y1 = bbox[1].clamp(0.0, h - 1.0) as u32;
    let x2 = (bbox[2].clamp(0.0, w) as u32).max(x1 + 1);
    let y2 = (bbox[3].clamp(0.0, h) as u32).max(y1 + 1);
    let crop = imageops::crop_imm(image, x1, y1, x2 - x1, y2 - y1).to_image();
    let grey: GrayImage = image::DynamicImage::ImageRgb8(crop).to_luma8();
    let grey = imageops::resize(&grey, SHARPNESS_CROP, SHARPNESS_CROP, FilterType::Triangle);
    let px = |x: u32, y: u32| f32::from(grey.get_pixel(x, y)[0]);
    let n = SHARPNESS_CROP;
    let mut values = Vec::with_capacity(((n - 2) * (n - 2)) as usize);
    for y in 1..n - 1 {
        for x in 1..n - 1 {
            values.push(px(x - 1, y) + px(x + 1, y) + px(x, y - 1) + px(x, y + 1) - 4.0 * px(x, y));
        }
    }
    let mean = values.iter().sum::<f32>() / values.len() as f32;
    values.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / values.len() as f32
}

/// The share of a box's area outside a `width`×`height` image.
pub fn cut_off(bbox: [f32; 4], width: f32, height: f32) -> f32 {
    let area = (bbox[2] - bbox[0]).max(0.0) * (bbox[3] - bbox[1]).max(0.0);
    if area <= 0.0 {
        return 1.0;
    }
    let iw = (bbox[2].min(width) - bbox[0].max(0.0)).max(0.0);
    let ih = (bbox[3].min(height) - bbox[1].max(0.0)).max(0.0);
    1.0 - iw * ih / area
}

/// Check the main face. `bbox` is in original pixels for the size and framing
/// rules; `analysis` and `analysis_bbox` are the working copy for sharpness.
pub fn check(
    original: (u32, u32),
    bbox: [f32; 4],
    analysis: &RgbImage,
    analysis_bbox: [f32; 4],
) -> Result<(), Unclear> {
    let (w, h) = (original.0 as f32, original.1 as f32);
    let (cx, cy) = ((bbox[0] + bbox[2]) / 2.0, (bbox[1] + bbox[3]) / 2.0);
    if cx < 0.0 || cy < 0.0 || cx > w || cy > h || cut_off(bbox, w, h) > MAX_CUT_OFF {
        return Err(Unclear::BadlyFramed);
    }
    if (bbox[2] - bbox[0]).min(bbox[3] - bbox[1]) < MIN_FACE_SIDE {
        return Err(Unclear::FaceTooSmall);
    }
    let sharpness = sharpness(analysis, analysis_bbox);
    if sharpness < MIN_SHARPNESS {
        return Err(Unclear::Blurry { sharpness });
    }
    Ok(())
}
