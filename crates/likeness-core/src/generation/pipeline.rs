//! The generation pipeline: frame an accepted portrait, blur or replace its
//! background if asked, restyle it, upscale
//! it if asked, and check the result. The queue's runner ([`super::Studio`])
//! and the CLI's `generate` ([`generate_once`]) both run these steps.

use std::path::Path;

use image::{DynamicImage, RgbImage};

use super::{GenerationError, GenerationSettings, StyleChoice};
use crate::engines::{EngineError, Segmenter, Stylist, UpscaleFactor, Upscaler};
use crate::framing::{self, FaceAnchor, Frame};
use crate::imaging;
use crate::moderation::{moderate_with, Analysis, ModerationError, Moderator, Thresholds, Verdict};
use crate::vault::{Kind, Vault};

/// Long side of a preview, in pixels: fast on the device, big enough to judge.
pub const PREVIEW_LONG_SIDE: u32 = 512;

/// The on-device engines, loaded together.
pub struct Engines {
    pub stylist: Stylist,
    pub upscaler: Upscaler,
    pub segmenter: Segmenter,
}

impl Engines {
    pub fn load(ort_lib: Option<&Path>, models_dir: Option<&Path>) -> Result<Engines, EngineError> {
        Ok(Engines {
            stylist: Stylist::load(ort_lib, models_dir)?,
            upscaler: Upscaler::load(ort_lib, models_dir)?,
            segmenter: Segmenter::load(ort_lib, models_dir)?,
        })
    }
}

/// The frame of `settings.framing` around `face` in `photo`, or
/// [`FramingError::BeyondPhoto`](crate::framing::FramingError::BeyondPhoto)
/// when the photo cannot fill it: checked before any engine loads, so a
/// framing the photo does not support is never painted as stretched streaks.
pub(crate) fn frame_for(
    photo: &RgbImage,
    face: &FaceAnchor,
    settings: &GenerationSettings,
) -> Result<Frame, GenerationError> {
    let fits = framing::fits(photo.width(), photo.height(), face, settings.orientation)?;
    Ok(fits.require(settings.framing)?)
}

/// Cut `frame` out of an accepted portrait and restyle it.
pub fn render_preview(
    engines: &Engines,
    photo: &RgbImage,
    frame: &Frame,
    settings: &GenerationSettings,
    style_picture: Option<&RgbImage>,
    is_cancelled: &dyn Fn() -> bool,
    progress: &mut dyn FnMut(f32),
) -> Result<RgbImage, GenerationError> {
    settings.validate()?;
    let mut framed = framing::render(photo, frame, PREVIEW_LONG_SIDE)?;
    // Before the style, so the new background is painted with the person.
    if let Some(background) = &settings.background {
        framed = engines.segmenter.apply(&framed, background)?;
    }
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
        (StyleChoice::Picture { .. }, None) => return Err(GenerationError::StylePictureMissing),
    };
    Ok(styled?)
}

/// The upscale factor an HD setting asks for.
pub(crate) fn hd_factor(factor: Option<u8>) -> Result<UpscaleFactor, GenerationError> {
    match factor {
        Some(2) => Ok(UpscaleFactor::X2),
        Some(4) => Ok(UpscaleFactor::X4),
        other => Err(GenerationError::InvalidInput(format!(
            "HD is ×2 or ×4, not {other:?}."
        ))),
    }
}

/// Refuse an output that fails the NSFW check (or when the check cannot run).
pub fn check_output(
    moderator: Result<&Moderator, &ModerationError>,
    image: &RgbImage,
) -> Result<(), GenerationError> {
    let moderator = moderator.map_err(|e| GenerationError::CheckUnavailable(e.to_string()))?;
    match moderator.is_safe_output(image) {
        Ok(true) => Ok(()),
        Ok(false) => Err(GenerationError::UnsafeOutput),
        Err(e) => Err(GenerationError::CheckUnavailable(e.to_string())),
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
/// checked consent; `load_engines` runs only for an accepted photo whose
/// face supports the framing asked for.
pub fn generate_once(
    moderator: Result<&Moderator, &ModerationError>,
    thresholds: Thresholds,
    load_engines: impl FnOnce() -> Result<Engines, EngineError>,
    bytes: &[u8],
    settings: &GenerationSettings,
) -> Result<OneOff, GenerationError> {
    settings.validate()?;
    if settings.hd_factor.is_some() {
        hd_factor(settings.hd_factor)?;
    }
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
    let frame = frame_for(&photo, &face, settings)?;
    let engines = load_engines()?;
    let mut image = render_preview(
        &engines,
        &photo,
        &frame,
        settings,
        None,
        &|| false,
        &mut |_| {},
    )?;
    if settings.hd_factor.is_some() {
        let factor = hd_factor(settings.hd_factor)?;
        image = engines
            .upscaler
            .upscale(&image, factor, &|| false, &mut |_| {})?;
    }
    check_output(moderator, &image)?;
    Ok(OneOff::Made { image, verdict })
}

/// A vault file, decrypted and decoded.
pub(crate) fn read_rgb(vault: &Vault, kind: Kind, key: &str) -> Result<RgbImage, GenerationError> {
    let bytes = vault.read(kind, key)?;
    imaging::decode_stored(&bytes)
        .map(DynamicImage::into_rgb8)
        .map_err(|source| GenerationError::Read {
            path: format!("{} {key}", kind.folder()),
            source,
        })
}

/// A picture in a file (the engine's own output, before it is stored), decoded.
pub(crate) fn open_rgb(path: &Path) -> Result<RgbImage, GenerationError> {
    imaging::open(path)
        .map(DynamicImage::into_rgb8)
        .map_err(|source| GenerationError::Read {
            path: path.display().to_string(),
            source,
        })
}
