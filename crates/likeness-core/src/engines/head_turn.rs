//! Which way the head in a photo is turned, from MediaPipe's 468-point face
//! mesh (`face_landmark.onnx`), so the Studio can say whether the chosen photo
//! faces the camera. It is informational: nothing is refused on it.
//!
//! The mesh runs on a square crop turned so that the eyes are level, as
//! MediaPipe's face landmark graph does: first around the detector's face box
//! and eyes, then again around the first pass's own points (MediaPipe's
//! tracking step), which sits the face better in the crop. The yaw is read
//! from the depth of symmetric pairs of points in that second crop, where the
//! head's roll is already taken out.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Mutex;

use image::imageops::{self, FilterType};
use image::RgbImage;
use ort::session::Session;
use ort::value::TensorRef;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{run_error, shape_error, EngineError};
use crate::inference::{self, InferenceError, FACE_LANDMARK};
use crate::sync::lock;

/// The model's input side, in pixels.
const SIDE: u32 = 192;
/// How many points the mesh has.
const POINTS: usize = 468;
/// The crop's side as a multiple of the face's longer edge (MediaPipe's).
const MARGIN: f32 = 1.5;
/// The outer eye corners: on the picture's left, then on its right.
const EYE_CORNERS: (usize, usize) = (33, 263);
/// Mirror-image pairs of points (picture's left, picture's right) whose
/// depths give the yaw: the cheek edges, the temples, the outer eye corners
/// and the mouth corners. Several pairs, so that one badly placed point
/// cannot swing the result.
const PAIRS: [(usize, usize); 4] = [(234, 454), (127, 356), EYE_CORNERS, (61, 291)];

/// Past this yaw either way, in degrees, the head reads as turned. Frontal
/// photos measure within about 1° of zero; a near-profile measured 40° (the
/// mesh underestimates strong turns: that face looked turned 45 to 60°), and
/// a three-quarter view lies between. See `models/README.md`.
pub const TURNED_DEGREES: f32 = 25.0;

/// Which way the head faces, as the picture shows it on screen: left and right
/// are the picture's, not the person's own. A person who turns to their own
/// left looks towards the picture's right in an unmirrored photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Facing {
    /// Within [`TURNED_DEGREES`] of facing the camera.
    Frontal,
    /// The nose points towards the picture's left edge.
    TurnedLeft,
    /// The nose points towards the picture's right edge.
    TurnedRight,
}

impl Facing {
    /// The facing of a head at `yaw_degrees` (positive: nose to the right).
    pub fn of(yaw_degrees: f32) -> Facing {
        match yaw_degrees {
            y if y > TURNED_DEGREES => Facing::TurnedRight,
            y if y < -TURNED_DEGREES => Facing::TurnedLeft,
            _ => Facing::Frontal,
        }
    }
}

/// How the head in a photo is turned.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct HeadTurn {
    /// The turn about the vertical axis, in degrees: 0 faces the camera,
    /// positive when the nose points towards the picture's right.
    pub yaw_degrees: f32,
    pub facing: Facing,
}

/// The face mesh model, run one face at a time.
pub struct FaceMesh {
    session: Mutex<Session>,
}

impl FaceMesh {
    /// Load ONNX Runtime (see `inference::runtime`) and the model from
    /// `models_dir` (see `inference::locate_models_dir`), verifying its sha256.
    pub fn load(
        ort_lib: Option<&Path>,
        models_dir: Option<&Path>,
    ) -> Result<FaceMesh, EngineError> {
        let env = inference::runtime(ort_lib)?;
        let dir = inference::locate_models_dir(models_dir)?;
        let model = inference::load_model(env, &dir, FACE_LANDMARK)?;
        Ok(FaceMesh {
            session: Mutex::new(model.session),
        })
    }

    /// How the head of the face detected at `bbox` (`[x, y, width, height]`)
    /// with `eyes` (the one on the picture's left first) is turned, both in
    /// `photo`'s pixels. `None` when the mesh finds no face there.
    pub fn head_turn(
        &self,
        photo: &RgbImage,
        bbox: [f32; 4],
        eyes: [[f32; 2]; 2],
    ) -> Result<Option<HeadTurn>, EngineError> {
        let first = Crop::around_detection(bbox, eyes);
        let Some(points) = self.mesh(photo, &first)? else {
            return Ok(None);
        };
        let in_photo: Vec<[f32; 2]> = points.iter().map(|p| first.point_in_photo(p)).collect();
        let Some(points) = self.mesh(photo, &Crop::around_points(&in_photo))? else {
            return Ok(None);
        };
        let yaw_degrees = yaw_degrees(&points);
        Ok(Some(HeadTurn {
            yaw_degrees,
            facing: Facing::of(yaw_degrees),
        }))
    }

    /// The mesh's points in `crop`'s pixels, or `None` when the model says
    /// there is no face in it.
    fn mesh(&self, photo: &RgbImage, crop: &Crop) -> Result<Option<Vec<[f32; 3]>>, EngineError> {
        let err = run_error(FACE_LANDMARK);
        let input = crop.input(photo);
        let side = SIDE as usize;
        let tensor =
            TensorRef::from_array_view(([1usize, side, side, 3], &*input)).map_err(&err)?;
        let mut session = lock(&self.session);
        let outputs = session.run(ort::inputs![tensor]).map_err(&err)?;
        let output = |name: &str| -> Result<&[f32], EngineError> {
            let value = outputs.get(name).ok_or_else(|| {
                EngineError::Inference(InferenceError::Run {
                    file: FACE_LANDMARK.file.into(),
                    reason: format!("no output named {name}"),
                })
            })?;
            Ok(value.try_extract_tensor::<f32>().map_err(&err)?.1)
        };
        let (points, presence) = (output("conv2d_21")?, output("conv2d_31")?);
        if points.len() != 3 * POINTS {
            return Err(shape_error(FACE_LANDMARK, 3 * POINTS, points.len()));
        }
        if points.iter().chain(presence).any(|v| !v.is_finite()) {
            return Err(EngineError::Inference(InferenceError::Run {
                file: FACE_LANDMARK.file.into(),
                reason: "the mesh is not a number".into(),
            }));
        }
        // A face is present when sigmoid(logit) >= 0.5, that is logit >= 0.
        if presence.first().is_none_or(|&logit| logit < 0.0) {
            return Ok(None);
        }
        Ok(Some(
            points.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect(),
        ))
    }
}

/// The yaw in degrees of a mesh in its crop's pixels (x right, y down, z away
/// from the camera on x's scale): for each mirror-image pair, the angle the
/// line between them makes with the picture in depth; the median of the
/// pairs. Positive when the nose points towards the picture's right, since
/// the right-hand point is then the farther.
fn yaw_degrees(points: &[[f32; 3]]) -> f32 {
    let mut angles = PAIRS.map(|(left, right)| {
        let (a, b) = (points[left], points[right]);
        (b[2] - a[2]).atan2(b[0] - a[0]).to_degrees()
    });
    angles.sort_by(f32::total_cmp);
    (angles[1] + angles[2]) / 2.0
}

/// A square of the photo, `side` pixels across, centred on `centre` and turned
/// by `rotation` radians (y down), seen as the model's 192×192 input.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Crop {
    centre: [f32; 2],
    side: f32,
    rotation: f32,
}

impl Crop {
    /// Around a detected face: centred on its box, eyes level, 1.5 times its
    /// longer edge across.
    fn around_detection(bbox: [f32; 4], eyes: [[f32; 2]; 2]) -> Crop {
        let [x, y, w, h] = bbox;
        let [left, right] = eyes;
        Crop {
            centre: [x + w / 2.0, y + h / 2.0],
            side: MARGIN * w.max(h),
            rotation: (right[1] - left[1]).atan2(right[0] - left[0]),
        }
    }

    /// Around a mesh in the photo's pixels: eyes level by their outer
    /// corners, centred on the points' box in that turned frame, 1.5 times its
    /// longer edge across.
    fn around_points(points: &[[f32; 2]]) -> Crop {
        let (left, right) = (points[EYE_CORNERS.0], points[EYE_CORNERS.1]);
        let rotation = (right[1] - left[1]).atan2(right[0] - left[0]);
        let (sin, cos) = rotation.sin_cos();
        // Each point along the turned frame's axes.
        let (mut lo, mut hi) = ([f32::MAX; 2], [f32::MIN; 2]);
        for p in points {
            let along = [p[0] * cos + p[1] * sin, -p[0] * sin + p[1] * cos];
            for i in 0..2 {
                lo[i] = lo[i].min(along[i]);
                hi[i] = hi[i].max(along[i]);
            }
        }
        let mid = [(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0];
        Crop {
            centre: [mid[0] * cos - mid[1] * sin, mid[0] * sin + mid[1] * cos],
            side: MARGIN * (hi[0] - lo[0]).max(hi[1] - lo[1]),
            rotation,
        }
    }

    /// A point in the crop's pixels (0..192 across) in the photo's pixels.
    fn point_in_photo(&self, point: &[f32; 3]) -> [f32; 2] {
        let scale = self.side / SIDE as f32;
        let half = SIDE as f32 / 2.0;
        let (dx, dy) = ((point[0] - half) * scale, (point[1] - half) * scale);
        let (sin, cos) = self.rotation.sin_cos();
        [
            self.centre[0] + dx * cos - dy * sin,
            self.centre[1] + dx * sin + dy * cos,
        ]
    }

    /// The crop as the model's input: RGB in 0..1, row by row, black past the
    /// photo's edges. Sampled bilinearly from a copy of that part of the photo
    /// shrunk to about the crop's scale, so that each input pixel averages the
    /// photo pixels it covers rather than picking one.
    fn input(&self, photo: &RgbImage) -> Vec<f32> {
        let (source, origin, scale) = self.source(photo);
        let mut input = Vec::with_capacity((SIDE * SIDE * 3) as usize);
        for v in 0..SIDE {
            for u in 0..SIDE {
                // Pixel centres, in continuous coordinates on both sides.
                let [x, y] = self.point_in_photo(&[u as f32 + 0.5, v as f32 + 0.5, 0.0]);
                let rgb = bilinear(
                    &source,
                    (x - origin[0]) * scale[0] - 0.5,
                    (y - origin[1]) * scale[1] - 0.5,
                );
                input.extend(rgb.map(|c| c / 255.0));
            }
        }
        input
    }

    /// The picture to sample, where its corner lies in the photo, and its
    /// pixels per photo pixel: the photo itself when the crop is near the
    /// model's scale, else the part the crop covers, shrunk.
    fn source<'a>(&self, photo: &'a RgbImage) -> (Cow<'a, RgbImage>, [f32; 2], [f32; 2]) {
        let shrink = (self.side / SIDE as f32).floor();
        let (sin, cos) = self.rotation.sin_cos();
        let reach = self.side / 2.0 * (sin.abs() + cos.abs()) + shrink;
        let bound = |c: f32, limit: u32| (c.max(0.0) as u32).min(limit);
        let (x0, x1) = (
            bound(self.centre[0] - reach, photo.width()),
            bound((self.centre[0] + reach).ceil(), photo.width()),
        );
        let (y0, y1) = (
            bound(self.centre[1] - reach, photo.height()),
            bound((self.centre[1] + reach).ceil(), photo.height()),
        );
        let (w, h) = (x1 - x0, y1 - y0);
        if shrink < 2.0 || w == 0 || h == 0 {
            return (Cow::Borrowed(photo), [0.0, 0.0], [1.0, 1.0]);
        }
        let (sw, sh) = (
            ((w as f32 / shrink) as u32).max(1),
            ((h as f32 / shrink) as u32).max(1),
        );
        let part = imageops::crop_imm(photo, x0, y0, w, h).to_image();
        let small = imageops::resize(&part, sw, sh, FilterType::Triangle);
        (
            Cow::Owned(small),
            [x0 as f32, y0 as f32],
            [sw as f32 / w as f32, sh as f32 / h as f32],
        )
    }
}

/// `image` at `(x, y)` in pixel indices, interpolated; black outside.
fn bilinear(image: &RgbImage, x: f32, y: f32) -> [f32; 3] {
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let at = |xi: f32, yi: f32| -> [f32; 3] {
        let inside =
            xi >= 0.0 && yi >= 0.0 && xi < image.width() as f32 && yi < image.height() as f32;
        if inside {
            image.get_pixel(xi as u32, yi as u32).0.map(f32::from)
        } else {
            [0.0; 3]
        }
    };
    let (a, b, c, d) = (
        at(x0, y0),
        at(x0 + 1.0, y0),
        at(x0, y0 + 1.0),
        at(x0 + 1.0, y0 + 1.0),
    );
    std::array::from_fn(|i| {
        let top = a[i] + (b[i] - a[i]) * fx;
        let bottom = c[i] + (d[i] - c[i]) * fx;
        top + (bottom - top) * fy
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A mesh of only the paired points, on a head centred in the crop and
    /// turned by `yaw` degrees (positive: nose to the picture's right).
    fn turned_mesh(yaw: f32) -> Vec<[f32; 3]> {
        let mut points = vec![[96.0, 96.0, 0.0]; POINTS];
        let (sin, cos) = yaw.to_radians().sin_cos();
        // Each pair's half-width and depth behind the nose, facing the camera.
        let shape = [(60.0, 40.0), (55.0, 35.0), (35.0, 20.0), (20.0, 10.0)];
        for ((left, right), (half, depth)) in PAIRS.into_iter().zip(shape) {
            for (index, x) in [(left, -half), (right, half)] {
                // Turned about the vertical axis: the nose, straight towards
                // the camera (-z), swings towards +x.
                points[index] = [96.0 + x * cos - depth * sin, 96.0, x * sin + depth * cos];
            }
        }
        points
    }

    #[test]
    fn the_yaw_of_a_mesh_is_its_turn_positive_when_the_nose_points_right() {
        for yaw in [-40.0, -10.0, 0.0, 10.0, 40.0] {
            let measured = yaw_degrees(&turned_mesh(yaw));
            assert!((measured - yaw).abs() < 0.01, "{yaw}: {measured}");
        }
    }

    #[test]
    fn a_turn_past_the_threshold_reads_as_turned_that_way() {
        assert_eq!(Facing::of(0.0), Facing::Frontal);
        assert_eq!(Facing::of(TURNED_DEGREES), Facing::Frontal);
        assert_eq!(Facing::of(TURNED_DEGREES + 1.0), Facing::TurnedRight);
        assert_eq!(Facing::of(-TURNED_DEGREES - 1.0), Facing::TurnedLeft);
    }

    #[test]
    fn a_point_at_the_crop_s_centre_is_the_crop_s_centre_in_the_photo() {
        let crop =
            Crop::around_detection([100.0, 50.0, 80.0, 100.0], [[120.0, 90.0], [160.0, 90.0]]);
        assert_eq!(crop.point_in_photo(&[96.0, 96.0, 0.0]), [140.0, 100.0]);
        assert_eq!(crop.side, 150.0);
        // Level eyes: the crop's right edge is straight to the right.
        let edge = crop.point_in_photo(&[192.0, 96.0, 0.0]);
        assert!((edge[0] - 215.0).abs() < 1e-3 && (edge[1] - 100.0).abs() < 1e-3);
    }
}
