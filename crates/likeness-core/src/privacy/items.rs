//! What the window's `vault:` protocol serves: one vault item by the id of
//! its row, decrypted, with its media type. Anything else is not found.

use super::{Privacy, PrivacyError};
use crate::db::DbError;
use crate::vault::{Kind, VaultItem};

impl Privacy {
    /// The bytes and media type of `item`; `not_found` for a row or file that
    /// is not there.
    pub fn read_item(&self, item: &VaultItem) -> Result<(Vec<u8>, &'static str), PrivacyError> {
        let (kind, key) = self
            .db
            .read(|conn| {
                let portrait_sha = |id: i64| {
                    crate::library::sql::get_portrait(conn, id).map(|p| p.map(|p| p.sha256))
                };
                let output_sha = |id: i64| {
                    crate::history::sql::get_output(conn, id).map(|o| o.map(|o| o.sha256))
                };
                let found = match item {
                    VaultItem::Portrait(id) => portrait_sha(*id)?.map(|s| (Kind::Original, s)),
                    VaultItem::PortraitThumbnail(id) => {
                        portrait_sha(*id)?.map(|s| (Kind::Thumbnail, s))
                    }
                    VaultItem::StyleThumbnail(id, style) => portrait_sha(*id)?.map(|s| {
                        (
                            Kind::StyleThumbnail,
                            crate::library::style_thumbnail_key(&s, style),
                        )
                    }),
                    VaultItem::Output(id) => output_sha(*id)?.map(|s| (Kind::Output, s)),
                    VaultItem::OutputThumbnail(id) => {
                        output_sha(*id)?.map(|s| (Kind::OutputThumbnail, s))
                    }
                    VaultItem::StylePicture(sha) => {
                        crate::generation::style_picture_references(conn, Kind::StylePicture, sha)?
                            .then(|| (Kind::StylePicture, sha.clone()))
                    }
                };
                Ok::<_, DbError>(found)
            })?
            .ok_or(PrivacyError::ItemNotFound)?;
        let bytes = self.vault.read(kind, &key).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => PrivacyError::ItemNotFound,
            _ => e.into(),
        })?;
        let media_type = match crate::imaging::sniff(&bytes) {
            Ok(image::ImageFormat::Png) => "image/png",
            Ok(image::ImageFormat::WebP) => "image/webp",
            _ => "image/jpeg",
        };
        Ok((bytes, media_type))
    }
}
