//! The studio: turns generation settings into images with the on-device
//! engines. It is the job runner behind the queue, and the CLI calls the same
//! steps directly.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use image::{DynamicImage, RgbImage};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::engines::{EngineError, Style, StyleMix, Stylist, UpscaleFactor, Upscaler};
use super::framing::{self, FaceAnchor, Frame, Framing, Orientation};
use crate::error::{ApiError, ErrorCode};
use crate::imaging;
use crate::inference::{
    ModelSpec, ESRGAN_X2, ESRGAN_X4, MULTISTYLE, NSFW, STYLE_PREDICT, STYLE_TRANSFORM,
};
use crate::jobs::{Job, JobContext, JobError, JobKind, JobRunner, NewOutput};
use crate::library::Library;
use crate::moderation::{moderate_with, Analysis, ModerationError, Moderator, Thresholds, Verdict};
use crate::vault::is_sha256_hex;

/// Key, in an output's recorded settings, of the part of the photo it was cut
/// from: `{x, y, w, h, photoWidth, photoHeight}` (may reach past the photo).
pub const SOURCE_CROP: &str = "sourceCrop";

/// Long side of a preview, in pixels: fast on the device, big enough to judge.
pub const PREVIEW_LONG_SIDE: u32 = 512;

/// What the user chose in the Studio. Stored with every job and output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct GenerationSettings {
    pub framing: Framing,
    pub orientation: Orientation,
    pub style: StyleChoice,
    /// 0 = the photo, 1 = the full style.
    pub strength: f32,
    /// Recorded so a result can be made again; the on-device engines are
    /// deterministic, so the same settings and seed give the same image.
    #[ts(type = "number")]
    pub seed: i64,
    /// Set on HD outputs: the upscale factor applied to the preview.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hd_factor: Option<u8>,
}

/// A built-in style blend, or a picture of the user's own as the style.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum StyleChoice {
    /// One or two built-in styles with weights.
    Preset { mix: Vec<(String, f32)> },
    /// A style picture stored in the vault (see [`Library::import_style_picture`]).
    Picture {
        #[serde(rename = "pictureSha256")]
        picture_sha256: String,
    },
}

/// A picture stored to be used as a style.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct StylePicture {
    pub sha256: String,
}

impl GenerationSettings {
    /// The key the History filters styles by: the strongest built-in style, or `picture`.
    pub fn style_key(&self) -> String {
        match &self.style {
            StyleChoice::Preset { mix } => mix
                .iter()
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(id, _)| id.clone())
                .unwrap_or_default(),
            StyleChoice::Picture { .. } => "picture".into(),
        }
    }

    /// The settings as stored with a job: JSON with `styleKey` for the History filter.
    pub fn to_job_json(&self) -> String {
        let mut value = serde_json::to_value(self).expect("plain data serializes");
        value["styleKey"] = self.style_key().into();
        value.to_string()
    }

    /// Check the choices before a job is queued, so bad input fails at once.
    pub fn validate(&self) -> Result<(), ApiError> {
        if !(0.0..=1.0).contains(&self.strength) {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "Strength must be between 0 and 100%.",
            ));
        }
        match &self.style {
            StyleChoice::Preset { mix } => drop(self.mix(mix)?),
            StyleChoice::Picture { picture_sha256 } if !is_sha256_hex(picture_sha256) => {
                return Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    "The style picture must be named by its sha256 (64 hex digits).",
                ))
            }
            StyleChoice::Picture { .. } => {}
        }
        Ok(())
    }

    fn mix(&self, parts: &[(String, f32)]) -> Result<StyleMix, ApiError> {
        let parts: Vec<(&str, f32)> = parts.iter().map(|(id, w)| (id.as_str(), *w)).collect();
        StyleMix::new(&parts).map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.to_string()))
    }
}

/// The on-device engines, loaded together.
pub struct Engines {
    pub stylist: Stylist,
    pub upscaler: Upscaler,
}

impl Engines {
    pub fn load(ort_lib: Option<&Path>, models_dir: Option<&Path>) -> Result<Engines, EngineError> {
        Ok(Engines {
            stylist: Stylist::load(ort_lib, models_dir)?,
            upscaler: Upscaler::load(ort_lib, models_dir)?,
        })
    }
}

/// Frame an accepted portrait and restyle it: the preview, and the frame it
/// was cut from (in the photo's pixels).
pub fn render_preview(
    engines: &Engines,
    photo: &RgbImage,
    face: &FaceAnchor,
    settings: &GenerationSettings,
    style_picture: Option<&RgbImage>,
    is_cancelled: &dyn Fn() -> bool,
    progress: &mut dyn FnMut(f32),
) -> Result<(RgbImage, Frame), ApiError> {
    settings.validate()?;
    let invalid = |e: framing::FramingError| ApiError::from(e);
    let frame = framing::plan(
        photo.width(),
        photo.height(),
        face,
        settings.framing,
        settings.orientation,
    )
    .map_err(invalid)?;
    let framed = framing::render(photo, &frame, PREVIEW_LONG_SIDE).map_err(invalid)?;
    progress(0.1);
    let mut styled_progress = |f: f32| progress(0.1 + 0.9 * f);
    let styled = match (&settings.style, style_picture) {
        (StyleChoice::Preset { mix }, _) => engines.stylist.stylize(
            &framed,
            &settings.mix(mix)?,
            settings.strength,
            is_cancelled,
            &mut styled_progress,
        ),
        (StyleChoice::Picture { .. }, Some(picture)) => engines.stylist.stylize_with_picture(
            &framed,
            picture,
            settings.strength,
            is_cancelled,
            &mut styled_progress,
        ),
        (StyleChoice::Picture { .. }, None) => {
            return Err(ApiError::new(
                ErrorCode::NotFound,
                "The style picture is missing.",
            ))
        }
    };
    styled.map(|image| (image, frame)).map_err(engine_error)
}

/// Map an engine failure to the `{code, message}` the UI shows.
pub fn engine_error(e: EngineError) -> ApiError {
    let code = match &e {
        EngineError::Cancelled => ErrorCode::Cancelled,
        EngineError::Inference(crate::inference::InferenceError::Run { .. }) => {
            ErrorCode::GenerationFailed
        }
        EngineError::Inference(_) => ErrorCode::EngineUnavailable,
        EngineError::Write { .. } => ErrorCode::Io,
        _ => ErrorCode::InvalidInput,
    };
    ApiError::new(code, e.to_string())
}

/// Refuse an output that fails the NSFW check (or when the check cannot run).
pub fn check_output(
    moderator: Result<&Moderator, &crate::moderation::ModerationError>,
    image: &RgbImage,
) -> Result<(), ApiError> {
    let moderator =
        moderator.map_err(|e| ApiError::new(ErrorCode::EngineUnavailable, e.to_string()))?;
    match moderator.is_safe_output(image) {
        Ok(true) => Ok(()),
        Ok(false) => Err(ApiError::new(
            ErrorCode::UnsafeOutput,
            "The result didn't pass the safety check, so it was discarded.",
        )),
        Err(e) => Err(ApiError::new(ErrorCode::EngineUnavailable, e.to_string())),
    }
}

/// What [`generate_once`] made of a photo.
#[derive(Debug)]
pub enum OneOff {
    /// The photo was accepted; `image` was made from the very pixels moderated.
    Made { image: RgbImage, verdict: Verdict },
    /// The photo was refused (or could not be decoded); nothing was made.
    Refused(Verdict),
}

/// Generate from a photo given as bytes, with no library (the CLI's
/// `generate`): decode the bytes once, moderate those pixels under
/// `thresholds`, and frame, restyle and (if `settings` ask) upscale the same
/// pixels, then check the result. The caller reads the file once and has
/// checked consent; `load_engines` runs only for an accepted photo.
pub fn generate_once(
    moderator: Result<&Moderator, &ModerationError>,
    thresholds: Thresholds,
    load_engines: impl FnOnce() -> Result<Engines, EngineError>,
    bytes: &[u8],
    settings: &GenerationSettings,
) -> Result<OneOff, ApiError> {
    settings.validate()?;
    let decoded = imaging::sniff(bytes).and_then(|format| imaging::decode(bytes, format));
    let Ok(photo) = decoded else {
        return Ok(OneOff::Refused(Verdict::unreadable(thresholds)));
    };
    let verdict = moderate_with(moderator, &Analysis::of(&photo), thresholds);
    let Some(face) = verdict.faces.first().filter(|_| verdict.is_accepted()) else {
        return Ok(OneOff::Refused(verdict));
    };
    let face = FaceAnchor::from_report(face);
    let photo = photo.to_rgb8();
    let engines = load_engines().map_err(engine_error)?;
    let (mut image, _frame) = render_preview(
        &engines,
        &photo,
        &face,
        settings,
        None,
        &|| false,
        &mut |_| {},
    )?;
    if let Some(factor) = settings.hd_factor {
        let factor = if factor == 4 {
            UpscaleFactor::X4
        } else {
            UpscaleFactor::X2
        };
        image = engines
            .upscaler
            .upscale(&image, factor, &|| false, &mut |_| {})
            .map_err(engine_error)?;
    }
    check_output(moderator, &image)?;
    Ok(OneOff::Made { image, verdict })
}

/// The job runner: previews and HD upscales for the queue.
pub struct Studio {
    library: Arc<Library>,
    engines: OnceLock<Result<Arc<Engines>, EngineError>>,
    ort_lib: Option<PathBuf>,
    models_dir: Option<PathBuf>,
}

impl Studio {
    /// A studio over `library`; the engines load on the first job.
    pub fn new(
        library: Arc<Library>,
        ort_lib: Option<PathBuf>,
        models_dir: Option<PathBuf>,
    ) -> Self {
        Self {
            library,
            engines: OnceLock::new(),
            ort_lib,
            models_dir,
        }
    }

    fn engines(&self) -> Result<Arc<Engines>, ApiError> {
        self.engines
            .get_or_init(|| {
                Engines::load(self.ort_lib.as_deref(), self.models_dir.as_deref()).map(Arc::new)
            })
            .clone()
            .map_err(engine_error)
    }

    fn preview(
        &self,
        job: &Job,
        settings: &GenerationSettings,
        ctx: &JobContext,
    ) -> Result<(RgbImage, serde_json::Value), ApiError> {
        let portrait_id = job
            .portrait_id
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "The portrait was deleted."))?;
        let face = self.library.face_anchor(portrait_id)?;
        let portrait = self.library.get(portrait_id)?;
        let photo = open_rgb(Path::new(&portrait.image_path))?;
        let picture = match &settings.style {
            StyleChoice::Picture { picture_sha256 } => {
                Some(open_rgb(&self.library.style_picture_path(picture_sha256)?)?)
            }
            StyleChoice::Preset { .. } => None,
        };
        let engines = self.engines()?;
        let (image, frame) = render_preview(
            &engines,
            &photo,
            &face,
            settings,
            picture.as_ref(),
            &|| ctx.is_cancelled(),
            &mut |f| ctx.progress(f * 0.95),
        )?;
        let crop = serde_json::json!({
            "x": frame.x, "y": frame.y, "w": frame.w, "h": frame.h,
            "photoWidth": photo.width(), "photoHeight": photo.height(),
        });
        Ok((image, crop))
    }
}

impl JobRunner for Studio {
    fn run(&self, job: &Job, ctx: &JobContext) -> Result<Vec<NewOutput>, JobError> {
        let settings: GenerationSettings =
            serde_json::from_str(&job.settings_json).map_err(|e| {
                JobError::failed(ErrorCode::InvalidInput, format!("Unreadable settings: {e}"))
            })?;
        let path = ctx.staging_dir().join(format!("job-{}.png", job.id));
        let result = match job.kind {
            JobKind::Preview => self.preview(job, &settings, ctx).and_then(|(image, crop)| {
                check_output(self.library.moderator(), &image)?;
                image
                    .save(&path)
                    .map_err(|e| ApiError::new(ErrorCode::Io, e.to_string()))?;
                Ok(crop)
            }),
            JobKind::Hd => self.hd(job, &settings, ctx, &path),
        };
        let crop = match result {
            Ok(crop) => crop,
            Err(e) if e.code == ErrorCode::Cancelled => return Err(JobError::Cancelled),
            Err(e) => return Err(JobError::from(e)),
        };
        // The output's record adds where in the photo it was cut from, so the
        // History's before/after view can line the original up with it.
        let mut recorded: serde_json::Value =
            serde_json::from_str(&job.settings_json).unwrap_or_default();
        recorded[SOURCE_CROP] = crop;
        let mut output = NewOutput::new(path, "on-device");
        output.settings_json = Some(recorded.to_string());
        output.seed = Some(settings.seed);
        output.model_hashes = models_used(job.kind, &settings)
            .iter()
            .map(|m| (m.file.to_owned(), m.sha256.to_owned()))
            .collect();
        Ok(vec![output])
    }
}

/// Side of the style thumbnails in the Studio's style picker.
const STYLE_THUMB_SIDE: u32 = 160;

impl Studio {
    /// The portrait rendered small in every built-in style, each made once and
    /// cached in the vault: `(style id, file)`. Needs consent, even for cached ones.
    pub fn style_thumbnails(&self, portrait_id: i64) -> Result<Vec<(String, PathBuf)>, ApiError> {
        self.library.require_consent()?;
        let portrait = self.library.get(portrait_id)?;
        let face = self.library.face_anchor(portrait_id)?;
        let mut headshot = None;
        let mut thumbs = Vec::new();
        for style in Style::all() {
            let path = self.library.style_thumbnail(&portrait, style.id(), || {
                if headshot.is_none() {
                    let photo = open_rgb(Path::new(&portrait.image_path))?;
                    let frame = framing::plan(
                        photo.width(),
                        photo.height(),
                        &face,
                        Framing::Headshot,
                        Orientation::Square,
                    )
                    .map_err(ApiError::from)?;
                    headshot = Some(
                        framing::render(&photo, &frame, STYLE_THUMB_SIDE)
                            .map_err(ApiError::from)?,
                    );
                }
                let source = headshot.as_ref().expect("rendered above");
                let styled = self
                    .engines()?
                    .stylist
                    .stylize(
                        source,
                        &StyleMix::single(style),
                        1.0,
                        &|| false,
                        &mut |_| {},
                    )
                    .map_err(engine_error)?;
                // Shown in the picker, so checked like any output.
                check_output(self.library.moderator(), &styled)?;
                let mut jpeg = Vec::new();
                image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
                    .encode_image(&styled)
                    .map_err(|e| ApiError::new(ErrorCode::Io, e.to_string()))?;
                Ok(jpeg)
            })?;
            thumbs.push((style.id().to_owned(), path));
        }
        Ok(thumbs)
    }

    /// Upscale the parent preview ×2 or ×4, streamed to a PNG, then check it.
    fn hd(
        &self,
        job: &Job,
        settings: &GenerationSettings,
        ctx: &JobContext,
        path: &Path,
    ) -> Result<serde_json::Value, ApiError> {
        let parent = job
            .parent_output_id
            .ok_or_else(|| ApiError::new(ErrorCode::InvalidInput, "An HD job needs a preview."))?;
        let parent = self
            .library
            .history()
            .get_output(parent)
            .map_err(ApiError::from)?;
        let factor = match settings.hd_factor {
            Some(2) => UpscaleFactor::X2,
            Some(4) => UpscaleFactor::X4,
            other => {
                return Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    format!("HD is ×2 or ×4, not {other:?}."),
                ))
            }
        };
        let preview = open_rgb(Path::new(&parent.image_path))?;
        let engines = self.engines()?;
        engines
            .upscaler
            .upscale_to_png(&preview, factor, path, &|| ctx.is_cancelled(), &mut |f| {
                ctx.progress(f * 0.95)
            })
            .map_err(engine_error)?;
        check_output(self.library.moderator(), &open_rgb(path)?)?;
        let parent: serde_json::Value =
            serde_json::from_str(&parent.settings_json).unwrap_or_default();
        Ok(parent[SOURCE_CROP].clone())
    }
}

/// The models an output went through, for its record: the engine that made it
/// and the NSFW check that let it through.
fn models_used(kind: JobKind, settings: &GenerationSettings) -> Vec<ModelSpec> {
    let engine = match (kind, &settings.style, settings.hd_factor) {
        (JobKind::Hd, _, Some(4)) => vec![ESRGAN_X4],
        (JobKind::Hd, _, _) => vec![ESRGAN_X2],
        (_, StyleChoice::Preset { .. }, _) => vec![MULTISTYLE],
        (_, StyleChoice::Picture { .. }, _) => vec![STYLE_PREDICT, STYLE_TRANSFORM],
    };
    engine.into_iter().chain([NSFW]).collect()
}

fn open_rgb(path: &Path) -> Result<RgbImage, ApiError> {
    imaging::open(path)
        .map(DynamicImage::into_rgb8)
        .map_err(|e| {
            ApiError::new(
                ErrorCode::Io,
                format!("Could not read {}: {e}", path.display()),
            )
        })
}
