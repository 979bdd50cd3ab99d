//! The background behind the person: blurred, or replaced by a studio colour
//! or gradient. MediaPipe's selfie segmentation (`selfie_segmentation.onnx`)
//! finds the person on the framed picture, which is already a crop around
//! them: the model wants the person to fill its frame, and a whole photo
//! squashed to its 256×256 input gives a poor mask.

use std::path::Path;
use std::sync::Mutex;

use image::imageops::{self, FilterType};
use image::{ImageBuffer, Luma, Rgb, Rgb32FImage, RgbImage};
use ort::session::Session;
use ort::value::TensorRef;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{run_error, shape_error, EngineError};
use crate::inference::{self, SELFIE_SEGMENTATION};
use crate::sync::lock;

/// The model's input (and mask) side.
const SIDE: u32 = 256;
/// The blur's Gaussian sigma as a share of the picture's long side.
const BLUR_SIGMA: f32 = 0.02;
/// The blur runs at this fraction of the size, then is scaled back up.
const BLUR_SCALE: u32 = 4;

/// A person probability (0..1) per pixel.
pub type Mask = ImageBuffer<Luma<f32>, Vec<f32>>;

/// What goes behind the person instead of the photo's own background.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum Background {
    /// The photo's own background, blurred as by a wide-open lens.
    Blur,
    /// One studio colour, `#rrggbb`.
    Colour { colour: String },
    /// A studio backdrop: `top` fading into `bottom`, each `#rrggbb`.
    Gradient { top: String, bottom: String },
}

impl Background {
    /// Check the colours before a job is queued.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Background::Blur => Ok(()),
            Background::Colour { colour } => parse_colour(colour).map(|_| ()),
            Background::Gradient { top, bottom } => {
                parse_colour(top)?;
                parse_colour(bottom).map(|_| ())
            }
        }
    }

    /// The CLI's spelling: `blur`, `#rrggbb`, or `#rrggbb:#rrggbb` (top to
    /// bottom); `keep` is `None`.
    pub fn parse(text: &str) -> Result<Option<Background>, String> {
        let background = match text.split_once(':') {
            _ if text == "keep" => return Ok(None),
            _ if text == "blur" => Background::Blur,
            Some((top, bottom)) => Background::Gradient {
                top: top.to_ascii_lowercase(),
                bottom: bottom.to_ascii_lowercase(),
            },
            None => Background::Colour {
                colour: text.to_ascii_lowercase(),
            },
        };
        background.validate()?;
        Ok(Some(background))
    }
}

/// `#rrggbb` as RGB.
fn parse_colour(text: &str) -> Result<[u8; 3], String> {
    let hex = text
        .strip_prefix('#')
        .filter(|h| h.len() == 6 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| format!("{text:?} is not a colour: write it as #RRGGBB."))?;
    let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).expect("checked hex digits");
    Ok([channel(0), channel(2), channel(4)])
}

/// The person-segmentation model, run one picture at a time.
pub struct Segmenter {
    session: Mutex<Session>,
}

impl Segmenter {
    /// Load ONNX Runtime (see `inference::runtime`) and the model from
    /// `models_dir` (see `inference::locate_models_dir`), verifying its sha256.
    pub fn load(
        ort_lib: Option<&Path>,
        models_dir: Option<&Path>,
    ) -> Result<Segmenter, EngineError> {
        let env = inference::runtime(ort_lib)?;
        let dir = inference::locate_models_dir(models_dir)?;
        let model = inference::load_model(env, &dir, SELFIE_SEGMENTATION)?;
        Ok(Segmenter {
            session: Mutex::new(model.session),
        })
    }

    /// The person's mask over `picture`, at its size.
    pub fn mask(&self, picture: &RgbImage) -> Result<Mask, EngineError> {
        let err = run_error(SELFIE_SEGMENTATION);
        let small = imageops::resize(picture, SIDE, SIDE, FilterType::Triangle);
        let input: Vec<f32> = small
            .as_raw()
            .iter()
            .map(|&v| f32::from(v) / 255.0)
            .collect();
        let side = SIDE as usize;
        let tensor =
            TensorRef::from_array_view(([1usize, side, side, 3], &*input)).map_err(&err)?;
        let mut session = lock(&self.session);
        let outputs = session.run(ort::inputs![tensor]).map_err(&err)?;
        let (_, out) = outputs[0].try_extract_tensor::<f32>().map_err(&err)?;
        if out.len() != side * side {
            return Err(shape_error(SELFIE_SEGMENTATION, side * side, out.len()));
        }
        let mask = Mask::from_raw(SIDE, SIDE, out.iter().map(|p| p.clamp(0.0, 1.0)).collect())
            .expect("the length was checked");
        let (w, h) = picture.dimensions();
        Ok(imageops::resize(&mask, w, h, FilterType::Triangle))
    }

    /// `picture` with `background` behind the person.
    pub fn apply(
        &self,
        picture: &RgbImage,
        background: &Background,
    ) -> Result<RgbImage, EngineError> {
        let mask = self.mask(picture)?;
        let behind = match background {
            Background::Blur => blurred_background(picture, &mask),
            Background::Colour { colour } => {
                let c = colour_of(colour)?;
                Rgb32FImage::from_pixel(picture.width(), picture.height(), Rgb(c))
            }
            Background::Gradient { top, bottom } => {
                let (top, bottom) = (colour_of(top)?, colour_of(bottom)?);
                let last = picture.height().saturating_sub(1).max(1) as f32;
                Rgb32FImage::from_fn(picture.width(), picture.height(), |_, y| {
                    let t = y as f32 / last;
                    Rgb(std::array::from_fn(|i| top[i] + (bottom[i] - top[i]) * t))
                })
            }
        };
        Ok(RgbImage::from_fn(
            picture.width(),
            picture.height(),
            |x, y| {
                let m = mask.get_pixel(x, y)[0];
                let (p, b) = (picture.get_pixel(x, y), behind.get_pixel(x, y));
                Rgb(std::array::from_fn(|i| {
                    (m * f32::from(p[i]) + (1.0 - m) * b[i])
                        .round()
                        .clamp(0.0, 255.0) as u8
                }))
            },
        ))
    }
}

fn colour_of(text: &str) -> Result<[f32; 3], EngineError> {
    parse_colour(text)
        .map(|c| c.map(f32::from))
        .map_err(EngineError::InvalidBackground)
}

/// The photo's background, blurred without the person bleeding into it:
/// blur(photo × (1 − mask)) / blur(1 − mask), so no light halo rings the
/// hair. It is blurred at a quarter of the size, which looks the same.
fn blurred_background(picture: &RgbImage, mask: &Mask) -> Rgb32FImage {
    let (w, h) = picture.dimensions();
    let (sw, sh) = ((w / BLUR_SCALE).max(1), (h / BLUR_SCALE).max(1));
    let weighted = Rgb32FImage::from_fn(w, h, |x, y| {
        let away = 1.0 - mask.get_pixel(x, y)[0];
        Rgb(picture.get_pixel(x, y).0.map(|v| f32::from(v) * away))
    });
    let away = Mask::from_fn(w, h, |x, y| Luma([1.0 - mask.get_pixel(x, y)[0]]));
    let sigma = BLUR_SIGMA * sw.max(sh) as f32;
    let weighted = imageops::blur(
        &imageops::resize(&weighted, sw, sh, FilterType::Triangle),
        sigma,
    );
    let away = imageops::blur(
        &imageops::resize(&away, sw, sh, FilterType::Triangle),
        sigma,
    );
    let small = Rgb32FImage::from_fn(sw, sh, |x, y| {
        // Deep inside the person there is no background to average; what is
        // made there is hidden behind the person anyway.
        let a = away.get_pixel(x, y)[0].max(1e-3);
        Rgb(weighted.get_pixel(x, y).0.map(|v| v / a))
    });
    imageops::resize(&small, w, h, FilterType::Triangle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cli_spells_a_background_as_keep_blur_a_colour_or_two() {
        assert_eq!(Background::parse("keep"), Ok(None));
        assert_eq!(Background::parse("blur"), Ok(Some(Background::Blur)));
        assert_eq!(
            Background::parse("#FFEEDD"),
            Ok(Some(Background::Colour {
                colour: "#ffeedd".into()
            }))
        );
        assert_eq!(
            Background::parse("#112233:#445566"),
            Ok(Some(Background::Gradient {
                top: "#112233".into(),
                bottom: "#445566".into()
            }))
        );
        for bad in [
            "", "red", "#12345", "#1234567", "#gg0000", "#112233:", "blurry",
        ] {
            assert!(Background::parse(bad).is_err(), "{bad}");
        }
    }
}
