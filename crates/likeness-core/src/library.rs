//! The portrait library: import (decode, strip, store, thumbnail, record),
//! list and delete, over the store and the vault.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::consent::{
    self, ConsentAnswers, ConsentKind, ConsentRecord, ConsentRequired, ConsentStatus,
    WithdrawOutcome,
};
use crate::error::{ApiError, ErrorCode};
use crate::generation::engines::Style;
use crate::generation::framing::FaceAnchor;
use crate::imaging::{self, ImagingError};
use crate::jobs::History;
use crate::moderation::{
    moderate_with, Analysis, Decision, FaceReport, ModerationError, Moderator, Reason, Thresholds,
    Verdict,
};
use crate::store::{NewModerationRecord, NewPortrait, PortraitRow, Store, StoreError};
use crate::sweep::{self, SweepReport, VaultFile};
use crate::vault::{sha256_hex, Kind, Vault};

/// The moderator the library checks imports with, or why it could not load
/// (then every import is refused: moderation fails closed).
pub type ModeratorHandle = Result<Arc<Moderator>, ModerationError>;

/// Settings key of the youthful-age threshold.
const YOUTHFUL_AGE_SETTING: &str = "moderation.youthful_age";

/// Loads the moderator on first use, so opening the library (and the app's
/// first paint) does not wait for the models.
type ModeratorLoader = Box<dyn Fn() -> ModeratorHandle + Send + Sync>;

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
    pub image_path: String,
    pub thumb_path: String,
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
    pub moderation: ModerationSummary,
}

/// What the user is told about a moderation decision.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ModerationSummary {
    pub decision: Decision,
    pub reason: Reason,
    /// Plain words, with what to do instead.
    pub message: String,
    pub confidence: f32,
    pub face_count: u32,
}

impl From<&Verdict> for ModerationSummary {
    fn from(v: &Verdict) -> Self {
        Self {
            decision: v.decision,
            reason: v.reason,
            message: v.message.clone(),
            confidence: v.confidence,
            face_count: v.faces.len() as u32,
        }
    }
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
    Store(#[from] StoreError),
    #[error("Could not read or write local files: {0}")]
    Io(#[from] io::Error),
    #[error("{0} was not found.")]
    NotFound(String),
    #[error("Please confirm the consent steps before importing portraits.")]
    ConsentRequired,
    #[error("This picture looks like it may contain nudity or adult content, so it can't be used as a style.")]
    UnsafeStylePicture,
    #[error("Safety checks couldn't run on this computer, so the picture wasn't accepted.")]
    ModerationUnavailable,
    #[error("This portrait has not passed the on-device checks, so it can't be used.")]
    NotAccepted,
    #[error("Could not encode moderation details: {0}")]
    Encode(#[from] serde_json::Error),
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl LibraryError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Imaging(e) => e.code(),
            Self::Store(_) => ErrorCode::Database,
            Self::Io(_) => ErrorCode::Io,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::ConsentRequired => ErrorCode::ConsentRequired,
            Self::UnsafeStylePicture => ErrorCode::UnsafeStylePicture,
            Self::ModerationUnavailable => ErrorCode::ModerationUnavailable,
            Self::NotAccepted => ErrorCode::PortraitNotAccepted,
            Self::Encode(_) => ErrorCode::Io,
            Self::Api(e) => e.code,
        }
    }
}

impl From<ConsentRequired> for LibraryError {
    fn from(_: ConsentRequired) -> Self {
        Self::ConsentRequired
    }
}

impl From<LibraryError> for ApiError {
    fn from(e: LibraryError) -> Self {
        ApiError::new(e.code(), e.to_string())
    }
}

/// The library: one SQLite database and one vault in a data folder, with the
/// moderator that guards its door.
pub struct Library {
    store: Arc<Store>,
    vault: Arc<Vault>,
    moderator: OnceLock<ModeratorHandle>,
    load_moderator: ModeratorLoader,
    /// Ties this run's moderation records together.
    session_ref: String,
    /// What the sweep at open found (or why it could not run).
    opening_sweep: Result<SweepReport, ApiError>,
}

impl Library {
    /// Open (creating) the library in `data_dir`: `likeness.db` and `vault/`.
    /// `load_moderator` runs once, at the first import or [`Library::moderator`] call.
    ///
    /// Opening sweeps the vault of files a crash left without a row (see
    /// [`crate::sweep`]); [`Library::opening_sweep`] says what it removed. A sweep
    /// that cannot run (say, the database is busy) does not stop the library opening.
    pub fn open(
        data_dir: &Path,
        load_moderator: impl Fn() -> ModeratorHandle + Send + Sync + 'static,
    ) -> Result<Self, LibraryError> {
        crate::private_fs::create_dir_all(data_dir)?;
        crate::private_fs::touch(&data_dir.join("likeness.db"))?;
        crate::private_fs::restrict_tree(data_dir)?;
        let store = Arc::new(Store::open(&data_dir.join("likeness.db"))?);
        let vault = Arc::new(Vault::open(data_dir.join("vault"))?);
        let session_ref = sha256_hex(format!("{} {}", now_nanos(), std::process::id()).as_bytes());
        let opening_sweep = sweep::sweep(&store, &vault).map_err(|e| LibraryError::from(e).into());
        Ok(Self {
            store,
            vault,
            moderator: OnceLock::new(),
            load_moderator: Box::new(load_moderator),
            session_ref: session_ref[..16].to_owned(),
            opening_sweep,
        })
    }

    /// What the sweep at open removed, or why it could not run.
    pub fn opening_sweep(&self) -> Result<&SweepReport, &ApiError> {
        self.opening_sweep.as_ref()
    }

    /// A line for the log when the sweep at open removed something, could not
    /// remove something, or could not run; `None` when the vault was clean.
    pub fn opening_sweep_note(&self) -> Option<String> {
        match &self.opening_sweep {
            Ok(r) if r.removed() == 0 && r.failed == 0 => None,
            Ok(r) => Some(format!(
                "removed {} files a crash left in the vault ({} orphaned images, {} unfinished writes); {} could not be removed",
                r.removed(),
                r.orphans_removed,
                r.temp_files_removed,
                r.failed
            )),
            Err(e) => Some(format!("could not check the vault for leftover files: {e}")),
        }
    }

    /// Remove every vault file no row refers to, and leftover temp files (see [`crate::sweep`]).
    pub fn sweep(&self) -> Result<SweepReport, LibraryError> {
        Ok(sweep::sweep(&self.store, &self.vault)?)
    }

    /// The database and vault, shared with the job queue and the History.
    pub fn storage(&self) -> (Arc<Store>, Arc<Vault>) {
        (Arc::clone(&self.store), Arc::clone(&self.vault))
    }

    /// The History of generated outputs.
    pub fn history(&self) -> History {
        History::new(Arc::clone(&self.store), Arc::clone(&self.vault))
    }

    /// Where to frame an accepted portrait: its main face as moderation saw it.
    /// A portrait that moderation has not accepted has none.
    pub fn face_anchor(&self, portrait_id: i64) -> Result<FaceAnchor, LibraryError> {
        let faces = self
            .store
            .accepted_faces_json(portrait_id)?
            .ok_or(LibraryError::NotAccepted)?;
        let faces: Vec<FaceReport> = serde_json::from_str(&faces)?;
        faces
            .first()
            .map(FaceAnchor::from_report)
            .ok_or(LibraryError::NotAccepted)
    }

    /// Keep a picture the user wants to use as a style. It needs consent, is
    /// decoded under the import caps, must pass the NSFW check (refused when
    /// the check cannot run), and is stored without metadata; it is not a portrait.
    pub fn import_style_picture(&self, bytes: &[u8]) -> Result<String, LibraryError> {
        self.require_consent()?;
        // Decode (same caps, upright) and encode once, as PNG: no metadata kept.
        let image = imaging::decode(bytes, imaging::sniff(bytes)?)?;
        // Scored on the same working copy as an import's NSFW check.
        let working = Analysis::of(&image).image;
        let safe = self
            .moderator()
            .map_err(|_| LibraryError::ModerationUnavailable)?
            .is_safe_output(&working)
            .map_err(|_| LibraryError::ModerationUnavailable)?;
        if !safe {
            return Err(LibraryError::UnsafeStylePicture);
        }
        let png = imaging::encode(&image, imaging::StoredFormat::Png)?;
        let sha = sha256_hex(&png);
        // Written under the write lock, so a sweep never sees it half-made.
        self.store.write_locked(|_| {
            self.vault.put_with(Kind::StylePicture, &sha, "png", || {
                Ok::<_, LibraryError>(png)
            })
        })?;
        Ok(sha)
    }

    /// Where the style picture with this hash is kept; a key that is not a
    /// sha256 is refused, never turned into a path.
    pub fn style_picture_path(&self, sha256: &str) -> Result<PathBuf, LibraryError> {
        if !crate::vault::is_sha256_hex(sha256) {
            return Err(LibraryError::Api(ApiError::new(
                ErrorCode::InvalidInput,
                "That style picture is not one Likeness stored.",
            )));
        }
        Ok(self.vault.path(Kind::StylePicture, sha256, "png"))
    }

    /// The cached thumbnail of `portrait` in built-in style `style_id`, made by
    /// `render` the first time it is asked for. It is kept only while the
    /// portrait is: one deleted while this rendered gets no thumbnail.
    pub fn style_thumbnail(
        &self,
        portrait: &Portrait,
        style_id: &str,
        render: impl FnOnce() -> Result<Vec<u8>, LibraryError>,
    ) -> Result<PathBuf, LibraryError> {
        let key = style_thumbnail_key(&portrait.sha256, style_id);
        let path = self.vault.path(Kind::StyleThumbnail, &key, "jpg");
        if path.is_file() {
            return Ok(path);
        }
        // Rendering is slow: do it before taking the write lock.
        let jpeg = render()?;
        self.store.write_locked(|conn| {
            if !sweep::is_referenced(conn, Kind::StyleThumbnail, &key).map_err(StoreError::from)? {
                return Err(LibraryError::NotFound(format!("Portrait {}", portrait.id)));
            }
            self.vault
                .put_with(Kind::StyleThumbnail, &key, "jpg", || Ok(jpeg))
        })
    }

    /// The moderator, loading it if this is the first call (callers meanwhile wait).
    pub fn moderator(&self) -> Result<&Moderator, &ModerationError> {
        self.moderator.get_or_init(&self.load_moderator).as_deref()
    }

    /// The vault folder, the only place the UI may load images from.
    pub fn vault_dir(&self) -> &Path {
        self.vault.root()
    }

    /// Import the file at `path` (checked for size before it is read).
    pub fn import_file(
        &self,
        path: &Path,
        progress: &mut dyn FnMut(ImportStage),
    ) -> Result<ImportOutcome, LibraryError> {
        let bytes = imaging::read_capped(path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.import_bytes(&name, &bytes, progress)
    }

    /// Import an image given as bytes: decode it, moderate it, record the decision,
    /// and store it only if it is accepted. A rejected image never reaches the vault.
    /// An identical image already in the library is returned, not stored twice.
    pub fn import_bytes(
        &self,
        name: &str,
        bytes: &[u8],
        progress: &mut dyn FnMut(ImportStage),
    ) -> Result<ImportOutcome, LibraryError> {
        self.require_consent()?;
        progress(ImportStage::Decoding);
        let prepared = imaging::prepare(bytes)?;
        progress(ImportStage::Moderating);
        let thresholds = self.thresholds()?;
        let analysis = Analysis::of_prepared(&prepared);
        // The hash and the thumbnail need nothing from moderation: make them on
        // the other core meanwhile (the thumbnail is only written if accepted).
        let (verdict, (sha, thumbnail)) = std::thread::scope(|s| {
            let side = s.spawn(|| {
                let sha = sha256_hex(&prepared.encoded);
                (sha, imaging::thumbnail(&prepared.working))
            });
            let verdict = moderate_with(self.moderator(), &analysis, thresholds);
            let side = side.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            (verdict, side)
        });
        let name = clean_name(name);
        let moderation = ModerationSummary::from(&verdict);
        if !verdict.is_accepted() {
            self.record_verdict(&sha, &name, &verdict)?;
            progress(ImportStage::Done);
            return Ok(ImportOutcome {
                portrait: None,
                duplicate: false,
                moderation,
            });
        }
        progress(ImportStage::Storing);
        let ext = prepared.format.extension();
        let now = now_rfc3339();
        let new = NewPortrait {
            sha256: &sha,
            original_name: &name,
            format: prepared.format.as_str(),
            width: prepared.width,
            height: prepared.height,
            bytes: prepared.encoded.len() as i64,
            imported_at: &now,
        };
        let thumbnail = thumbnail?;
        // The accepting record, the row and its files commit together (side by
        // side, so that the files' fsyncs overlap): a killed import leaves
        // neither an "accept" record without its portrait nor a file without its row.
        let stored = self.with_verdict_record(&sha, &name, &verdict, |record| {
            self.store.insert_portrait(&new, record, || {
                std::thread::scope(|s| {
                    let thumb = s.spawn(|| {
                        self.vault.put_with(Kind::Thumbnail, &sha, "jpg", || {
                            Ok::<_, LibraryError>(thumbnail)
                        })
                    });
                    self.vault.put_with(Kind::Original, &sha, ext, || {
                        Ok::<_, LibraryError>(prepared.encoded.clone())
                    })?;
                    thumb
                        .join()
                        .unwrap_or_else(|p| std::panic::resume_unwind(p))?;
                    Ok(())
                })
            })
        });
        let (row, inserted) = match stored {
            Ok(stored) => stored,
            Err(e) => {
                // Whatever was written has no row: remove it (unless another has).
                sweep::unlink_released(&self.store, &self.vault, &portrait_files(&sha, ext));
                return Err(e);
            }
        };
        progress(ImportStage::Done);
        Ok(ImportOutcome {
            portrait: Some(self.portrait(row)),
            duplicate: !inserted,
            moderation,
        })
    }

    /// Keep the moderation record (metadata only) for a decision.
    fn record_verdict(&self, sha: &str, name: &str, v: &Verdict) -> Result<i64, LibraryError> {
        self.with_verdict_record(sha, name, v, |r| Ok(self.store.insert_moderation(r)?))
    }

    /// Call `f` with the moderation record (metadata only) of a decision.
    fn with_verdict_record<T>(
        &self,
        sha: &str,
        name: &str,
        v: &Verdict,
        f: impl FnOnce(&NewModerationRecord<'_>) -> Result<T, LibraryError>,
    ) -> Result<T, LibraryError> {
        f(&NewModerationRecord {
            image_sha256: sha,
            source_name: name,
            decision: if v.is_accepted() { "accept" } else { "reject" },
            reason: v.reason.code(),
            confidence: f64::from(v.confidence),
            faces_json: &serde_json::to_string(&v.faces)?,
            model_hashes_json: &serde_json::to_string(&v.model_hashes)?,
            thresholds_json: &serde_json::to_string(&v.thresholds)?,
            app_version: env!("CARGO_PKG_VERSION"),
            session_ref: &self.session_ref,
            decided_at: &now_rfc3339(),
        })
    }

    /// Moderate portraits stored before moderation existed: accepted ones are
    /// linked to their record, rejected ones deleted. Needs consent; returns
    /// how many were deleted.
    pub fn check_unmoderated(&self) -> Result<u32, LibraryError> {
        if !self.consent_status()?.complete {
            return Ok(0);
        }
        let mut deleted = 0;
        let thresholds = self.thresholds()?;
        for row in self.store.unmoderated_portraits()? {
            let portrait = self.portrait(row);
            let verdict = match imaging::open(Path::new(&portrait.image_path)) {
                Ok(image) => moderate_with(self.moderator(), &Analysis::of(&image), thresholds),
                Err(_) => Verdict::unreadable(thresholds),
            };
            if verdict.reason == Reason::ModerationUnavailable {
                continue; // try again when the checks can run; stays unusable meanwhile
            }
            let id = self.record_verdict(&portrait.sha256, &portrait.original_name, &verdict)?;
            if verdict.is_accepted() {
                self.store.set_portrait_moderation(portrait.id, id)?;
            } else {
                self.delete(portrait.id)?;
                deleted += 1;
            }
        }
        Ok(deleted)
    }

    /// The moderation thresholds in force: the defaults, made stricter if the
    /// user raised the youthful-age threshold.
    pub fn thresholds(&self) -> Result<Thresholds, LibraryError> {
        let years = self
            .store
            .setting(YOUTHFUL_AGE_SETTING)?
            .and_then(|v| v.parse().ok());
        // A stored value below the floor (hand-edited) is ignored, never obeyed.
        Ok(years
            .and_then(|y| Thresholds::new(y).ok())
            .unwrap_or_default())
    }

    /// Raise (or lower back towards 21) the age under which faces are refused as
    /// ambiguously youthful. Values below 21 are refused.
    pub fn set_youthful_age(&self, years: f32) -> Result<Thresholds, LibraryError> {
        let thresholds = Thresholds::new(years)
            .map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.to_string()))?;
        self.store
            .set_setting(YOUTHFUL_AGE_SETTING, &years.to_string())?;
        Ok(thresholds)
    }

    /// Where consent stands now.
    pub fn consent_status(&self) -> Result<ConsentStatus, LibraryError> {
        Ok(ConsentStatus::recorded(&self.store)?)
    }

    /// Refuse with `consent_required` unless all three consents stand now
    /// (see [`consent::require_consent`]).
    pub fn require_consent(&self) -> Result<(), LibraryError> {
        Ok(consent::require_consent(&self.consent_status()?)?)
    }

    /// Every consent answer, newest first.
    pub fn consent_history(&self) -> Result<Vec<ConsentRecord>, LibraryError> {
        Ok(self.store.consent_history()?)
    }

    /// Record each answer under the current policy version. Any `no` is a
    /// withdrawal: it deletes what depends on consent, as [`Self::withdraw_consent`] does.
    pub fn record_consent(&self, answers: ConsentAnswers) -> Result<ConsentStatus, LibraryError> {
        if answers.all_given() {
            self.record_answers(answers)?;
        } else {
            self.withdraw(answers)?;
        }
        self.consent_status()
    }

    fn record_answers(&self, answers: ConsentAnswers) -> Result<(), LibraryError> {
        let now = now_rfc3339();
        for kind in ConsentKind::ALL {
            let policy = crate::consent::POLICY_VERSION;
            self.store
                .insert_consent(kind, answers.get(kind), policy, &now)?;
        }
        Ok(())
    }

    /// Withdraw all consent: record the withdrawal, then delete every portrait
    /// and its files. Moderation and consent records (no images) stay.
    pub fn withdraw_consent(&self) -> Result<WithdrawOutcome, LibraryError> {
        self.withdraw(ConsentAnswers::all(false))
    }

    /// Record `answers` (at least one `no`), then delete what depends on consent.
    fn withdraw(&self, answers: ConsentAnswers) -> Result<WithdrawOutcome, LibraryError> {
        self.record_answers(answers)?;
        let portraits = self.store.list_portraits()?;
        for row in &portraits {
            self.delete(row.id)?;
        }
        // Everything made from those portraits goes too.
        let history = self.history();
        loop {
            let page = history
                .list_outputs(&Default::default())
                .map_err(ApiError::from)?;
            if page.outputs.is_empty() {
                break;
            }
            for output in page.outputs {
                history.delete_output(output.id).map_err(ApiError::from)?;
            }
        }
        self.store
            .write_locked(|_| Ok::<_, LibraryError>(self.vault.clear(Kind::StylePicture)?))?;
        // And whatever a crash ever left behind: no image may outlive consent.
        self.sweep()?;
        Ok(WithdrawOutcome {
            portraits_deleted: portraits.len() as u32,
        })
    }

    /// How many moderation decisions have been recorded with `reason` (all if `None`).
    pub fn moderation_count(&self, reason: Option<Reason>) -> Result<u64, LibraryError> {
        Ok(self.store.count_moderation(reason.map(Reason::code))?)
    }

    /// Every portrait, newest first.
    pub fn list(&self) -> Result<Vec<Portrait>, LibraryError> {
        Ok(self
            .store
            .list_portraits()?
            .into_iter()
            .map(|r| self.portrait(r))
            .collect())
    }

    /// One portrait by id.
    pub fn get(&self, id: i64) -> Result<Portrait, LibraryError> {
        self.store
            .get_portrait(id)?
            .map(|r| self.portrait(r))
            .ok_or_else(|| LibraryError::NotFound(format!("Portrait {id}")))
    }

    /// Delete a portrait: its record, then its image, thumbnail and style
    /// thumbnails. Once the record is gone the portrait is gone: a file that
    /// cannot be removed now is left for the next start's sweep.
    pub fn delete(&self, id: i64) -> Result<(), LibraryError> {
        let row = self
            .store
            .delete_portrait(id)?
            .ok_or_else(|| LibraryError::NotFound(format!("Portrait {id}")))?;
        let files = portrait_files(&row.sha256, extension_of(&row.format));
        sweep::unlink_released(&self.store, &self.vault, &files);
        Ok(())
    }

    fn portrait(&self, row: PortraitRow) -> Portrait {
        let image_path = self
            .vault
            .path(Kind::Original, &row.sha256, extension_of(&row.format));
        let thumb_path = self.vault.path(Kind::Thumbnail, &row.sha256, "jpg");
        Portrait {
            id: row.id,
            sha256: row.sha256,
            original_name: row.original_name,
            format: row.format,
            width: row.width,
            height: row.height,
            bytes: row.bytes,
            imported_at: row.imported_at,
            image_path: path_string(image_path),
            thumb_path: path_string(thumb_path),
        }
    }
}

/// The vault files of the portrait with `sha256`: its image, its thumbnail and
/// its thumbnail in each style.
fn portrait_files(sha256: &str, extension: &'static str) -> Vec<VaultFile> {
    let styles = Style::all().map(|style| {
        let key = style_thumbnail_key(sha256, style.id());
        VaultFile::new(Kind::StyleThumbnail, key, "jpg")
    });
    [
        VaultFile::new(Kind::Original, sha256, extension),
        VaultFile::new(Kind::Thumbnail, sha256, "jpg"),
    ]
    .into_iter()
    .chain(styles)
    .collect()
}

/// The vault key of a portrait's thumbnail in one style.
fn style_thumbnail_key(portrait_sha256: &str, style_id: &str) -> String {
    format!("{portrait_sha256}-{style_id}")
}

fn extension_of(format: &str) -> &'static str {
    if format == "png" {
        "png"
    } else {
        "jpg"
    }
}

fn path_string(p: PathBuf) -> String {
    p.to_string_lossy().into_owned()
}

/// Keep only the file name, bounded in length, so a hostile name cannot smuggle a path.
fn clean_name(name: &str) -> String {
    let base = Path::new(name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let base = base
        .filter(|b| !b.trim().is_empty())
        .unwrap_or_else(|| "pasted image".into());
    base.chars().filter(|c| !c.is_control()).take(255).collect()
}

fn now_nanos() -> i128 {
    time::OffsetDateTime::now_utc().unix_timestamp_nanos()
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc())
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
