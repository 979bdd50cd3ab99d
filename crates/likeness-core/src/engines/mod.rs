//! On-device engines: painterly styles, style from a picture, HD upscaling,
//! the background behind the person, and which way the head is turned.
//!
//! The engines hold the ONNX sessions, each behind its own `Mutex` (a session
//! runs one image at a time), loaded and sha256-verified through
//! `inference::load_model` with the same runtime and models-folder lookup as
//! moderation:
//! - [`Stylist`]: the 26 built-in styles (`multistyle26.onnx`) and any picture
//!   as the style (`arbitrary_predict.onnx` + `arbitrary_transform.onnx`);
//! - [`Upscaler`]: ESRGAN slim ×2 and ×4, tiled so memory stays bounded,
//!   into memory or streamed straight into a PNG file;
//! - [`Segmenter`]: the person's mask (`selfie_segmentation.onnx`), to blur
//!   or replace the background behind them;
//! - [`FaceMesh`]: MediaPipe's face mesh (`face_landmark.onnx`), for the
//!   head's yaw: whether a photo faces the camera.
//!
//! Every long operation takes an `is_cancelled` check, polled between model
//! runs (each well under a second on 2 cores), and a `progress` callback that
//! receives increasing values ending at 1.0 on success. A cancel returns
//! [`EngineError::Cancelled`]. Results are deterministic: the same input and
//! settings give the same bytes.

pub mod background;
pub mod head_turn;
pub mod style_image;
pub mod styles;
mod tiles;
pub mod upscale;

use std::path::Path;
use std::sync::Mutex;

use image::RgbImage;
use ort::session::Session;

pub use background::{Background, Segmenter};
pub use head_turn::{FaceMesh, Facing, HeadTurn};
pub use style_image::StyleVector;
pub use styles::{Style, StyleError, StyleInfo, StyleMix, STYLES, STYLE_COUNT};
pub use upscale::{Tiling, UpscaleFactor, Upscaler};

use crate::error::{Coded, ErrorCode};
use crate::inference::{
    self, InferenceError, ModelSpec, MULTISTYLE, STYLE_PREDICT, STYLE_TRANSFORM,
};
use crate::sync::lock;

/// Returns true once the user has asked to stop; polled between model runs.
pub type IsCancelled<'a> = &'a dyn Fn() -> bool;
/// Receives the fraction done (0..1), increasing.
pub type Progress<'a> = &'a mut dyn FnMut(f32);

/// Why an engine could not load or finish.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    #[error("Cancelled.")]
    Cancelled,
    #[error(transparent)]
    Inference(#[from] InferenceError),
    #[error(transparent)]
    Style(#[from] StyleError),
    #[error("Strength must be between 0 and 1 (got {0}).")]
    InvalidStrength(f32),
    #[error("The image is {width}×{height}; both sides need at least {min} pixels.")]
    ImageTooSmall { width: u32, height: u32, min: u32 },
    #[error("The result would be {width}×{height} pixels, more than can be made here.")]
    ResultTooLarge { width: u64, height: u64 },
    #[error("Could not write {path}: {reason}")]
    Write { path: String, reason: String },
    #[error("{0}")]
    InvalidBackground(String),
}

impl Coded for EngineError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::Cancelled => ErrorCode::Cancelled,
            Self::Inference(InferenceError::Run { .. }) => ErrorCode::GenerationFailed,
            Self::Inference(_) => ErrorCode::EngineUnavailable,
            Self::Write { .. } => ErrorCode::Io,
            Self::Style(_)
            | Self::InvalidStrength(_)
            | Self::ImageTooSmall { .. }
            | Self::ResultTooLarge { .. }
            | Self::InvalidBackground(_) => ErrorCode::InvalidInput,
        }
    }
}

/// The style engines, ready to restyle photos. Share one per process.
#[derive(Debug)]
pub struct Stylist {
    multistyle: Mutex<Session>,
    predict: Mutex<Session>,
    transform: Mutex<Session>,
}

impl Stylist {
    /// Load ONNX Runtime (see `inference::runtime`) and the three style models
    /// from `models_dir` (see `inference::locate_models_dir`), verifying each
    /// model's sha256.
    pub fn load(ort_lib: Option<&Path>, models_dir: Option<&Path>) -> Result<Stylist, EngineError> {
        let env = inference::runtime(ort_lib)?;
        let dir = inference::locate_models_dir(models_dir)?;
        let load = |spec| inference::load_model(env, &dir, spec).map(|m| Mutex::new(m.session));
        Ok(Stylist {
            multistyle: load(MULTISTYLE)?,
            predict: load(STYLE_PREDICT)?,
            transform: load(STYLE_TRANSFORM)?,
        })
    }
}

fn check_cancel(is_cancelled: IsCancelled) -> Result<(), EngineError> {
    if is_cancelled() {
        Err(EngineError::Cancelled)
    } else {
        Ok(())
    }
}

fn check_strength(strength: f32) -> Result<f32, EngineError> {
    if (0.0..=1.0).contains(&strength) {
        Ok(strength)
    } else {
        Err(EngineError::InvalidStrength(strength))
    }
}

fn check_min_side(image: &RgbImage, min: u32) -> Result<(), EngineError> {
    let (width, height) = image.dimensions();
    if width.min(height) < min {
        return Err(EngineError::ImageTooSmall { width, height, min });
    }
    Ok(())
}

/// An ONNX Runtime failure while running `spec`.
fn run_error(spec: ModelSpec) -> impl Fn(ort::Error) -> EngineError {
    move |e| {
        EngineError::Inference(InferenceError::Run {
            file: spec.file.into(),
            reason: e.to_string(),
        })
    }
}

/// An output of the wrong size from `spec`.
fn shape_error(spec: ModelSpec, expected: usize, got: usize) -> EngineError {
    EngineError::Inference(InferenceError::Run {
        file: spec.file.into(),
        reason: format!("expected {expected} output values, got {got}"),
    })
}

/// A model output in 0..1 as a pixel value.
#[inline]
fn unit_to_u8(v: f32) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0 + 0.5) as u8
}

/// Blend per pixel: `strength` 0 is `original`, 1 is `styled` (same size).
/// Done in place on `styled`.
pub fn apply_strength(original: &RgbImage, styled: &mut RgbImage, strength: f32) {
    if strength >= 1.0 {
        return;
    }
    for (s, &o) in styled.iter_mut().zip(original.iter()) {
        let (sf, of) = (f32::from(*s), f32::from(o));
        *s = (of + (sf - of) * strength + 0.5).clamp(0.0, 255.0) as u8;
    }
}
