//! The built-in backend: Likeness's own on-device engines, run at the input's
//! full resolution (HD is tiled), with the app's moderation rules on the
//! server too (never trust the client): a style job's input must be one adult
//! with a clear face; an HD job's may be a painting where no face is found,
//! but then must pass the NSFW check itself; every output must pass it. Moderation fails closed:
//! if its models cannot load the worker does not start, and if a check cannot
//! run the job fails without output.

use std::path::Path;

use image::{DynamicImage, RgbImage};
use likeness_cloud_api::JobKind;
use likeness_core::engines::{EngineError, UpscaleFactor};
use likeness_core::generation::{check_output, Engines, GenerationError};
use likeness_core::imaging::{self, StoredFormat};
use likeness_core::inference::{self, Accelerator, InferenceError, Provider};
use likeness_core::moderation::{ModerationError, Moderator, Reason, Thresholds};

use super::{Backend, BackendError, Control, Output, Work};
use crate::params::JobParams;

/// Likeness's engines and moderator, loaded once per worker.
pub struct LikenessBackend {
    moderator: Moderator,
    engines: Engines,
    /// Where the models run: CUDA on a GPU build of ONNX Runtime, else the CPU.
    pub provider: Provider,
}

/// Why the backend could not load.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("moderation cannot run, so no job will be taken: {0}")]
    Moderation(#[from] ModerationError),
    #[error("the engines cannot load: {0}")]
    Engines(#[from] EngineError),
    #[error("ONNX Runtime cannot load: {0}")]
    Runtime(#[from] InferenceError),
}

impl LikenessBackend {
    /// Load ONNX Runtime on `accelerator`, then the models
    /// (`LIKENESS_ORT_LIB` and `LIKENESS_MODELS_DIR` when the paths are not
    /// given). The runtime is loaded first so that every model runs there.
    pub fn load(
        ort_lib: Option<&Path>,
        models_dir: Option<&Path>,
        accelerator: Accelerator,
    ) -> Result<Self, LoadError> {
        inference::disable_runtime_telemetry();
        let provider = inference::runtime_on(ort_lib, accelerator)?.provider;
        let moderator = Moderator::load(ort_lib, models_dir, Thresholds::default())?;
        let engines = Engines::load(ort_lib, models_dir)?;
        Ok(LikenessBackend {
            moderator,
            engines,
            provider,
        })
    }
}

fn failed(code: &str, message: impl ToString) -> BackendError {
    BackendError::Failed {
        code: code.to_owned(),
        message: message.to_string(),
    }
}

fn engine_error(error: EngineError) -> BackendError {
    match error {
        EngineError::Cancelled => BackendError::Stopped,
        other => failed("engine_failed", other),
    }
}

impl LikenessBackend {
    /// Whether `input` may be worked on. A style job paints a photo of a
    /// person: one adult with a clear face, exactly as an import. An HD job
    /// upscales what may already be a painting of them, where the face
    /// finder can miss the face: none found is fine there, but then the
    /// picture itself must pass the NSFW check; a face it does find must
    /// still be one adult's.
    fn admit(&self, kind: JobKind, input: &DynamicImage) -> Result<(), BackendError> {
        let verdict = self.moderator.moderate(input);
        let hd = matches!(kind, JobKind::HdX2 | JobKind::HdX4);
        match verdict.reason {
            Reason::Accepted => Ok(()),
            Reason::NoFace | Reason::UnclearFace if hd => {
                match check_output(Ok(&self.moderator), &input.to_rgb8()) {
                    Ok(()) => Ok(()),
                    Err(GenerationError::UnsafeOutput) => Err(BackendError::Refused {
                        code: "nsfw".into(),
                        message: "This picture looks like it may contain nudity or adult content."
                            .into(),
                    }),
                    Err(other) => Err(failed("moderation_unavailable", other)),
                }
            }
            Reason::ModerationUnavailable => Err(failed("moderation_unavailable", verdict.message)),
            reason => Err(BackendError::Refused {
                code: reason.code().to_owned(),
                message: verdict.message,
            }),
        }
    }
}

impl Backend for LikenessBackend {
    fn name(&self) -> &'static str {
        "likeness"
    }

    fn run(&self, work: &Work<'_>, control: &Control) -> Result<Output, BackendError> {
        let photo = imaging::sniff(work.input)
            .and_then(|format| imaging::decode(work.input, format))
            .map_err(|e| BackendError::Refused {
                code: "unreadable".into(),
                message: e.to_string(),
            })?;
        self.admit(work.kind, &photo)?;
        control.report(0.1);
        let photo: RgbImage = photo.into_rgb8();
        let stop = || control.should_stop();
        let mut progress = |f: f32| control.report(0.1 + 0.85 * f);
        let made = match (work.kind, work.params) {
            (JobKind::Style, JobParams::Style { mix, strength }) => {
                self.engines
                    .stylist
                    .stylize(&photo, mix, *strength, &stop, &mut progress)
            }
            (JobKind::HdX2, JobParams::Hd) => {
                self.engines
                    .upscaler
                    .upscale(&photo, UpscaleFactor::X2, &stop, &mut progress)
            }
            (JobKind::HdX4, JobParams::Hd) => {
                self.engines
                    .upscaler
                    .upscale(&photo, UpscaleFactor::X4, &stop, &mut progress)
            }
            (kind, _) => {
                return Err(failed(
                    "bad_params",
                    format!("the parameters are not those of a {} job", kind.as_str()),
                ))
            }
        }
        .map_err(engine_error)?;
        match check_output(Ok(&self.moderator), &made) {
            Ok(()) => {}
            Err(GenerationError::UnsafeOutput) => {
                return Err(BackendError::Refused {
                    code: "unsafe_output".into(),
                    message: "The result did not pass the safety check, so it was discarded."
                        .into(),
                })
            }
            Err(other) => return Err(failed("moderation_unavailable", other)),
        }
        let (width, height) = made.dimensions();
        let png = imaging::encode(&DynamicImage::ImageRgb8(made), StoredFormat::Png)
            .map_err(|e| failed("encode_failed", e))?;
        control.report(1.0);
        Ok(Output { png, width, height })
    }
}
