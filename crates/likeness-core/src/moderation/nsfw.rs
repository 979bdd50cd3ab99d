//! NSFW score with Yahoo's open_nsfw on the whole image.
//!
//! Pre-processing as the model was trained: resize to 256×256, centre-crop
//! 224×224, BGR minus the channel means [104, 117, 123], NHWC.

use image::{imageops, imageops::FilterType, RgbImage};
use ort::session::Session;
use ort::value::TensorRef;

use crate::inference::{InferenceError, NSFW};

const RESIZE: u32 = 256;
const CROP: usize = 224;
/// B, G, R means.
const MEAN_BGR: [f32; 3] = [104.0, 117.0, 123.0];

/// The probability (0..1) that `image` is not safe for work. A score that is
/// not a finite number comes back as it is, for the caller to refuse (see
/// `decision::finite_score` and `decision::is_safe_score`), never clamped into range.
pub fn score(session: &mut Session, image: &RgbImage) -> Result<f32, InferenceError> {
    let resized = imageops::resize(image, RESIZE, RESIZE, FilterType::Triangle);
    let off = (RESIZE as usize - CROP) / 2;
    let mut input = Vec::with_capacity(CROP * CROP * 3);
    for y in 0..CROP {
        for x in 0..CROP {
            let p = resized.get_pixel((x + off) as u32, (y + off) as u32).0;
            input.push(f32::from(p[2]) - MEAN_BGR[0]);
            input.push(f32::from(p[1]) - MEAN_BGR[1]);
            input.push(f32::from(p[0]) - MEAN_BGR[2]);
        }
    }
    let run_error = |e: ort::Error| InferenceError::Run {
        file: NSFW.file.into(),
        reason: e.to_string(),
    };
    let tensor =
        TensorRef::from_array_view(([1usize, CROP, CROP, 3], &*input)).map_err(run_error)?;
    let outputs = session.run(ort::inputs![tensor]).map_err(run_error)?;
    let (_, probs) = outputs[0].try_extract_tensor::<f32>().map_err(run_error)?;
    match probs {
        [_sfw, nsfw] if !nsfw.is_finite() => Ok(*nsfw),
        [_sfw, nsfw] => Ok(nsfw.clamp(0.0, 1.0)),
        _ => Err(InferenceError::Run {
            file: NSFW.file.into(),
            reason: format!("expected [sfw, nsfw], got {} values", probs.len()),
        }),
    }
}
