//! Style pictures: a picture of the user's own to paint in the style of. Not a
//! portrait, but it needs consent, must pass the NSFW check, and is kept
//! without metadata.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use ts_rs::TS;

use super::GenerationError;
use crate::db::Db;
use crate::imaging;
use crate::moderation::{Analysis, LazyModerator};
use crate::vault::{is_sha256_hex, sha256_hex, Kind, Vault};

/// A stored style picture, as the privacy centre lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct StoredStylePicture {
    pub sha256: String,
    #[ts(type = "number")]
    pub bytes: u64,
    /// RFC 3339, UTC.
    pub stored_at: String,
    /// Jobs and images whose settings use it; it is kept while any does.
    pub used_by: u32,
    pub path: String,
}

/// The style pictures of one data folder.
pub struct StylePictures {
    db: Arc<Db>,
    vault: Arc<Vault>,
    moderator: Arc<LazyModerator>,
}

impl StylePictures {
    pub fn new(db: Arc<Db>, vault: Arc<Vault>, moderator: Arc<LazyModerator>) -> Self {
        Self {
            db,
            vault,
            moderator,
        }
    }

    /// Keep a picture the user wants to use as a style; returns its sha256.
    /// It is decoded under the import caps and must pass the NSFW check
    /// (refused when the check cannot run).
    pub fn import(&self, bytes: &[u8]) -> Result<String, GenerationError> {
        crate::consent::require(&self.db)?;
        // Decode (same caps, upright) and encode once, as PNG: no metadata kept.
        let image = imaging::decode(bytes, imaging::sniff(bytes)?)?;
        // Scored on the same working copy as an import's NSFW check.
        let working = Analysis::of(&image).image;
        let safe = self
            .moderator
            .get()
            .map_err(|_| GenerationError::ModerationUnavailable)?
            .is_safe_output(&working)
            .map_err(|_| GenerationError::ModerationUnavailable)?;
        if !safe {
            return Err(GenerationError::UnsafeStylePicture);
        }
        let png = imaging::encode(&image, imaging::StoredFormat::Png)?;
        let sha = sha256_hex(&png);
        // Written under the write lock, so a sweep never sees it half-made.
        self.db.write(|_| {
            self.vault.put_with(Kind::StylePicture, &sha, "png", || {
                Ok::<_, GenerationError>(png)
            })
        })?;
        Ok(sha)
    }

    /// Every stored style picture, newest first.
    pub fn list(&self) -> Result<Vec<StoredStylePicture>, GenerationError> {
        let mut pictures = Vec::new();
        for path in self.vault.stored_files(Kind::StylePicture) {
            let Some(sha256) = path
                .file_stem()
                .and_then(|s| s.to_str())
                .filter(|s| is_sha256_hex(s))
            else {
                continue;
            };
            let sha256 = sha256.to_owned();
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            let stored_at = meta
                .modified()
                .map(|t| crate::clock::stored(t.into()))
                .unwrap_or_default();
            let used_by = self.db.read(|conn| {
                Ok::<_, GenerationError>(
                    crate::jobs::sql::count_mentions(conn, &sha256)?
                        + crate::history::sql::count_mentions(conn, &sha256)?,
                )
            })?;
            pictures.push(StoredStylePicture {
                sha256,
                bytes: meta.len(),
                stored_at,
                used_by,
                path: path.display().to_string(),
            });
        }
        pictures.sort_by(|a, b| b.stored_at.cmp(&a.stored_at));
        Ok(pictures)
    }

    /// Delete a style picture. Images made with it keep their recipe (which
    /// names it), but the picture itself is gone.
    pub fn delete(&self, sha256: &str) -> Result<(), GenerationError> {
        let path = self.path(sha256)?;
        if !path.is_file() {
            return Err(GenerationError::InvalidInput(
                "That style picture is not stored any more.".into(),
            ));
        }
        self.db.write(|_| {
            Ok::<_, GenerationError>(self.vault.remove(Kind::StylePicture, sha256, "png")?)
        })
    }

    /// Where the style picture with this hash is kept; a key that is not a
    /// sha256 is refused, never turned into a path.
    pub fn path(&self, sha256: &str) -> Result<PathBuf, GenerationError> {
        if !is_sha256_hex(sha256) {
            return Err(GenerationError::InvalidInput(
                "That style picture is not one Likeness stored.".into(),
            ));
        }
        Ok(self.vault.path(Kind::StylePicture, sha256, "png"))
    }
}

/// Whether a job or an output refers to the style picture named `key` (by its
/// sha256 in their settings). Other kinds are `false`.
pub(crate) fn references(
    conn: &rusqlite::Connection,
    kind: Kind,
    key: &str,
) -> rusqlite::Result<bool> {
    if kind != Kind::StylePicture {
        return Ok(false);
    }
    Ok(crate::jobs::mentions(conn, key)? || crate::history::sql::mentions(conn, key)?)
}
