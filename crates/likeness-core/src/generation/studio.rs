//! The Studio: the job runner behind the queue (previews and HD upscales),
//! the ways to queue work with typed settings, and which framings a
//! portrait supports, so a preview is refused before anything runs.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use image::RgbImage;

use super::pipeline::{frame_for, hd_factor, open_rgb, read_rgb};
use super::{
    check_output, render_preview, Engines, GenerationError, GenerationSettings, SourceCrop,
    StyleChoice, StylePictures,
};
use crate::cloud::run::CloudPlan;
use crate::cloud::Cloud;
use crate::engines::{EngineError, FaceMesh};
use crate::error::Coded;
use crate::framing::{self, FramingFits, Orientation};
use crate::history::{History, OutputId};
use crate::idle::Idle;
use crate::inference::{
    ModelSpec, ESRGAN_X2, ESRGAN_X4, MULTISTYLE, NSFW, STYLE_PREDICT, STYLE_TRANSFORM,
};
use crate::jobs::{Job, JobContext, JobError, JobKind, JobQueue, JobRunner, NewOutput};
use crate::library::Portraits;
use crate::moderation::LazyModerator;
use crate::recipe::{CloudCharge, CLOUD, SOURCE_CROP};
use crate::vault::Kind;

/// How every framing fits the photo of `portrait_id` in `orientation`, from
/// the face kept at import: what the Studio draws before anything is spent.
pub fn framing_fits(
    portraits: &Portraits,
    portrait_id: i64,
    orientation: Orientation,
) -> Result<FramingFits, GenerationError> {
    crate::consent::require(portraits.storage().0)?;
    let portrait = portraits.get(portrait_id)?;
    let face = portraits.face_anchor(portrait_id)?;
    Ok(framing::fits(
        portrait.width,
        portrait.height,
        &face,
        orientation,
    )?)
}

/// Queue a preview of `portrait_id` with `settings`, checked first: a
/// framing the photo does not support is refused (`framing_beyond_photo`)
/// and nothing is queued.
pub fn enqueue_preview(
    queue: &JobQueue,
    portraits: &Portraits,
    portrait_id: i64,
    settings: &GenerationSettings,
) -> Result<Job, GenerationError> {
    settings.validate()?;
    framing_fits(portraits, portrait_id, settings.orientation)?.require(settings.framing)?;
    let id = queue.enqueue(
        Some(portrait_id),
        JobKind::Preview,
        &settings.to_job_json(),
        None,
    )?;
    Ok(queue.get(id)?)
}

/// The settings of an HD ×`factor` of preview `output_id`: the preview's,
/// with `hdFactor`.
fn hd_settings(
    queue: &JobQueue,
    output_id: OutputId,
    factor: u8,
) -> Result<GenerationSettings, GenerationError> {
    hd_factor(Some(factor))?;
    let parent = queue.history().get_output(output_id)?;
    let settings = parent.settings.ok_or_else(|| {
        GenerationError::InvalidInput("That image was not made with Studio settings.".into())
    })?;
    Ok(GenerationSettings {
        hd_factor: Some(factor),
        ..settings
    })
}

/// Queue an HD upscale ×2 or ×4 of preview `output_id`; the HD output keeps
/// the preview's settings, with `hdFactor`.
pub fn enqueue_hd(
    queue: &JobQueue,
    output_id: OutputId,
    factor: u8,
) -> Result<Job, GenerationError> {
    let settings = hd_settings(queue, output_id, factor)?;
    let id = queue.enqueue(None, JobKind::Hd, &settings.to_job_json(), Some(output_id))?;
    Ok(queue.get(id)?)
}

/// Queue an HD upscale of preview `output_id` in the cloud, at the price of
/// `quote_id` that the user saw and picked. The plan (server, a fresh
/// idempotency key, the quote) is stored with the job before anything is
/// sent, so a restart resubmits it without a second charge.
pub fn enqueue_cloud_hd(
    queue: &JobQueue,
    cloud: &Cloud,
    output_id: OutputId,
    factor: u8,
    quote_id: &str,
) -> Result<Job, GenerationError> {
    let settings = hd_settings(queue, output_id, factor)?;
    let plan = cloud.plan(quote_id)?;
    let mut json: serde_json::Value =
        serde_json::from_str(&settings.to_job_json()).expect("settings are JSON");
    json[CLOUD] = serde_json::to_value(plan).expect("plain data serializes");
    let id = queue.enqueue(None, JobKind::Hd, &json.to_string(), Some(output_id))?;
    Ok(queue.get(id)?)
}

/// The job runner: previews and HD upscales for the queue.
pub struct Studio {
    pub(super) portraits: Arc<Portraits>,
    pub(super) style_pictures: Arc<StylePictures>,
    history: History,
    pub(super) moderator: Arc<LazyModerator>,
    cloud: Arc<Cloud>,
    engines: Idle<Engines, EngineError>,
    /// Loaded apart from the engines: telling how a photo is posed needs
    /// only this small model.
    pub(super) face_mesh: Idle<FaceMesh, EngineError>,
}

impl Studio {
    /// A studio over these features; the engines load on the first job, the
    /// face mesh on the first question about a portrait's pose.
    pub fn new(
        portraits: Arc<Portraits>,
        style_pictures: Arc<StylePictures>,
        history: History,
        moderator: Arc<LazyModerator>,
        cloud: Arc<Cloud>,
        ort_lib: Option<PathBuf>,
        models_dir: Option<PathBuf>,
    ) -> Self {
        Self {
            portraits,
            style_pictures,
            history,
            moderator,
            cloud,
            engines: Idle::new({
                let (ort_lib, models_dir) = (ort_lib.clone(), models_dir.clone());
                move || Engines::load(ort_lib.as_deref(), models_dir.as_deref()).map(Arc::new)
            }),
            face_mesh: Idle::new(move || {
                FaceMesh::load(ort_lib.as_deref(), models_dir.as_deref()).map(Arc::new)
            }),
        }
    }

    pub(super) fn engines(&self) -> Result<Arc<Engines>, GenerationError> {
        Ok(self.engines.get()?)
    }

    /// Let the engines, the face mesh and the moderator go if nothing used
    /// them for `after`.
    pub fn release_if_idle(&self, after: Duration) {
        self.engines.release_if_idle(after);
        self.face_mesh.release_if_idle(after);
        self.moderator.release_if_idle(after);
    }

    fn preview(
        &self,
        job: &Job,
        settings: &GenerationSettings,
        ctx: &JobContext,
    ) -> Result<(RgbImage, SourceCrop), GenerationError> {
        let portrait_id = job.portrait_id.ok_or(GenerationError::PortraitGone)?;
        let face = self.portraits.face_anchor(portrait_id)?;
        let portrait = self.portraits.get(portrait_id)?;
        let vault = self.portraits.storage().1;
        let photo = read_rgb(vault, Kind::Original, &portrait.sha256)?;
        let picture = match &settings.style {
            StyleChoice::Picture { picture_sha256 } => {
                Some(self.style_pictures.read(picture_sha256)?)
            }
            StyleChoice::Preset { .. } => None,
        };
        // A job queued before this check existed, or retried, is refused here.
        let frame = frame_for(&photo, &face, settings)?;
        let engines = self.engines()?;
        let image = render_preview(
            &engines,
            &photo,
            &frame,
            settings,
            picture.as_ref(),
            &|| ctx.is_cancelled(),
            &mut |f| ctx.progress(f * 0.95),
        )?;
        Ok((
            image,
            SourceCrop::new(&frame, photo.width(), photo.height()),
        ))
    }

    /// Upscale the parent preview in the cloud as `plan` says, then check
    /// the result on this computer, as any output is.
    fn cloud_hd(
        &self,
        job: &Job,
        plan: &CloudPlan,
        ctx: &JobContext,
        path: &Path,
    ) -> Result<(Option<SourceCrop>, CloudCharge), JobError> {
        let failed = |e: GenerationError| JobError::failed(e.code(), e.to_string());
        let parent = job
            .parent_output_id
            .ok_or_else(|| GenerationError::InvalidInput("An HD job needs a preview.".into()))
            .map_err(failed)?;
        let parent = self
            .history
            .get_output(parent)
            .map_err(|e| failed(e.into()))?;
        let preview = self
            .portraits
            .storage()
            .1
            .read(Kind::Output, &parent.sha256)?;
        let run = self.cloud.run(job.id, plan, &preview, ctx, path)?;
        open_rgb(path)
            .and_then(|image| check_output(self.moderator.get().as_deref(), &image))
            .map_err(failed)?;
        Ok((parent.source_crop, run))
    }

    /// Upscale the parent preview ×2 or ×4, streamed to a PNG, then check it.
    fn hd(
        &self,
        job: &Job,
        settings: &GenerationSettings,
        ctx: &JobContext,
        path: &Path,
    ) -> Result<Option<SourceCrop>, GenerationError> {
        let parent = job
            .parent_output_id
            .ok_or_else(|| GenerationError::InvalidInput("An HD job needs a preview.".into()))?;
        let parent = self.history.get_output(parent)?;
        let factor = hd_factor(settings.hd_factor)?;
        let preview = read_rgb(self.portraits.storage().1, Kind::Output, &parent.sha256)?;
        let engines = self.engines()?;
        engines.upscaler.upscale_to_png(
            &preview,
            factor,
            path,
            &|| ctx.is_cancelled(),
            &mut |f| ctx.progress(f * 0.95),
        )?;
        check_output(self.moderator.get().as_deref(), &open_rgb(path)?)?;
        Ok(parent.source_crop)
    }
}

impl JobRunner for Studio {
    fn run(&self, job: &Job, ctx: &JobContext) -> Result<Vec<NewOutput>, JobError> {
        let settings: GenerationSettings =
            serde_json::from_str(&job.settings_json).map_err(|e| {
                JobError::failed(
                    crate::error::ErrorCode::InvalidInput,
                    format!("Unreadable settings: {e}"),
                )
            })?;
        let path = ctx.staging_dir().join(format!("job-{}.png", job.id));
        if let Some(plan) = CloudPlan::of(&job.settings_json).filter(|_| job.kind == JobKind::Hd) {
            let (crop, run) = self.cloud_hd(job, &plan, ctx, &path)?;
            let mut recorded: serde_json::Value =
                serde_json::from_str(&job.settings_json).unwrap_or_default();
            recorded[SOURCE_CROP] = serde_json::to_value(crop).unwrap_or_default();
            recorded[CLOUD] = serde_json::to_value(run).unwrap_or_default();
            let mut output = NewOutput::new(path, "cloud");
            output.settings_json = Some(recorded.to_string());
            output.seed = Some(settings.seed);
            output.model_hashes = [(NSFW.file.to_owned(), NSFW.sha256.to_owned())].into();
            return Ok(vec![output]);
        }
        let result = match job.kind {
            JobKind::Preview => self.preview(job, &settings, ctx).and_then(|(image, crop)| {
                check_output(self.moderator.get().as_deref(), &image)?;
                image
                    .save(&path)
                    .map_err(|e| GenerationError::Write(e.to_string()))?;
                Ok(Some(crop))
            }),
            JobKind::Hd => self.hd(job, &settings, ctx, &path),
        };
        let crop = match result {
            Ok(crop) => crop,
            Err(e) if e.code() == crate::error::ErrorCode::Cancelled => {
                return Err(JobError::Cancelled)
            }
            Err(e) => return Err(JobError::failed(e.code(), e.to_string())),
        };
        // The output's record adds where in the photo it was cut from, so the
        // History's before/after view can line the original up with it.
        let mut recorded: serde_json::Value =
            serde_json::from_str(&job.settings_json).unwrap_or_default();
        recorded[SOURCE_CROP] = serde_json::to_value(crop).unwrap_or_default();
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
