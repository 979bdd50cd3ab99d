//! Style pictures: a picture of the user's own to paint in the style of. Not a
//! portrait, but it needs consent, must pass the NSFW check, and is kept
//! without metadata.

use std::sync::Arc;

use image::RgbImage;
use rusqlite::params;

use serde::Serialize;
use ts_rs::TS;

use super::GenerationError;
use crate::clock::Clock;
use crate::db::Db;
use crate::imaging;
use crate::moderation::{Analysis, LazyModerator};
use crate::vault::{is_sha256_hex, sha256_hex, Kind, Vault, VaultItem};

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
    /// The picture, as a `vault:` protocol item.
    pub image: String,
}

/// The style pictures of one data folder.
pub struct StylePictures {
    db: Arc<Db>,
    vault: Arc<Vault>,
    moderator: Arc<LazyModerator>,
    clock: Arc<dyn Clock>,
}

impl StylePictures {
    pub fn new(
        db: Arc<Db>,
        vault: Arc<Vault>,
        moderator: Arc<LazyModerator>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            db,
            vault,
            moderator,
            clock,
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
        let now = self.clock.now_rfc3339();
        // The row and the file commit together, so a sweep never sees one without the other.
        self.db.write(|tx| {
            tx.execute(
                "INSERT INTO style_pictures (sha256, bytes, stored_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (sha256) DO UPDATE SET stored_at = excluded.stored_at",
                params![sha, png.len() as i64, now],
            )?;
            self.vault
                .put_with(Kind::StylePicture, &sha, || Ok::<_, GenerationError>(png))
        })?;
        Ok(sha)
    }

    /// Every stored style picture, newest first, with how many jobs and images use it.
    pub fn list(&self) -> Result<Vec<StoredStylePicture>, GenerationError> {
        self.db.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT sha256, bytes, stored_at FROM style_pictures ORDER BY stored_at DESC, sha256",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?))
            })?;
            let mut pictures = Vec::new();
            for row in rows {
                let (sha256, bytes, stored_at) = row?;
                let used_by = crate::jobs::sql::count_mentions(conn, &sha256)?
                    + crate::history::sql::count_mentions(conn, &sha256)?;
                pictures.push(StoredStylePicture {
                    image: VaultItem::StylePicture(sha256.clone()).reference(),
                    sha256,
                    bytes: bytes as u64,
                    stored_at,
                    used_by,
                });
            }
            Ok(pictures)
        })
    }

    /// Delete a style picture. Images made with it keep their recipe (which
    /// names it), but the picture itself is gone.
    pub fn delete(&self, sha256: &str) -> Result<(), GenerationError> {
        let sha256 = checked(sha256)?;
        self.db.write(|tx| {
            if tx.execute("DELETE FROM style_pictures WHERE sha256 = ?1", [sha256])? == 0 {
                return Err(GenerationError::InvalidInput(
                    "That style picture is not stored any more.".into(),
                ));
            }
            Ok(self.vault.remove(Kind::StylePicture, sha256)?)
        })
    }

    /// A stored style picture, decoded; a key that is not a sha256 is refused.
    pub fn read(&self, sha256: &str) -> Result<RgbImage, GenerationError> {
        super::pipeline::read_rgb(&self.vault, Kind::StylePicture, checked(sha256)?)
    }

    /// A stored style picture's bytes, for the window and the archive.
    pub fn bytes(&self, sha256: &str) -> Result<Vec<u8>, GenerationError> {
        Ok(self.vault.read(Kind::StylePicture, checked(sha256)?)?)
    }
}

/// `sha256` if it is one, so that no other text ever names a vault file.
fn checked(sha256: &str) -> Result<&str, GenerationError> {
    if is_sha256_hex(sha256) {
        Ok(sha256)
    } else {
        Err(GenerationError::InvalidInput(
            "That style picture is not one Likeness stored.".into(),
        ))
    }
}

/// Whether the style picture named `key` is stored (has its row). Other kinds are `false`.
pub(crate) fn references(
    conn: &rusqlite::Connection,
    kind: Kind,
    key: &str,
) -> rusqlite::Result<bool> {
    if kind != Kind::StylePicture {
        return Ok(false);
    }
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM style_pictures WHERE sha256 = ?1)")?
        .query_row([key], |r| r.get(0))
}

/// The keys of every stored style picture (for the sweep).
pub(crate) fn live_keys(conn: &rusqlite::Connection, kind: Kind) -> rusqlite::Result<Vec<String>> {
    if kind != Kind::StylePicture {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare_cached("SELECT sha256 FROM style_pictures")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect()
}

/// Forget style pictures no job or image uses that were stored before
/// `cutoff` (a picture just picked waits for the job it was picked for);
/// their files go with the sweep. Returns how many.
pub(crate) fn prune_unused(conn: &rusqlite::Connection, cutoff: &str) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM style_pictures WHERE stored_at < ?1
           AND NOT EXISTS (SELECT 1 FROM jobs WHERE instr(jobs.settings_json, style_pictures.sha256) > 0)
           AND NOT EXISTS (SELECT 1 FROM outputs WHERE instr(outputs.settings_json, style_pictures.sha256) > 0)",
        [cutoff],
    )
}
