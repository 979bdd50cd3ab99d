//! The History: every image the jobs made, newest first, with filters,
//! favourites, delete and export.
//!
//! An output outlives its portrait (it has its own retention): its
//! `portrait_id` becomes `null` when the portrait is deleted.

pub mod export;
pub(crate) mod sql;

use std::collections::BTreeMap;
use std::io;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::db::{Db, DbError};
use crate::error::{Coded, ErrorCode};
use crate::recipe::{self, CloudCharge, GenerationSettings, SourceCrop};
use crate::settings::retention;
use crate::vault::{Kind, Vault, VaultFile, VaultItem};
use sql::OutputRow;

/// An output's id.
pub type OutputId = i64;

/// The page size when a query does not say.
pub const DEFAULT_PAGE: u32 = 60;
/// The largest page.
pub const MAX_PAGE: u32 = 500;

/// A generated image in the History.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Output {
    #[ts(type = "number")]
    pub id: OutputId,
    /// The job that made it; `null` once the job record is gone.
    #[ts(type = "number | null")]
    pub job_id: Option<i64>,
    /// The source portrait; `null` once the portrait is deleted.
    #[ts(type = "number | null")]
    pub portrait_id: Option<i64>,
    pub sha256: String,
    /// `png`, `jpeg` or `webp`.
    pub format: String,
    pub width: u32,
    pub height: u32,
    /// Size of the file in bytes.
    #[ts(type = "number")]
    pub bytes: i64,
    /// The full settings that made it, as recorded (for engines and exports;
    /// the window gets them typed, below).
    #[serde(skip)]
    #[ts(skip)]
    pub settings_json: String,
    /// The Studio settings that made it; `null` when the record is not in the
    /// Studio's shape (an engine's own).
    pub settings: Option<GenerationSettings>,
    /// Where in the portrait photo it was cut from, to line the original up with it.
    pub source_crop: Option<SourceCrop>,
    /// What it cost, when it was made in Likeness Cloud.
    pub cloud_charge: Option<CloudCharge>,
    /// The style it was made in, for the style filter (see [`style_key`]).
    pub style_key: Option<String>,
    pub engine: String,
    /// Model name to sha256, for each model the engine used.
    pub model_hashes: BTreeMap<String, String>,
    #[ts(type = "number | null")]
    pub seed: Option<i64>,
    pub favourite: bool,
    /// RFC 3339, UTC, whole seconds.
    pub created_at: String,
    /// The preview this HD image was upscaled from; `null` for a preview, or
    /// once that preview or the job's record is gone.
    #[ts(type = "number | null")]
    pub made_from: Option<OutputId>,
    /// When retention deletes it (RFC 3339, UTC); `None` for a favourite, or
    /// when images are kept until the user deletes them.
    pub expires_at: Option<String>,
    /// The image and its thumbnail, as `vault:` protocol items.
    pub image: String,
    pub thumb: String,
}

/// A History query. Every filter given must match; results are newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct OutputFilter {
    #[ts(type = "number | null")]
    pub portrait_id: Option<i64>,
    pub style_key: Option<String>,
    /// RFC 3339; outputs made at or after it.
    pub since: Option<String>,
    /// RFC 3339; outputs made before it.
    pub until: Option<String>,
    pub favourites_only: bool,
    /// Page size; 0 for [`DEFAULT_PAGE`], at most [`MAX_PAGE`].
    pub limit: u32,
    /// Continue after this point (the `next` of the previous page).
    pub after: Option<OutputCursor>,
}

/// A position in the History, for keyset pagination: the last output of a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OutputCursor {
    pub created_at: String,
    #[ts(type = "number")]
    pub id: OutputId,
}

/// One page of the History.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OutputPage {
    pub outputs: Vec<Output>,
    /// Pass as `after` for the next page; `null` on the last page.
    pub next: Option<OutputCursor>,
}

/// Why a History call failed.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("Could not read or write local files: {0}")]
    Io(#[from] io::Error),
    #[error("Image {0} was not found in the History.")]
    OutputNotFound(OutputId),
    #[error("{0}")]
    InvalidInput(String),
}

impl Coded for HistoryError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::Db(e) => e.code(),
            Self::Io(_) => ErrorCode::Io,
            Self::OutputNotFound(_) => ErrorCode::OutputNotFound,
            Self::InvalidInput(_) => ErrorCode::InvalidInput,
        }
    }
}

impl From<rusqlite::Error> for HistoryError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Db(e.into())
    }
}

/// The History: generated images, newest first, with filters and favourites.
pub struct History {
    db: Arc<Db>,
    vault: Arc<Vault>,
}

impl History {
    pub fn new(db: Arc<Db>, vault: Arc<Vault>) -> Self {
        Self { db, vault }
    }

    /// One page of outputs matching `filter`, newest first. Pages follow each
    /// other by keyset (`after` = the previous page's `next`), so images added or
    /// deleted meanwhile never cause a duplicate or a gap.
    pub fn list_outputs(&self, filter: &OutputFilter) -> Result<OutputPage, HistoryError> {
        let limit = match filter.limit {
            0 => DEFAULT_PAGE,
            n if n > MAX_PAGE => {
                return Err(HistoryError::InvalidInput(format!(
                    "A History page holds at most {MAX_PAGE} images."
                )))
            }
            n => n,
        };
        let mut query = filter.clone();
        query.since = filter.since.as_deref().map(stored_time).transpose()?;
        query.until = filter.until.as_deref().map(stored_time).transpose()?;
        // One extra row tells whether there is a next page.
        let (mut rows, keep) = self.db.read(|conn| {
            let keep = retention::policy(conn)?.output_days;
            Ok::<_, HistoryError>((sql::list_outputs(conn, &query, limit + 1)?, keep))
        })?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next = rows.last().filter(|_| more).map(|r| OutputCursor {
            created_at: r.created_at.clone(),
            id: r.id,
        });
        Ok(OutputPage {
            outputs: rows.into_iter().map(|r| self.output(r, keep)).collect(),
            next,
        })
    }

    /// One output by id.
    pub fn get_output(&self, id: OutputId) -> Result<Output, HistoryError> {
        let (row, keep) = self.db.read(|conn| {
            let keep = retention::policy(conn)?.output_days;
            Ok::<_, HistoryError>((sql::get_output(conn, id)?, keep))
        })?;
        row.map(|r| self.output(r, keep))
            .ok_or(HistoryError::OutputNotFound(id))
    }

    /// The file name portrait `id` was imported from, if it is still in the library.
    pub(crate) fn portrait_name(&self, id: i64) -> Option<String> {
        self.db
            .read(|conn| Ok::<_, DbError>(crate::library::sql::get_portrait(conn, id)?))
            .ok()
            .flatten()
            .map(|row| row.original_name)
    }

    /// Mark or unmark an output as a favourite (favourites are kept until deleted).
    pub fn set_favourite(&self, id: OutputId, favourite: bool) -> Result<Output, HistoryError> {
        let found = self
            .db
            .write(|tx| Ok::<_, HistoryError>(sql::set_favourite(tx, id, favourite)?))?;
        if !found {
            return Err(HistoryError::OutputNotFound(id));
        }
        self.get_output(id)
    }

    /// Delete an output: its row, then its image and thumbnail unless another
    /// output is the very same image. Once the row is gone the output is gone:
    /// a file that cannot be removed now is left for the next start's sweep.
    pub fn delete_output(&self, id: OutputId) -> Result<(), HistoryError> {
        let row = self
            .db
            .write(|tx| Ok::<_, HistoryError>(sql::delete_output(tx, id)?))?
            .ok_or(HistoryError::OutputNotFound(id))?;
        self.vault
            .unlink_released(&self.db, &files_of(&row.sha256), sql::references);
        Ok(())
    }

    /// Whether an output's image is in the vault.
    pub fn has_image(&self, output: &Output) -> bool {
        self.vault.contains(Kind::Output, &output.sha256)
    }

    /// The stored bytes of an output's image (decrypted).
    pub fn image_bytes(&self, output: &Output) -> io::Result<Vec<u8>> {
        self.vault.read(Kind::Output, &output.sha256)
    }

    fn output(&self, row: OutputRow, keep_days: Option<u32>) -> Output {
        let (settings, source_crop) = recipe::read_recorded(&row.settings_json);
        Output {
            id: row.id,
            job_id: row.job_id,
            portrait_id: row.portrait_id,
            // Written by us from a BTreeMap; an unreadable value shows as no hashes.
            model_hashes: serde_json::from_str(&row.model_hashes_json).unwrap_or_default(),
            sha256: row.sha256,
            format: row.format,
            width: row.width,
            height: row.height,
            bytes: row.bytes,
            settings,
            source_crop,
            cloud_charge: recipe::read_cloud_charge(&row.settings_json),
            settings_json: row.settings_json,
            style_key: row.style_key,
            engine: row.engine,
            seed: row.seed,
            expires_at: (!row.favourite)
                .then(|| retention::expires_at(&row.created_at, keep_days))
                .flatten(),
            favourite: row.favourite,
            created_at: row.created_at,
            made_from: row.made_from,
            image: VaultItem::Output(row.id).reference(),
            thumb: VaultItem::OutputThumbnail(row.id).reference(),
        }
    }
}

/// The vault files of an output: its image and its thumbnail.
pub(crate) fn files_of(sha256: &str) -> [VaultFile; 2] {
    [
        VaultFile::new(Kind::Output, sha256),
        VaultFile::new(Kind::OutputThumbnail, sha256),
    ]
}

/// The style an output is filed under in History: `styleKey` when the settings
/// have one (engines set it for blends and custom styles), else `style` when it
/// is a string, else `style.key`.
pub fn style_key(settings: &serde_json::Value) -> Option<String> {
    let found = settings
        .get("styleKey")
        .or_else(|| settings.get("style").filter(|s| s.is_string()))
        .or_else(|| settings.get("style").and_then(|s| s.get("key")));
    found.and_then(|v| v.as_str()).map(str::to_owned)
}

/// A time filter in the stored form, so that text comparison is time comparison.
fn stored_time(s: &str) -> Result<String, HistoryError> {
    crate::clock::parse_stored(s).ok_or_else(|| {
        HistoryError::InvalidInput(format!("{s:?} is not a date and time (RFC 3339)."))
    })
}
