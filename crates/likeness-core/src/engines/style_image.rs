//! Any picture as the style: Magenta's arbitrary image stylization (Ghiasi et
//! al. 2017). `arbitrary_predict.onnx` turns the style picture (centre square,
//! 256×256) into a 100-number [`StyleVector`]; `arbitrary_transform.onnx`
//! paints a fixed 384×384 content image with it.
//!
//! Size handling: **tiled, not resized.** The photo is worked on at its own
//! size, capped at `PICTURE_MAX_SIDE` on the long side (the same brush scale
//! as the built-in styles), in 384×384 tiles spread evenly with at least
//! `TILE_OVERLAP` pixels of overlap, each blended in with weights that ramp
//! linearly across the overlap, so there are no seams and the result keeps
//! detail that one 384 px run scaled up would lose. A side under 384 is
//! mirror-padded. The result is scaled back to the photo's size when the cap
//! applied. A 512 px preview is 4 runs.

use image::{imageops, imageops::FilterType, RgbImage};
use ort::value::TensorRef;

use super::styles::{restyle, MIN_SIDE};
use super::tiles::{covering_starts, feather, reflect};
use super::{
    check_cancel, check_min_side, check_strength, lock, run_error, shape_error, unit_to_u8,
    EngineError, IsCancelled, Progress, Stylist,
};
use crate::inference::{STYLE_PREDICT, STYLE_TRANSFORM};

/// The transform network's fixed input side.
pub const TRANSFORM_SIDE: u32 = 384;
/// The predictor's fixed input side.
pub const PREDICT_SIDE: u32 = 256;
/// Longest side the photo is painted at; larger photos are scaled down for the
/// runs and the result scaled back up.
pub const PICTURE_MAX_SIDE: u32 = 1024;
/// Least overlap between neighbouring tiles, and the width of the blend ramp.
pub const TILE_OVERLAP: u32 = 64;
/// Length of the style vector.
pub const STYLE_VECTOR_LEN: usize = 100;

/// A picture's style, as the transform network takes it. Compute it once per
/// style picture and reuse it across photos and previews.
#[derive(Debug, Clone, PartialEq)]
pub struct StyleVector(Vec<f32>);

impl StyleVector {
    pub fn values(&self) -> &[f32] {
        &self.0
    }
}

impl Stylist {
    /// The style of `picture`: its centre square scaled to 256×256.
    pub fn style_vector(&self, picture: &RgbImage) -> Result<StyleVector, EngineError> {
        check_min_side(picture, MIN_SIDE)?;
        let (w, h) = picture.dimensions();
        let side = w.min(h);
        let square = imageops::crop_imm(picture, (w - side) / 2, (h - side) / 2, side, side);
        let small = imageops::resize(&*square, PREDICT_SIDE, PREDICT_SIDE, FilterType::CatmullRom);
        let input: Vec<f32> = small.iter().map(|&v| f32::from(v) / 255.0).collect();
        let n = PREDICT_SIDE as usize;
        let err = run_error(STYLE_PREDICT);
        let tensor = TensorRef::from_array_view(([1usize, n, n, 3], &*input)).map_err(&err)?;
        let mut session = lock(&self.predict);
        let outputs = session.run(ort::inputs![tensor]).map_err(&err)?;
        let (_, out) = outputs[0].try_extract_tensor::<f32>().map_err(&err)?;
        if out.len() != STYLE_VECTOR_LEN {
            return Err(shape_error(STYLE_PREDICT, STYLE_VECTOR_LEN, out.len()));
        }
        Ok(StyleVector(out.to_vec()))
    }

    /// Paint `image` in the style of `picture`, then blend with the photo by
    /// `strength` (0 = the photo, 1 = the full style). Keeps the photo's size.
    pub fn stylize_with_picture(
        &self,
        image: &RgbImage,
        picture: &RgbImage,
        strength: f32,
        is_cancelled: IsCancelled,
        progress: Progress,
    ) -> Result<RgbImage, EngineError> {
        check_strength(strength)?;
        check_cancel(is_cancelled)?;
        let style = self.style_vector(picture)?;
        self.stylize_with_vector(image, &style, strength, is_cancelled, progress)
    }

    /// Paint `image` with a precomputed style (see [`Stylist::style_vector`]).
    pub fn stylize_with_vector(
        &self,
        image: &RgbImage,
        style: &StyleVector,
        strength: f32,
        is_cancelled: IsCancelled,
        progress: Progress,
    ) -> Result<RgbImage, EngineError> {
        restyle(
            image,
            strength,
            PICTURE_MAX_SIDE,
            is_cancelled,
            progress,
            |work, cancel, progress| self.paint_tiled(work, style, cancel, progress),
        )
    }

    /// Run the transform over 384×384 tiles and blend them (see the module docs).
    fn paint_tiled(
        &self,
        image: &RgbImage,
        style: &StyleVector,
        is_cancelled: IsCancelled,
        progress: Progress,
    ) -> Result<RgbImage, EngineError> {
        let (w, h) = image.dimensions();
        let xs = covering_starts(w, TRANSFORM_SIDE, TILE_OVERLAP);
        let ys = covering_starts(h, TRANSFORM_SIDE, TILE_OVERLAP);
        let total = (xs.len() * ys.len()) as f32;
        let n = TRANSFORM_SIDE as usize;
        let (wu, hu) = (w as usize, h as usize);
        // Weighted sums of the tiles' outputs, then divided by the weights.
        let mut sum = vec![0f32; wu * hu * 3];
        let mut weight = vec![0f32; wu * hu];
        let mut input = vec![0f32; n * n * 3];
        let raw = image.as_raw();
        let err = run_error(STYLE_TRANSFORM);
        let mut done = 0.0;
        for (yi, &ty) in ys.iter().enumerate() {
            for (xi, &tx) in xs.iter().enumerate() {
                check_cancel(is_cancelled)?;
                for y in 0..n {
                    let sy = reflect(i64::from(ty) + y as i64, h) as usize;
                    for x in 0..n {
                        let sx = reflect(i64::from(tx) + x as i64, w) as usize;
                        let (src, dst) = ((sy * wu + sx) * 3, (y * n + x) * 3);
                        for c in 0..3 {
                            input[dst + c] = f32::from(raw[src + c]) / 255.0;
                        }
                    }
                }
                let content =
                    TensorRef::from_array_view(([1usize, n, n, 3], &*input)).map_err(&err)?;
                let vector =
                    TensorRef::from_array_view(([1usize, 1, 1, STYLE_VECTOR_LEN], style.values()))
                        .map_err(&err)?;
                let mut session = lock(&self.transform);
                let outputs = session.run(ort::inputs![content, vector]).map_err(&err)?;
                let (_, out) = outputs[0].try_extract_tensor::<f32>().map_err(&err)?;
                if out.len() != n * n * 3 {
                    return Err(shape_error(STYLE_TRANSFORM, n * n * 3, out.len()));
                }
                let (lead_x, trail_x) = (xi > 0, xi + 1 < xs.len());
                let (lead_y, trail_y) = (yi > 0, yi + 1 < ys.len());
                // Only the part of the tile inside the image counts (a short
                // side is mirror-padded).
                let tw = (w - tx).min(TRANSFORM_SIDE);
                let th = (h - ty).min(TRANSFORM_SIDE);
                for y in 0..th {
                    let fy = feather(y, TRANSFORM_SIDE, lead_y, trail_y, TILE_OVERLAP);
                    for x in 0..tw {
                        let f = fy * feather(x, TRANSFORM_SIDE, lead_x, trail_x, TILE_OVERLAP);
                        let p = (ty + y) as usize * wu + (tx + x) as usize;
                        let o = (y as usize * n + x as usize) * 3;
                        weight[p] += f;
                        for c in 0..3 {
                            sum[p * 3 + c] += f * out[o + c];
                        }
                    }
                }
                done += 1.0;
                progress(0.95 * done / total);
            }
        }
        let mut styled = RgbImage::new(w, h);
        for (i, px) in styled.chunks_exact_mut(3).enumerate() {
            let wsum = weight[i];
            for c in 0..3 {
                px[c] = unit_to_u8(sum[i * 3 + c] / wsum);
            }
        }
        Ok(styled)
    }
}
