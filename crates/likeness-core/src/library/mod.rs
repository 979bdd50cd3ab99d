//! The portrait library: portraits and the moderation records that let them
//! in (or kept them out). Import (decode, moderate, store, thumbnail,
//! record), list and delete.

mod import;
pub(crate) mod sql;

use std::io;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::clock::Clock;
use crate::consent::RequireError;
use crate::db::{Db, DbError};
use crate::engines::Style;
use crate::error::{Coded, ErrorCode};
use crate::framing::FaceAnchor;
use crate::imaging::{self, ImagingError};
use crate::moderation::{moderate_with, Analysis, Decision, LazyModerator, Reason, Verdict};
use crate::settings::retention;
use crate::vault::{sha256_hex, Kind, Vault, VaultFile, VaultItem};
use sql::PortraitRow;

/// A portrait as the UI and CLI see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Portrait {
    #[ts(type = "number")]
    pub id: i64,
    pub sha256: String,
    /// The file name it was imported from (no folder).
    pub original_name: String,
    /// `jpeg` or `png`: the stored encoding.
    pub format: String,
    pub width: u32,
    pub height: u32,
    /// Size of the stored file in bytes.
    #[ts(type = "number")]
    pub bytes: i64,
    /// RFC 3339, UTC.
    pub imported_at: String,
    /// When it was last imported, generated from or kept (RFC 3339, UTC):
    /// retention counts from here.
    pub last_used_at: String,
    /// When retention deletes it (RFC 3339, UTC); `None` when it is kept
    /// until the user deletes it.
    pub expires_at: Option<String>,
    /// The image and its thumbnail, as `vault:` protocol items.
    pub image: String,
    pub thumb: String,
}

/// The result of importing one file that could be read.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ImportOutcome {
    /// The stored portrait; `None` when moderation rejected it (its image was never kept).
    pub portrait: Option<Portrait>,
    /// True when the same image was already in the library; nothing new was stored.
    pub duplicate: bool,
    /// This import's moderation decision; `None` for a photo already in the
    /// library, which was checked when it first came in and is not checked again.
    pub moderation: Option<ModerationSummary>,
}

/// What the user is told about a moderation decision.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ModerationSummary {
    pub decision: Decision,
    pub reason: Reason,
    pub confidence: f32,
    pub face_count: u32,
    /// Faces large enough to count as people: the number a
    /// `multiple_people` refusal names. The words are the UI's, in the
    /// user's language ([`crate::moderation::reason_message`] is English).
    pub people: u32,
}

impl From<&Verdict> for ModerationSummary {
    fn from(v: &Verdict) -> Self {
        Self {
            decision: v.decision,
            reason: v.reason,
            confidence: v.confidence,
            face_count: v.faces.len() as u32,
            people: v.people,
        }
    }
}

/// How sure a moderation decision was, as a record keeps it (no exact score).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ConfidenceBand {
    Low,
    Medium,
    High,
}

impl ConfidenceBand {
    /// The band of a decision's confidence.
    pub fn of(confidence: f32) -> Self {
        match confidence {
            c if c >= 0.8 => Self::High,
            c if c >= 0.5 => Self::Medium,
            _ => Self::Low,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}

/// A moderation record as the privacy centre shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ModerationRecordEntry {
    #[ts(type = "number")]
    pub id: i64,
    pub decision: Decision,
    pub reason: Reason,
    pub confidence_band: ConfidenceBand,
    /// RFC 3339, UTC.
    pub decided_at: String,
    /// When retention deletes it (RFC 3339, UTC); a record that admitted a
    /// portrait still in the library stays while the portrait does.
    pub expires_at: Option<String>,
    /// The youthful-age limit in force for the decision, for "looked under 25".
    pub age_limit: f32,
    /// It admitted a portrait still in the library, so it goes with the portrait.
    pub in_use: bool,
}

/// Where one import has got to; reported as it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ImportStage {
    Decoding,
    Moderating,
    Storing,
    Done,
}

/// The `import-progress` event payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ImportProgress {
    /// The name of the file being imported.
    pub name: String,
    pub stage: ImportStage,
}

#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    #[error(transparent)]
    Imaging(#[from] ImagingError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("Could not read or write local files: {0}")]
    Io(#[from] io::Error),
    #[error("Portrait {0} was not found.")]
    NotFound(i64),
    #[error(transparent)]
    Consent(#[from] RequireError),
    #[error("This portrait has not passed the on-device checks, so it can't be used.")]
    NotAccepted,
    #[error("Could not encode moderation details: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("Moderation record {0} was not found.")]
    RecordNotFound(i64),
    #[error("This record let a portrait into your library. It is deleted with the portrait.")]
    RecordInUse(i64),
}

impl Coded for LibraryError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::Imaging(e) => e.code(),
            Self::Db(e) => e.code(),
            Self::Io(_) | Self::Encode(_) => ErrorCode::Io,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::Consent(e) => e.code(),
            Self::NotAccepted => ErrorCode::PortraitNotAccepted,
            Self::RecordNotFound(_) => ErrorCode::NotFound,
            Self::RecordInUse(_) => ErrorCode::RecordInUse,
        }
    }
}

impl From<rusqlite::Error> for LibraryError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Db(e.into())
    }
}

/// The portraits of one data folder, with the moderator that guards its door.
pub struct Portraits {
    db: Arc<Db>,
    vault: Arc<Vault>,
    moderator: Arc<LazyModerator>,
    clock: Arc<dyn Clock>,
    /// Ties this run's moderation records together.
    session_ref: String,
}

impl Portraits {
    pub fn new(
        db: Arc<Db>,
        vault: Arc<Vault>,
        moderator: Arc<LazyModerator>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let nanos = clock.now().unix_timestamp_nanos();
        let session_ref = sha256_hex(format!("{nanos} {}", std::process::id()).as_bytes());
        Self {
            db,
            vault,
            moderator,
            clock,
            session_ref: session_ref[..16].to_owned(),
        }
    }

    /// Every portrait, newest first.
    pub fn list(&self) -> Result<Vec<Portrait>, LibraryError> {
        let (rows, keep) = self.db.read(|conn| {
            let keep = retention::policy(conn)?.portrait_days;
            Ok::<_, LibraryError>((sql::list_portraits(conn)?, keep))
        })?;
        Ok(rows.into_iter().map(|r| self.portrait(r, keep)).collect())
    }

    /// One portrait by id.
    pub fn get(&self, id: i64) -> Result<Portrait, LibraryError> {
        let (row, keep) = self.db.read(|conn| {
            let keep = retention::policy(conn)?.portrait_days;
            Ok::<_, LibraryError>((sql::get_portrait(conn, id)?, keep))
        })?;
        row.map(|r| self.portrait(r, keep))
            .ok_or(LibraryError::NotFound(id))
    }

    /// Keep a portrait that is close to expiry: counts as a use, so its
    /// retention starts again from now.
    pub fn keep(&self, id: i64) -> Result<Portrait, LibraryError> {
        let now = self.clock.now_rfc3339();
        let found = self.db.write(|tx| {
            sql::mark_used(tx, id, &now)?;
            Ok::<_, LibraryError>(sql::get_portrait(tx, id)?.is_some())
        })?;
        if !found {
            return Err(LibraryError::NotFound(id));
        }
        self.get(id)
    }

    /// Where to frame an accepted portrait: its main face as moderation saw it
    /// (kept on the portrait's row). A portrait that moderation has not
    /// accepted has none.
    pub fn face_anchor(&self, portrait_id: i64) -> Result<FaceAnchor, LibraryError> {
        let face = self
            .db
            .read(|conn| Ok::<_, LibraryError>(sql::face_json(conn, portrait_id)?))?
            .ok_or(LibraryError::NotAccepted)?;
        Ok(serde_json::from_str(&face)?)
    }

    /// Delete a portrait: its record, then its image, thumbnail and style
    /// thumbnails. Once the record is gone the portrait is gone: a file that
    /// cannot be removed now is left for the next start's sweep.
    pub fn delete(&self, id: i64) -> Result<(), LibraryError> {
        let row = self
            .db
            .write(|tx| Ok::<_, LibraryError>(sql::delete_portrait(tx, id)?))?
            .ok_or(LibraryError::NotFound(id))?;
        self.vault
            .unlink_released(&self.db, &files_of(&row), sql::references);
        Ok(())
    }

    /// How many moderation decisions have been recorded with `reason` (all if `None`).
    pub fn moderation_count(&self, reason: Option<Reason>) -> Result<u64, LibraryError> {
        let reason = reason.map(Reason::code);
        self.db
            .read(|conn| Ok(sql::count_moderation(conn, reason)?))
    }

    /// Every moderation record, newest first, in the words of the privacy centre.
    pub fn moderation_records(&self) -> Result<Vec<ModerationRecordEntry>, LibraryError> {
        let (rows, days) = self.db.read(|conn| {
            let days = retention::policy(conn)?.moderation_record_days;
            Ok::<_, LibraryError>((sql::moderation_records(conn)?, days))
        })?;
        Ok(rows
            .into_iter()
            .map(|r| ModerationRecordEntry::of(&r, days))
            .collect())
    }

    /// Delete one moderation record; one that admitted a portrait still in
    /// the library is refused (`record_in_use`): it goes with the portrait.
    pub fn delete_moderation_record(&self, id: i64) -> Result<(), LibraryError> {
        match self
            .db
            .write(|tx| Ok::<_, LibraryError>(sql::delete_moderation(tx, id)?))?
        {
            Some(true) => Ok(()),
            Some(false) => Err(LibraryError::RecordInUse(id)),
            None => Err(LibraryError::RecordNotFound(id)),
        }
    }

    /// Moderate portraits stored before moderation existed: accepted ones are
    /// linked to their record, rejected ones deleted. Needs consent; returns
    /// how many were deleted.
    pub fn check_unmoderated(&self) -> Result<u32, LibraryError> {
        if crate::consent::require(&self.db).is_err() {
            return Ok(0);
        }
        let mut deleted = 0;
        let (thresholds, rows) = self.db.read(|conn| {
            let thresholds = crate::settings::thresholds(conn)?;
            Ok::<_, LibraryError>((thresholds, sql::unmoderated_portraits(conn)?))
        })?;
        for row in rows {
            let portrait = self.portrait(row, None);
            let stored = self.vault.read(Kind::Original, &portrait.sha256);
            let verdict = match stored
                .map_err(|_| ())
                .and_then(|b| imaging::decode_stored(&b).map_err(|_| ()))
            {
                Ok(image) => moderate_with(
                    self.moderator.get().as_deref(),
                    &Analysis::of(&image),
                    thresholds,
                ),
                Err(_) => Verdict::unreadable(thresholds),
            };
            if verdict.reason == Reason::ModerationUnavailable {
                continue; // try again when the checks can run; stays unusable meanwhile
            }
            let accepted = verdict.is_accepted();
            self.db.write(|tx| {
                let id = self.record_verdict(tx, &portrait.sha256, &verdict)?;
                if accepted {
                    sql::set_moderation(tx, portrait.id, id, &anchor_json(&verdict)?)?;
                }
                Ok::<_, LibraryError>(())
            })?;
            if !accepted {
                self.delete(portrait.id)?;
                deleted += 1;
            }
        }
        Ok(deleted)
    }

    /// The database and vault the portraits live in.
    pub(crate) fn storage(&self) -> (&Db, &Vault) {
        (&self.db, &self.vault)
    }

    /// A row as the UI sees it, with its files' paths.
    fn portrait(&self, row: PortraitRow, keep_days: Option<u32>) -> Portrait {
        Portrait {
            id: row.id,
            sha256: row.sha256,
            original_name: row.original_name,
            format: row.format,
            width: row.width,
            height: row.height,
            bytes: row.bytes,
            expires_at: retention::expires_at(&row.last_used_at, keep_days),
            imported_at: row.imported_at,
            last_used_at: row.last_used_at,
            image: VaultItem::Portrait(row.id).reference(),
            thumb: VaultItem::PortraitThumbnail(row.id).reference(),
        }
    }
}

impl ModerationRecordEntry {
    /// A stored record in the privacy centre's terms. A value this version
    /// does not know reads as the most cautious one.
    pub(crate) fn of(r: &sql::ModerationRow, days: u32) -> Self {
        let age_limit = serde_json::from_str::<serde_json::Value>(&r.thresholds_json)
            .ok()
            .and_then(|t| t.get("youthfulAge")?.as_f64())
            .map_or(crate::moderation::Thresholds::DEFAULT_YOUTHFUL_AGE, |a| {
                a as f32
            });
        Self {
            id: r.id,
            decision: parse_code(&r.decision).unwrap_or(Decision::Reject),
            reason: parse_code(&r.reason).unwrap_or(Reason::Unreadable),
            confidence_band: parse_code(&r.confidence_band).unwrap_or(ConfidenceBand::Low),
            expires_at: (!r.in_use)
                .then(|| retention::expires_at(&r.decided_at, Some(days)))
                .flatten(),
            decided_at: r.decided_at.clone(),
            age_limit,
            in_use: r.in_use,
        }
    }
}

/// A stored code read back as its enum; `None` for a code this version does not know.
fn parse_code<T: serde::de::DeserializeOwned>(code: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(code.into())).ok()
}

/// The face framing anchors on, of an accepted verdict, as kept on the
/// portrait's row: its box and eyes (no age, no score).
fn anchor_json(verdict: &Verdict) -> Result<String, LibraryError> {
    let face = verdict.faces.first().ok_or(LibraryError::NotAccepted)?;
    Ok(serde_json::to_string(&FaceAnchor::from_report(face))?)
}

/// The vault files of a portrait: its image, its thumbnail and its thumbnail
/// in each style.
pub(crate) fn files_of(row: &PortraitRow) -> Vec<VaultFile> {
    let sha256 = &row.sha256;
    let styles = Style::all().map(|style| {
        VaultFile::new(
            Kind::StyleThumbnail,
            style_thumbnail_key(sha256, style.id()),
        )
    });
    [
        VaultFile::new(Kind::Original, sha256.as_str()),
        VaultFile::new(Kind::Thumbnail, sha256.as_str()),
    ]
    .into_iter()
    .chain(styles)
    .collect()
}

/// The vault key of a portrait's thumbnail in one style.
pub(crate) fn style_thumbnail_key(portrait_sha256: &str, style_id: &str) -> String {
    format!("{portrait_sha256}-{style_id}")
}
