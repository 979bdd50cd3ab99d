//! Face detection with CenterFace: pre-processing, decoding the heatmap into
//! boxes with five landmarks, and non-maximum suppression.
//!
//! Contract (models/README.md): input `input.1` [1,3,H,W] RGB 0..255 with H and
//! W multiples of 32; outputs heatmap `537` [1,1,H/4,W/4], log box size `538`
//! (height, width), centre offset `539` (y, x) and landmarks `540` as (y, x)
//! pairs relative to the box.

use image::{imageops, imageops::FilterType, RgbImage};
use ort::session::Session;
use ort::value::TensorRef;

use crate::inference::InferenceError;

/// Long side of the detector input, in pixels. CenterFace costs about 45 ms at
/// 320×320 and 121 ms at 640×640 on 2 threads; at 320 a portrait's face spans
/// 60+ px, far above the detector's ~10 px floor, and faces too small to see at
/// 320 are too small for a portrait anyway.
pub const DETECTOR_LONG_SIDE: u32 = 320;
/// A heatmap peak at or above this is a face (CenterFace's own default).
pub const HEATMAP_THRESHOLD: f32 = 0.5;
/// Boxes overlapping a better one by more than this IoU are the same face.
pub const NMS_IOU: f32 = 0.3;
/// The detector's output stride.
const STRIDE: usize = 4;

/// One face in the coordinates of the image given to [`detect`]. The box is not
/// clipped to the image, so callers can tell how much of the face is cut off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    /// `[x1, y1, x2, y2]`.
    pub bbox: [f32; 4],
    pub score: f32,
    /// Left eye, right eye, nose, left and right mouth corners, as `(x, y)`.
    pub landmarks: [(f32, f32); 5],
}

impl Detection {
    pub fn width(&self) -> f32 {
        self.bbox[2] - self.bbox[0]
    }
    pub fn height(&self) -> f32 {
        self.bbox[3] - self.bbox[1]
    }
    pub fn area(&self) -> f32 {
        self.width().max(0.0) * self.height().max(0.0)
    }
}

/// What the detector saw: the faces, and the strongest heatmap value anywhere
/// (the evidence for "no face" is how far that stays below the threshold).
#[derive(Debug, Clone)]
pub struct Detections {
    pub faces: Vec<Detection>,
    pub peak: f32,
}

/// Intersection over union of two `[x1, y1, x2, y2]` boxes.
pub fn iou(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let iw = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let ih = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = iw * ih;
    let area = |r: &[f32; 4]| (r[2] - r[0]).max(0.0) * (r[3] - r[1]).max(0.0);
    let union = area(a) + area(b) - inter;
    if union <= 0.0 {
        0.0
    } else {
        inter / union
    }
}

/// Greedy non-maximum suppression: keep the best-scoring box, drop every box
/// that overlaps a kept one by more than `threshold` IoU, repeat. Returns the
/// kept boxes, best first.
pub fn nms(mut detections: Vec<Detection>, threshold: f32) -> Vec<Detection> {
    detections.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Detection> = Vec::with_capacity(detections.len());
    for d in detections {
        if kept.iter().all(|k| iou(&k.bbox, &d.bbox) <= threshold) {
            kept.push(d);
        }
    }
    kept
}

/// The detector input size for an image: long side `DETECTOR_LONG_SIDE`, aspect
/// kept, then each side padded up to a multiple of 32. Returns the resized size
/// and the padded size.
fn input_size(width: u32, height: u32) -> ((u32, u32), (u32, u32)) {
    let scale = DETECTOR_LONG_SIDE as f32 / width.max(height) as f32;
    let w = ((width as f32 * scale).round() as u32).max(1);
    let h = ((height as f32 * scale).round() as u32).max(1);
    ((w, h), (w.div_ceil(32) * 32, h.div_ceil(32) * 32))
}

/// Find faces in `image`; boxes and landmarks come back in `image`'s pixels.
pub fn detect(session: &mut Session, image: &RgbImage) -> Result<Detections, InferenceError> {
    let ((w, h), (pw, ph)) = input_size(image.width(), image.height());
    let resized = imageops::resize(image, w, h, FilterType::Triangle);
    let (pw_us, ph_us) = (pw as usize, ph as usize);
    let plane = pw_us * ph_us;
    let mut input = vec![0f32; 3 * plane];
    for (x, y, px) in resized.enumerate_pixels() {
        let i = y as usize * pw_us + x as usize;
        input[i] = f32::from(px[0]);
        input[plane + i] = f32::from(px[1]);
        input[2 * plane + i] = f32::from(px[2]);
    }
    let run_error = |e: ort::Error| InferenceError::Run {
        file: crate::inference::CENTERFACE.file.into(),
        reason: e.to_string(),
    };
    let tensor =
        TensorRef::from_array_view(([1usize, 3, ph_us, pw_us], &*input)).map_err(run_error)?;
    let outputs = session
        .run(ort::inputs!["input.1" => tensor])
        .map_err(run_error)?;
    let get = |name: &str| -> Result<&[f32], InferenceError> {
        let value = outputs.get(name).ok_or_else(|| InferenceError::Run {
            file: crate::inference::CENTERFACE.file.into(),
            reason: format!("no output named {name}"),
        })?;
        value
            .try_extract_tensor::<f32>()
            .map(|(_, data)| data)
            .map_err(run_error)
    };
    let (heatmap, scale, offset, landmarks) = (get("537")?, get("538")?, get("539")?, get("540")?);
    // A NaN is neither under nor over the threshold: it would pass as a face
    // with a NaN score and box. Any non-finite output is a failed inference.
    for output in [heatmap, scale, offset, landmarks] {
        if let Some(bad) = output.iter().find(|v| !v.is_finite()) {
            super::finite_score(*bad, crate::inference::CENTERFACE.file)?;
        }
    }
    let (gw, gh) = (pw_us / STRIDE, ph_us / STRIDE);
    let cells = gw * gh;
    if heatmap.len() < cells
        || scale.len() < 2 * cells
        || offset.len() < 2 * cells
        || landmarks.len() < 10 * cells
    {
        return Err(InferenceError::Run {
            file: crate::inference::CENTERFACE.file.into(),
            reason: "unexpected output shape".into(),
        });
    }
    // Back to `image` pixels.
    let (sx, sy) = (
        image.width() as f32 / w as f32,
        image.height() as f32 / h as f32,
    );
    let stride = STRIDE as f32;
    let mut peak = 0f32;
    let mut found = Vec::new();
    for gy in 0..gh {
        for gx in 0..gw {
            let i = gy * gw + gx;
            let score = heatmap[i];
            peak = peak.max(score);
            if score < HEATMAP_THRESHOLD {
                continue;
            }
            let bh = scale[i].exp() * stride;
            let bw = scale[cells + i].exp() * stride;
            let cy = (gy as f32 + offset[i] + 0.5) * stride;
            let cx = (gx as f32 + offset[cells + i] + 0.5) * stride;
            let (x1, y1) = (cx - bw / 2.0, cy - bh / 2.0);
            let mut marks = [(0f32, 0f32); 5];
            for (j, mark) in marks.iter_mut().enumerate() {
                let ly = landmarks[2 * j * cells + i] * bh + y1;
                let lx = landmarks[(2 * j + 1) * cells + i] * bw + x1;
                *mark = (lx * sx, ly * sy);
            }
            found.push(Detection {
                bbox: [x1 * sx, y1 * sy, (x1 + bw) * sx, (y1 + bh) * sy],
                score,
                landmarks: marks,
            });
        }
    }
    Ok(Detections {
        faces: nms(found, NMS_IOU),
        peak,
    })
}
