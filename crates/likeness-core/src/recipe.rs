//! The recipe of an image: what the user chose in the Studio (framing,
//! orientation, background, style, strength, seed, HD), stored with every job and output,
//! and where in the photo the image was cut from. Plain data, below every
//! feature that stores or shows it.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::engines::{Background, StyleMix};
use crate::error::{Coded, ErrorCode};
use crate::framing::{Frame, Framing, Orientation};
use crate::vault::is_sha256_hex;

/// Settings that cannot make an image, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidSettings(pub String);

impl Coded for InvalidSettings {
    fn code(&self) -> ErrorCode {
        ErrorCode::InvalidInput
    }
}

/// Key, in an output's recorded settings, of the part of the photo it was cut
/// from: `{x, y, w, h, photoWidth, photoHeight}` (may reach past the photo).
pub const SOURCE_CROP: &str = "sourceCrop";

/// Key, in a cloud job's settings, of its plan (server, idempotency key,
/// quote), and in its output's record, of what it cost ([`CloudCharge`]).
pub const CLOUD: &str = "cloud";

/// What an image made in Likeness Cloud cost, as recorded with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CloudCharge {
    /// The job's id on the server.
    pub remote_job_id: String,
    /// Credits charged: exactly the quote.
    #[ts(type = "number")]
    pub credits: i64,
    /// The signed receipt of the charge (in the Store's receipts).
    pub receipt_id: Option<String>,
}

/// The charge recorded in an output's settings, if it was made in the cloud.
pub fn read_cloud_charge(settings_json: &str) -> Option<CloudCharge> {
    let value: serde_json::Value = serde_json::from_str(settings_json).ok()?;
    serde_json::from_value(value.get(CLOUD)?.clone()).ok()
}

/// What the user chose in the Studio. Stored with every job and output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct GenerationSettings {
    pub framing: Framing,
    pub orientation: Orientation,
    pub style: StyleChoice,
    /// What goes behind the person; none keeps the photo's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub background: Option<Background>,
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
    /// A style picture stored in the vault (see [`crate::generation::StylePictures::import`]).
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
    pub fn validate(&self) -> Result<(), InvalidSettings> {
        if !(0.0..=1.0).contains(&self.strength) {
            return Err(InvalidSettings(
                "Strength must be between 0 and 100%.".into(),
            ));
        }
        match &self.style {
            StyleChoice::Preset { mix } => drop(self.mix(mix)?),
            StyleChoice::Picture { picture_sha256 } if !is_sha256_hex(picture_sha256) => {
                return Err(InvalidSettings(
                    "The style picture must be named by its sha256 (64 hex digits).".into(),
                ))
            }
            StyleChoice::Picture { .. } => {}
        }
        if let Some(background) = &self.background {
            background.validate().map_err(InvalidSettings)?;
        }
        Ok(())
    }

    pub(crate) fn mix(&self, parts: &[(String, f32)]) -> Result<StyleMix, InvalidSettings> {
        let parts: Vec<(&str, f32)> = parts.iter().map(|(id, w)| (id.as_str(), *w)).collect();
        StyleMix::new(&parts).map_err(|e| InvalidSettings(e.to_string()))
    }
}

/// The part of the portrait photo an image was cut from, in the photo's
/// pixels (it may reach past the photo, where the canvas was extended).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SourceCrop {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
    pub photo_width: u32,
    pub photo_height: u32,
}

impl SourceCrop {
    pub fn new(frame: &Frame, photo_width: u32, photo_height: u32) -> Self {
        Self {
            x: frame.x,
            y: frame.y,
            w: frame.w,
            h: frame.h,
            photo_width,
            photo_height,
        }
    }
}

/// The recipe recorded with an output: its Studio settings (`None` when the
/// record is not in the Studio's shape, e.g. an engine's own) and its crop.
pub fn read_recorded(settings_json: &str) -> (Option<GenerationSettings>, Option<SourceCrop>) {
    let value: serde_json::Value = serde_json::from_str(settings_json).unwrap_or_default();
    let crop = value
        .get(SOURCE_CROP)
        .and_then(|c| serde_json::from_value(c.clone()).ok());
    (serde_json::from_value(value).ok(), crop)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn studio_settings() -> GenerationSettings {
        GenerationSettings {
            framing: Framing::Headshot,
            orientation: Orientation::Portrait4x5,
            background: None,
            style: StyleChoice::Preset {
                mix: vec![("style-03".into(), 1.0)],
            },
            strength: 0.8,
            seed: 3,
            hd_factor: Some(2),
        }
    }

    #[test]
    fn an_outputs_record_reads_back_as_its_studio_settings_and_crop() {
        let mut recorded: serde_json::Value =
            serde_json::from_str(&studio_settings().to_job_json()).unwrap();
        recorded[SOURCE_CROP] = serde_json::json!({
            "x": -10.0, "y": 5.5, "w": 400.0, "h": 500.0, "photoWidth": 512, "photoHeight": 512
        });
        let (settings, crop) = read_recorded(&recorded.to_string());
        assert_eq!(settings, Some(studio_settings()));
        let crop = crop.unwrap();
        assert_eq!((crop.x, crop.w, crop.photo_height), (-10.0, 400.0, 512));
    }

    #[test]
    fn a_record_in_another_shape_or_not_json_has_no_studio_settings() {
        assert_eq!(read_recorded("not json"), (None, None));
        assert_eq!(read_recorded(r#"{"steps":4}"#), (None, None));
        let no_crop = read_recorded(&studio_settings().to_job_json());
        assert_eq!(no_crop, (Some(studio_settings()), None));
    }
}
