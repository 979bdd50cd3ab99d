//! The verdict: a decision, one stable reason code, a confidence, and what the
//! checks saw, plus the plain-words message for each reason.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::ModerationError;
use crate::inference::InferenceError;

/// Accept or reject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "ModerationDecision")]
pub enum Decision {
    Accept,
    Reject,
}

/// Why a photo was accepted or rejected. The UI and scripts branch on these
/// codes, so never rename one. Checks run in the order listed (after
/// `accepted`); the first that fails is the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "ModerationReason")]
pub enum Reason {
    /// One clear adult face, safe for work.
    Accepted,
    /// The file is not an image that can be decoded.
    Unreadable,
    /// No face was found.
    NoFace,
    /// More than one person is in the photo.
    MultiplePeople,
    /// The face is too small, too blurry or cut off (or the whole image is tiny).
    UnclearFace,
    /// The estimated age is under 18.
    Minor,
    /// The estimated age is 18 or over but under the youthful threshold: too
    /// close to call, so it is refused.
    AmbiguousYouthful,
    /// The photo is not safe for work.
    Nsfw,
    /// The safety checks could not run (runtime or model missing or broken),
    /// so the photo is refused: moderation fails closed.
    ModerationUnavailable,
}

impl Reason {
    /// The decision this reason implies.
    pub fn decision(self) -> Decision {
        if self == Reason::Accepted {
            Decision::Accept
        } else {
            Decision::Reject
        }
    }

    /// The stable code, e.g. `"multiple_people"`.
    pub fn code(self) -> &'static str {
        match self {
            Reason::Accepted => "accepted",
            Reason::Unreadable => "unreadable",
            Reason::NoFace => "no_face",
            Reason::MultiplePeople => "multiple_people",
            Reason::UnclearFace => "unclear_face",
            Reason::Minor => "minor",
            Reason::AmbiguousYouthful => "ambiguous_youthful",
            Reason::Nsfw => "nsfw",
            Reason::ModerationUnavailable => "moderation_unavailable",
        }
    }
}

/// What a person is told for each reason, in English (the CLI's words; the app
/// words the reason in the user's language). `people` is the number of people
/// found, used by `multiple_people`.
pub fn reason_message(reason: Reason, people: usize) -> String {
    match reason {
        Reason::Accepted => "This photo can be used.".into(),
        Reason::Unreadable => {
            "We couldn't open this file as a photo. Use a JPEG, PNG or WebP image.".into()
        }
        Reason::NoFace => {
            "We couldn't find a face. Use a photo where your face is clearly visible.".into()
        }
        Reason::MultiplePeople => format!("We found {people} people. Use a photo of just you."),
        Reason::UnclearFace => {
            "Your face is too small or blurry. Use a sharper, closer photo.".into()
        }
        Reason::Minor | Reason::AmbiguousYouthful => {
            "Only photos of adults can be used. This check is strict \
             and can't be bypassed, so some adults who look young are refused too."
                .into()
        }
        Reason::Nsfw => {
            "This photo looks like it may contain nudity or adult content, so it can't be used."
                .into()
        }
        Reason::ModerationUnavailable => {
            "Safety checks couldn't run on this computer, so the photo wasn't accepted.".into()
        }
    }
}

/// Age limits for moderation. The youthful threshold can be raised, never
/// lowered below [`Thresholds::MIN_YOUTHFUL_AGE`]: the age model's error near 18
/// is large (adults were estimated as low as 18 to 21), so the margin above 18
/// is what keeps minors out.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, rename = "ModerationThresholds")]
pub struct Thresholds {
    youthful_age: f32,
    adult_age: f32,
    nsfw: f32,
}

impl Thresholds {
    /// The lowest youthful threshold allowed.
    pub const MIN_YOUTHFUL_AGE: f32 = 21.0;
    /// The default: estimates under 25 are refused.
    pub const DEFAULT_YOUTHFUL_AGE: f32 = 25.0;
    /// Under this estimated age the reason is `minor`.
    pub const ADULT_AGE: f32 = 18.0;
    /// An open_nsfw score at or above this is `nsfw`. Yahoo suggests < 0.2 is
    /// safe and > 0.8 very likely NSFW; clothed portraits scored 0.001 to 0.17,
    /// so 0.8 leaves a wide margin against false rejections of normal photos.
    pub const NSFW: f32 = 0.8;

    /// Thresholds with this youthful age; an age below 21 (or not a number) is refused.
    pub fn new(youthful_age: f32) -> Result<Self, ModerationError> {
        if youthful_age.is_nan() || youthful_age < Self::MIN_YOUTHFUL_AGE {
            return Err(ModerationError::YouthfulAgeTooLow(youthful_age));
        }
        Ok(Self {
            youthful_age,
            adult_age: Self::ADULT_AGE,
            nsfw: Self::NSFW,
        })
    }

    pub fn youthful_age(&self) -> f32 {
        self.youthful_age
    }
    pub fn adult_age(&self) -> f32 {
        self.adult_age
    }
    pub fn nsfw(&self) -> f32 {
        self.nsfw
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            youthful_age: Self::DEFAULT_YOUTHFUL_AGE,
            adult_age: Self::ADULT_AGE,
            nsfw: Self::NSFW,
        }
    }
}

/// One detected face.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FaceReport {
    /// `[x, y, width, height]` in the original image's pixels, clipped to the image.
    #[serde(rename = "box")]
    pub bbox: [f32; 4],
    /// Detector confidence, 0..1.
    pub score: f32,
    /// Left eye, right eye, nose, left and right mouth corners, as `[x, y]` in
    /// the original image's pixels (not clipped: a landmark of a face cut off
    /// at the border may lie outside the image). Framing anchors on the eyes.
    pub landmarks: [[f32; 2]; 5],
    /// Estimated age, for the main face once it passed the quality checks.
    pub age: Option<f32>,
}

impl FaceReport {
    /// The box as `[x1, y1, x2, y2]`, the form [`super::detect::iou`] takes.
    pub fn corners(&self) -> [f32; 4] {
        let [x, y, w, h] = self.bbox;
        [x, y, x + w, y + h]
    }
}

/// The outcome of moderating one photo.
///
/// `confidence` (0..1) is the strength of the evidence for `reason`:
/// - `accepted`: the weakest link, min(detector score, age margin, 1 − nsfw), where
///   the age margin is (age − youthful threshold) / 10 years, capped at 1;
/// - `no_face`: 1 − the strongest heatmap value anywhere (how far from a face);
/// - `multiple_people`: the detector score of the second person;
/// - `unclear_face`: 1 for a size or framing rule; for blur,
///   0.5 + 0.5 · (1 − sharpness / threshold);
/// - `minor` / `ambiguous_youthful`: 0.5 + (limit − age) / 10, capped at 1;
/// - `nsfw`: the nsfw score;
/// - `unreadable`, `moderation_unavailable`: 1.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Verdict {
    pub decision: Decision,
    pub reason: Reason,
    pub confidence: f32,
    /// What a person is told (see [`reason_message`]).
    pub message: String,
    /// Every face found, largest first.
    pub faces: Vec<FaceReport>,
    /// Faces large enough to count as people (see `moderation::PERSON_AREA_RATIO`).
    pub people: u32,
    /// The open_nsfw score, when that check ran.
    pub nsfw_score: Option<f32>,
    /// sha256 of each model used, by file name.
    pub model_hashes: BTreeMap<String, String>,
    pub thresholds: Thresholds,
    /// Time taken, decoding included when the input was a file or bytes.
    pub elapsed_ms: f64,
}

impl Verdict {
    /// A verdict for `reason` with nothing else seen.
    pub fn bare(reason: Reason, confidence: f32, thresholds: Thresholds) -> Self {
        Self {
            decision: reason.decision(),
            reason,
            confidence: confidence.clamp(0.0, 1.0),
            message: reason_message(reason, 0),
            faces: Vec::new(),
            people: 0,
            nsfw_score: None,
            model_hashes: BTreeMap::new(),
            thresholds,
            elapsed_ms: 0.0,
        }
    }

    /// Fail closed: the checks could not run, so the photo is refused.
    pub fn unavailable(thresholds: Thresholds) -> Self {
        Self::bare(Reason::ModerationUnavailable, 1.0, thresholds)
    }

    /// The file could not be decoded.
    pub fn unreadable(thresholds: Thresholds) -> Self {
        Self::bare(Reason::Unreadable, 1.0, thresholds)
    }

    pub fn is_accepted(&self) -> bool {
        self.decision == Decision::Accept
    }
}

/// A model's score as a number to decide on. NaN or an infinity means the
/// model misbehaved: an inference error, so moderation fails closed
/// (`moderation_unavailable`) instead of letting comparisons with NaN (all
/// false) fall through to `accepted`.
pub fn finite_score(score: f32, model: &str) -> Result<f32, InferenceError> {
    if score.is_finite() {
        Ok(score)
    } else {
        Err(InferenceError::Run {
            file: model.to_owned(),
            reason: format!("it gave a score that is not a number ({score})"),
        })
    }
}

/// The last checks, on the main face once it is clear enough to judge: under
/// 18 is `minor`, under the youthful threshold `ambiguous_youthful`, an NSFW
/// score at or over its threshold `nsfw`, else `accepted`. `nsfw` runs only
/// when the age passes (it costs a model run). Returns the reason, its
/// confidence (see [`Verdict`]) and the NSFW score when it ran. Any score
/// that is not a finite number is an error (see [`finite_score`]).
pub fn judge_scores(
    detector_score: f32,
    age: f32,
    nsfw: impl FnOnce() -> Result<f32, InferenceError>,
    t: Thresholds,
) -> Result<(Reason, f32, Option<f32>), InferenceError> {
    let detector_score = finite_score(detector_score, crate::inference::CENTERFACE.file)?;
    let age = finite_score(age, crate::inference::AGE.file)?;
    if age < Thresholds::ADULT_AGE {
        let confidence = 0.5 + (Thresholds::ADULT_AGE - age) / 10.0;
        return Ok((Reason::Minor, confidence, None));
    }
    if age < t.youthful_age() {
        let confidence = 0.5 + (t.youthful_age() - age) / 10.0;
        return Ok((Reason::AmbiguousYouthful, confidence, None));
    }
    let nsfw = finite_score(nsfw()?, crate::inference::NSFW.file)?;
    if nsfw >= t.nsfw() {
        return Ok((Reason::Nsfw, nsfw, Some(nsfw)));
    }
    let age_margin = ((age - t.youthful_age()) / 10.0).min(1.0);
    let confidence = detector_score.min(age_margin).min(1.0 - nsfw);
    Ok((Reason::Accepted, confidence, Some(nsfw)))
}

/// Whether a generated image (or a style picture) with this open_nsfw score
/// may be kept: only a finite score under the threshold is safe.
pub fn is_safe_score(nsfw: f32, t: Thresholds) -> bool {
    nsfw.is_finite() && nsfw < t.nsfw()
}
