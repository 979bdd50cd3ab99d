//! What the user chose in the Studio, as stored with every job and output.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::GenerationError;
use crate::engines::StyleMix;
use crate::framing::{Framing, Orientation};
use crate::vault::is_sha256_hex;

/// Key, in an output's recorded settings, of the part of the photo it was cut
/// from: `{x, y, w, h, photoWidth, photoHeight}` (may reach past the photo).
pub const SOURCE_CROP: &str = "sourceCrop";

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
    /// A style picture stored in the vault (see [`super::StylePictures::import`]).
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
    pub fn validate(&self) -> Result<(), GenerationError> {
        if !(0.0..=1.0).contains(&self.strength) {
            return Err(GenerationError::InvalidInput(
                "Strength must be between 0 and 100%.".into(),
            ));
        }
        match &self.style {
            StyleChoice::Preset { mix } => drop(self.mix(mix)?),
            StyleChoice::Picture { picture_sha256 } if !is_sha256_hex(picture_sha256) => {
                return Err(GenerationError::InvalidInput(
                    "The style picture must be named by its sha256 (64 hex digits).".into(),
                ))
            }
            StyleChoice::Picture { .. } => {}
        }
        Ok(())
    }

    pub(crate) fn mix(&self, parts: &[(String, f32)]) -> Result<StyleMix, GenerationError> {
        let parts: Vec<(&str, f32)> = parts.iter().map(|(id, w)| (id.as_str(), *w)).collect();
        StyleMix::new(&parts).map_err(|e| GenerationError::InvalidInput(e.to_string()))
    }
}
