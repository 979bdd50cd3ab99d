//! On-device moderation of portraits: one adult, face clearly visible, safe
//! for work. Runs CenterFace (faces and landmarks), an age model on an aligned
//! face chip, and open_nsfw, all on the CPU through ONNX Runtime.
//!
//! Checks run in a fixed order and the first that fails decides:
//! unreadable → no_face → multiple_people → unclear_face → minor →
//! ambiguous_youthful → nsfw → accepted. An image too small to judge
//! (short side under `quality::MIN_IMAGE_SIDE`) is `unclear_face` before
//! detection runs. Moderation fails closed: if the runtime or a model cannot
//! load, or inference fails, the verdict is `moderation_unavailable` (reject).

pub mod age;
pub mod decision;
pub mod detect;
pub mod input;
pub mod nsfw;
pub mod quality;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use crate::sync::lock;
use std::time::Instant;

use image::{DynamicImage, RgbImage};
use ort::session::Session;

pub use decision::{
    finite_score, is_safe_score, judge_scores, reason_message, Decision, FaceReport, Reason,
    Thresholds, Verdict,
};

use crate::imaging;
use crate::inference::{self, InferenceError, AGE, CENTERFACE, NSFW};
use detect::Detection;
pub use input::Analysis;
use quality::Unclear;

/// A second face counts as another person when its box area is at least this
/// share of the largest face's. A friend beside you (similar size) counts; a
/// stranger far in the background (a quarter of the size or less in area, i.e.
/// half the height) does not.
pub const PERSON_AREA_RATIO: f32 = 0.25;

/// Why the moderator could not be set up.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModerationError {
    #[error(transparent)]
    Inference(#[from] InferenceError),
    #[error("The youthful-age threshold must be at least 21 years (got {0}).")]
    YouthfulAgeTooLow(f32),
}

/// The loaded models, ready to moderate photos. Share one per process: each
/// model runs one photo at a time (ONNX Runtime sessions need exclusive access).
#[derive(Debug)]
pub struct Moderator {
    detector: Mutex<Session>,
    age: Mutex<Session>,
    nsfw: Mutex<Session>,
    hashes: BTreeMap<String, String>,
    thresholds: Thresholds,
}

impl Moderator {
    /// Load ONNX Runtime (see `inference::runtime` for the lookup order) and the
    /// three models from `models_dir` (see `inference::locate_models_dir`),
    /// verifying each model's sha256.
    pub fn load(
        ort_lib: Option<&Path>,
        models_dir: Option<&Path>,
        thresholds: Thresholds,
    ) -> Result<Moderator, ModerationError> {
        let env = inference::runtime(ort_lib)?;
        let dir = inference::locate_models_dir(models_dir)?;
        let detector = inference::load_model(env, &dir, CENTERFACE)?;
        let age = inference::load_model(env, &dir, AGE)?;
        let nsfw = inference::load_model(env, &dir, NSFW)?;
        let hashes = [CENTERFACE, AGE, NSFW]
            .iter()
            .map(|m| (m.file.to_owned(), m.sha256.to_owned()))
            .collect();
        Ok(Moderator {
            detector: Mutex::new(detector.session),
            age: Mutex::new(age.session),
            nsfw: Mutex::new(nsfw.session),
            hashes,
            thresholds,
        })
    }

    /// Whether a generated image is safe to show: its open_nsfw score is a
    /// number under the NSFW threshold (see [`is_safe_score`]). Outputs are
    /// checked like imports.
    pub fn is_safe_output(&self, image: &RgbImage) -> Result<bool, InferenceError> {
        let score = nsfw::score(&mut lock(&self.nsfw), image)?;
        Ok(is_safe_score(score, self.thresholds))
    }

    pub fn thresholds(&self) -> Thresholds {
        self.thresholds
    }

    /// Moderate a decoded, upright image.
    pub fn moderate(&self, image: &DynamicImage) -> Verdict {
        self.moderate_under(&Analysis::of(image), self.thresholds)
    }

    /// Moderate a working copy under `thresholds` (the user's setting, which
    /// can only be stricter than the floor `Thresholds` allows).
    pub fn moderate_under(&self, analysis: &Analysis, thresholds: Thresholds) -> Verdict {
        let start = Instant::now();
        let mut verdict = self.finish(self.evaluate(analysis, thresholds), start);
        verdict.thresholds = thresholds;
        verdict
    }

    /// Decode `bytes` (under the import caps) and moderate them; a file that
    /// does not decode is `unreadable`.
    pub fn moderate_bytes(&self, bytes: &[u8]) -> Verdict {
        let start = Instant::now();
        let verdict = match input::decode(bytes) {
            Ok(analysis) => self.evaluate(&analysis, self.thresholds),
            Err(_) => Ok(Verdict::unreadable(self.thresholds)),
        };
        self.finish(verdict, start)
    }

    /// Read, decode and moderate the file at `path`; a file that cannot be read
    /// or decoded is `unreadable`.
    pub fn moderate_file(&self, path: &Path) -> Verdict {
        let start = Instant::now();
        let verdict = match imaging::read_capped(path) {
            Ok(bytes) => return self.finish_from(self.moderate_bytes(&bytes), start),
            Err(_) => Ok(Verdict::unreadable(self.thresholds)),
        };
        self.finish(verdict, start)
    }

    fn finish_from(&self, mut verdict: Verdict, start: Instant) -> Verdict {
        verdict.elapsed_ms = start.elapsed().as_secs_f64() * 1000.0;
        verdict
    }

    fn finish(&self, verdict: Result<Verdict, InferenceError>, start: Instant) -> Verdict {
        let mut verdict = verdict.unwrap_or_else(|_| Verdict::unavailable(self.thresholds));
        verdict.model_hashes = self.hashes.clone();
        self.finish_from(verdict, start)
    }

    /// Run the checks in order; an inference error is returned (and becomes
    /// `moderation_unavailable`).
    fn evaluate(&self, analysis: &Analysis, t: Thresholds) -> Result<Verdict, InferenceError> {
        // The NSFW model needs only the picture: it runs on the other core
        // while the face checks run, and is used only if they all pass.
        std::thread::scope(|s| {
            let nsfw = s.spawn(|| nsfw::score(&mut lock(&self.nsfw), &analysis.image));
            let nsfw = || nsfw.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            self.evaluate_faces(analysis, t, nsfw)
        })
    }

    /// The checks in order, with the NSFW score from `nsfw` once a face passed.
    fn evaluate_faces(
        &self,
        analysis: &Analysis,
        t: Thresholds,
        nsfw: impl FnOnce() -> Result<f32, InferenceError>,
    ) -> Result<Verdict, InferenceError> {
        let (ow, oh) = analysis.original;
        if ow.min(oh) < quality::MIN_IMAGE_SIDE {
            return Ok(Verdict::bare(Reason::UnclearFace, 1.0, t));
        }
        let image = &analysis.image;
        // Working-copy pixels → original pixels.
        let (sx, sy) = (
            ow as f32 / image.width() as f32,
            oh as f32 / image.height() as f32,
        );
        let to_original = |b: [f32; 4]| [b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy];
        let point_to_original = |(x, y): (f32, f32)| [x * sx, y * sy];

        let found = detect::detect(&mut lock(&self.detector), image)?;
        let mut faces = found.faces;
        faces.sort_by(|a, b| b.area().total_cmp(&a.area()));
        let mut reports: Vec<FaceReport> = faces
            .iter()
            .map(|d| FaceReport {
                bbox: clipped_xywh(to_original(d.bbox), ow as f32, oh as f32),
                score: d.score,
                landmarks: d.landmarks.map(point_to_original),
                age: None,
            })
            .collect();
        let verdict =
            |reason: Reason, confidence: f32, people: usize, reports: Vec<FaceReport>| Verdict {
                faces: reports,
                people: people as u32,
                message: reason_message(reason, people),
                ..Verdict::bare(reason, confidence, t)
            };

        let Some(main) = faces.first().copied() else {
            return Ok(verdict(Reason::NoFace, 1.0 - found.peak, 0, reports));
        };
        let people: Vec<&Detection> = faces
            .iter()
            .filter(|d| d.area() >= PERSON_AREA_RATIO * main.area())
            .collect();
        if people.len() > 1 {
            return Ok(verdict(
                Reason::MultiplePeople,
                people[1].score,
                people.len(),
                reports,
            ));
        }

        if let Err(why) =
            quality::check(analysis.original, to_original(main.bbox), image, main.bbox)
        {
            let confidence = match why {
                Unclear::Blurry { sharpness } => {
                    0.5 + 0.5 * (1.0 - sharpness / quality::MIN_SHARPNESS)
                }
                _ => 1.0,
            };
            return Ok(verdict(Reason::UnclearFace, confidence, 1, reports));
        }

        let chip = age::aligned_chip(image, main.landmarks[0], main.landmarks[1]);
        let age = age::estimate(&mut lock(&self.age), &chip)?;
        let (reason, confidence, nsfw) = judge_scores(main.score, age, nsfw, t)?;
        reports[0].age = Some(age);
        Ok(Verdict {
            nsfw_score: nsfw,
            ..verdict(reason, confidence, 1, reports)
        })
    }
}

/// Moderate with a moderator that may have failed to load: a load error means
/// `moderation_unavailable`, never an accept.
pub fn moderate_with(
    moderator: Result<&Moderator, &ModerationError>,
    analysis: &Analysis,
    thresholds: Thresholds,
) -> Verdict {
    match moderator {
        Ok(m) => m.moderate_under(analysis, thresholds),
        Err(_) => Verdict::unavailable(thresholds),
    }
}

/// `[x1, y1, x2, y2]` → `[x, y, w, h]` clipped to a `width`×`height` image.
fn clipped_xywh(b: [f32; 4], width: f32, height: f32) -> [f32; 4] {
    let x1 = b[0].clamp(0.0, width);
    let y1 = b[1].clamp(0.0, height);
    let x2 = b[2].clamp(0.0, width);
    let y2 = b[3].clamp(0.0, height);
    [x1, y1, x2 - x1, y2 - y1]
}

/// The moderator, or why it could not load (then every check fails closed).
pub type ModeratorHandle = Result<std::sync::Arc<Moderator>, ModerationError>;

/// The moderator, loaded on first use so that opening a data folder (and the
/// app's first paint) does not wait for the models, and let go when idle
/// ([`crate::idle`]). Shared by every feature that checks a picture.
pub struct LazyModerator(crate::idle::Idle<Moderator, ModerationError>);

impl LazyModerator {
    pub fn new(load: impl Fn() -> ModeratorHandle + Send + Sync + 'static) -> Self {
        Self(crate::idle::Idle::new(load))
    }

    /// The moderator, loading it if it is not held (callers meanwhile wait).
    pub fn get(&self) -> ModeratorHandle {
        self.0.get()
    }

    /// Let the models go if no picture was checked for `after`.
    pub fn release_if_idle(&self, after: std::time::Duration) -> bool {
        self.0.release_if_idle(after)
    }
}
