//! Style thumbnails: the portrait rendered small in every built-in style, for
//! the Studio's style picker, each made once and cached in the vault for as
//! long as the portrait is kept.

use serde::Serialize;
use ts_rs::TS;

use super::pipeline::read_rgb;
use super::{check_output, GenerationError, Studio};
use crate::engines::{Style, StyleMix};
use crate::framing::{self, Framing, Orientation};
use crate::library::{self, Portrait};
use crate::vault::{Kind, VaultItem};

/// Side of the style thumbnails in the Studio's style picker.
const STYLE_THUMB_SIDE: u32 = 160;

/// One built-in style rendered from the user's portrait.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct StyleThumbnail {
    pub style_id: String,
    /// The image, as a `vault:` protocol item.
    pub image: String,
}

impl Studio {
    /// The portrait in every built-in style. Needs consent, even for cached ones.
    pub fn style_thumbnails(
        &self,
        portrait_id: i64,
    ) -> Result<Vec<StyleThumbnail>, GenerationError> {
        crate::consent::require(self.portraits.storage().0)?;
        let portrait = self.portraits.get(portrait_id)?;
        let face = self.portraits.face_anchor(portrait_id)?;
        let mut headshot = None;
        let mut thumbs = Vec::new();
        for style in Style::all() {
            let image = self.style_thumbnail(&portrait, style, || {
                if headshot.is_none() {
                    let photo =
                        read_rgb(self.portraits.storage().1, Kind::Original, &portrait.sha256)?;
                    let frame = framing::plan(
                        photo.width(),
                        photo.height(),
                        &face,
                        Framing::Headshot,
                        Orientation::Square,
                    )?;
                    headshot = Some(framing::render(&photo, &frame, STYLE_THUMB_SIDE)?);
                }
                let source = headshot.as_ref().expect("rendered above");
                let styled = self.engines()?.stylist.stylize(
                    source,
                    &StyleMix::single(style),
                    1.0,
                    &|| false,
                    &mut |_| {},
                )?;
                // Shown in the picker, so checked like any output.
                check_output(self.moderator.get().as_deref(), &styled)?;
                let mut jpeg = Vec::new();
                image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
                    .encode_image(&styled)
                    .map_err(|e| GenerationError::Write(e.to_string()))?;
                Ok(jpeg)
            })?;
            thumbs.push(StyleThumbnail {
                style_id: style.id().to_owned(),
                image,
            });
        }
        Ok(thumbs)
    }

    /// The cached thumbnail of `portrait` in `style`, made by `render` the
    /// first time it is asked for. A portrait deleted while this rendered gets
    /// none (`not_found`), and nothing is left in the vault.
    pub fn style_thumbnail(
        &self,
        portrait: &Portrait,
        style: Style,
        render: impl FnOnce() -> Result<Vec<u8>, GenerationError>,
    ) -> Result<String, GenerationError> {
        let key = library::style_thumbnail_key(&portrait.sha256, style.id());
        let (db, vault) = self.portraits.storage();
        if !vault.contains(Kind::StyleThumbnail, &key) {
            // Rendering is slow: do it before taking the write lock.
            let jpeg = render()?;
            db.write(|tx| {
                if !library::sql::references(tx, Kind::StyleThumbnail, &key)? {
                    return Err(GenerationError::PortraitGone);
                }
                vault.put_with(Kind::StyleThumbnail, &key, || Ok(jpeg))
            })?;
        }
        Ok(VaultItem::StyleThumbnail(portrait.id, style.id().to_owned()).reference())
    }
}
