//! Privacy: the promises Likeness keeps on the device. Consent answers and
//! what a "no" means; retention that runs ([`expiry`]); what is stored
//! ([`inventory`]); one archive of everything, and its import on another
//! computer ([`archive`]); deleting everything with a receipt ([`erase`]);
//! and the rule that no face image outlives the record that keeps it
//! ([`sweep`]).

pub mod archive;
pub mod encryption;
pub mod erase;
pub mod expiry;
pub mod inventory;
mod items;
pub mod sweep;

use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::clock::Clock;
use crate::cloud::Cloud;
use crate::consent::{self, ConsentAnswers, ConsentKind, ConsentStatus, ConsentWording};
use crate::db::{Db, DbError};
use crate::error::{Coded, ErrorCode};
use crate::generation::StylePictures;
use crate::keys::{FolderKeys, KeyError};
use crate::library::{LibraryError, Portraits};
use crate::moderation::LazyModerator;
use crate::secrets::SecretStore;
use crate::settings::{retention, RetentionPolicy};
use crate::vault::{Kind, Vault};
pub use archive::{ArchiveImport, ArchiveSummary};
pub use erase::{CloudAccountEnd, DeletionReceipt};
pub use expiry::ExpiryReport;
pub use inventory::{Inventory, StoredKind};
pub use sweep::SweepReport;

/// What withdrawing consent removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WithdrawOutcome {
    pub portraits_deleted: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("Could not read or write local files: {0}")]
    Io(#[from] io::Error),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Library(#[from] LibraryError),
    #[error("{0}")]
    Archive(String),
    #[error(transparent)]
    Consent(#[from] consent::RequireError),
    #[error(transparent)]
    Imaging(#[from] crate::imaging::ImagingError),
    #[error(transparent)]
    Generation(#[from] crate::generation::GenerationError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Cloud(#[from] crate::cloud::CloudError),
    #[error("That image is not in this library.")]
    ItemNotFound,
}

impl Coded for PrivacyError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::Db(e) => e.code(),
            Self::Io(_) => ErrorCode::Io,
            Self::Invalid(_) => ErrorCode::InvalidInput,
            Self::Library(e) => e.code(),
            Self::Archive(_) => ErrorCode::ArchiveInvalid,
            Self::Consent(e) => e.code(),
            Self::Imaging(e) => e.code(),
            Self::Generation(e) => e.code(),
            Self::Key(e) => e.code(),
            Self::Cloud(e) => e.code(),
            Self::ItemNotFound => ErrorCode::NotFound,
        }
    }
}

impl From<rusqlite::Error> for PrivacyError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Db(e.into())
    }
}

/// The privacy side of one data folder.
pub struct Privacy {
    db: Arc<Db>,
    vault: Arc<Vault>,
    clock: Arc<dyn Clock>,
    portraits: Arc<Portraits>,
    style_pictures: Arc<StylePictures>,
    moderator: Arc<LazyModerator>,
    /// The data folder, and the job queue's staging folder in it.
    data_dir: PathBuf,
    staging_dir: PathBuf,
    /// The keyring, and the folder's keys in it now (replaced by "delete all").
    secrets: Arc<dyn SecretStore>,
    keys: Mutex<FolderKeys>,
    /// Likeness Cloud: "delete all" deletes the account there too.
    cloud: Arc<Cloud>,
    /// What retention deleted at open, and what the vault sweep after it
    /// found (or why either could not run).
    opening_expiry: Result<ExpiryReport, String>,
    opening_sweep: Result<SweepReport, String>,
}

/// What [`Privacy::open`] needs: the platform parts and the features whose
/// data it exports, imports and deletes.
pub struct Parts {
    pub db: Arc<Db>,
    pub vault: Arc<Vault>,
    pub clock: Arc<dyn Clock>,
    pub portraits: Arc<Portraits>,
    pub style_pictures: Arc<StylePictures>,
    pub moderator: Arc<LazyModerator>,
    pub data_dir: PathBuf,
    pub staging_dir: PathBuf,
    pub secrets: Arc<dyn SecretStore>,
    pub keys: FolderKeys,
    pub cloud: Arc<Cloud>,
}

impl Privacy {
    /// Apply retention, then sweep the vault of files a crash left without a
    /// row (see [`sweep`]). A sweep that cannot run (say, the database is
    /// busy) does not stop the data folder opening; [`Self::opening_sweep_note`]
    /// says why.
    pub fn open(parts: Parts) -> Self {
        let Parts {
            db,
            vault,
            clock,
            portraits,
            style_pictures,
            moderator,
            data_dir,
            staging_dir,
            secrets,
            keys,
            cloud,
        } = parts;
        let mut privacy = Self {
            db,
            vault,
            clock,
            portraits,
            style_pictures,
            moderator,
            data_dir,
            staging_dir,
            secrets,
            keys: Mutex::new(keys),
            cloud,
            opening_expiry: Err(String::new()),
            opening_sweep: Err(String::new()),
        };
        privacy.opening_expiry = privacy.expire().map_err(|e| e.to_string());
        privacy.opening_sweep = privacy.sweep().map_err(|e| e.to_string());
        privacy
    }

    /// A line for the log when the sweep at open deleted something, could
    /// not remove something, or could not run; `None` when nothing happened.
    pub fn opening_sweep_note(&self) -> Option<String> {
        let expiry = match &self.opening_expiry {
            Ok(e) if e.total() == 0 => None,
            Ok(e) => Some(format!("retention deleted {} items ({e:?})", e.total())),
            Err(e) => Some(format!("could not apply retention: {e}")),
        };
        let sweep = match &self.opening_sweep {
            Ok(r) if r.removed() == 0 && r.failed == 0 => None,
            Ok(r) => Some(format!(
                "removed {} files a crash left in the vault ({} orphaned images, {} unfinished writes); {} could not be removed",
                r.removed(),
                r.orphans_removed,
                r.temp_files_removed,
                r.failed
            )),
            Err(e) => Some(format!("could not check the vault for leftover files: {e}")),
        };
        let notes: Vec<String> = expiry.into_iter().chain(sweep).collect();
        (!notes.is_empty()).then(|| notes.join("; "))
    }

    /// What the vault sweep at open removed, or why it could not run.
    pub fn opening_sweep(&self) -> Result<&SweepReport, &str> {
        self.opening_sweep.as_ref().map_err(String::as_str)
    }

    /// What retention deleted at open, or why it could not run.
    pub fn opening_expiry(&self) -> Result<&ExpiryReport, &str> {
        self.opening_expiry.as_ref().map_err(String::as_str)
    }

    /// Remove every vault file no row refers to, and leftover temp files.
    pub fn sweep(&self) -> Result<SweepReport, PrivacyError> {
        Ok(sweep::sweep(&self.db, &self.vault, self.clock.now())?)
    }

    /// Delete everything whose retention has run out, now (see [`expiry`]).
    pub fn expire(&self) -> Result<ExpiryReport, PrivacyError> {
        expiry::expire(&self.db, &self.vault, self.clock.now())
    }

    /// How long each kind is kept now.
    pub fn retention(&self) -> Result<RetentionPolicy, PrivacyError> {
        Ok(self
            .db
            .read(|conn| Ok::<_, DbError>(retention::policy(conn)?))?)
    }

    /// Keep each kind for as long as `policy` says (refusing longer than the
    /// defaults), and delete at once whatever is older than that.
    pub fn set_retention(&self, policy: RetentionPolicy) -> Result<RetentionPolicy, PrivacyError> {
        policy.check().map_err(PrivacyError::Invalid)?;
        self.db
            .write(|tx| Ok::<_, DbError>(retention::set_policy(tx, &policy)?))?;
        self.expire()?;
        self.retention()
    }

    /// Record each answer under the current policy version, with the wording
    /// shown. Any `no` is a withdrawal: it deletes what depends on consent, as
    /// [`Self::withdraw_consent`] does.
    pub fn record_consent(
        &self,
        answers: ConsentAnswers,
        wording: &ConsentWording,
    ) -> Result<ConsentStatus, PrivacyError> {
        let wording = wording.to_record().map_err(PrivacyError::Invalid)?;
        if answers.all_given() {
            let now = self.clock.now_rfc3339();
            self.db.write(|tx| {
                Ok::<_, PrivacyError>(consent::sql::insert_answers(
                    tx,
                    answers,
                    consent::POLICY_VERSION,
                    &now,
                    Some(&wording),
                )?)
            })?;
        } else {
            self.withdraw(answers)?;
        }
        Ok(self.db.read(ConsentStatus::recorded)?)
    }

    /// Withdraw all consent: record the withdrawal and delete every portrait,
    /// everything made from them and every style picture. Moderation and
    /// consent records (no images) stay.
    pub fn withdraw_consent(&self) -> Result<WithdrawOutcome, PrivacyError> {
        self.withdraw(ConsentAnswers::all(false))
    }

    /// Withdraw one consent, keeping the others as they stand. Every use of a
    /// face needs all three, so its consequence is the same as withdrawing all:
    /// every portrait, image and style picture is deleted.
    pub fn withdraw_purpose(&self, kind: ConsentKind) -> Result<WithdrawOutcome, PrivacyError> {
        let status = self.db.read(ConsentStatus::recorded)?;
        let mut answers = ConsentAnswers {
            adult: status.adult,
            photo_rights: status.photo_rights,
            face_processing: status.face_processing,
        };
        match kind {
            ConsentKind::Adult => answers.adult = false,
            ConsentKind::PhotoRights => answers.photo_rights = false,
            ConsentKind::FaceProcessing => answers.face_processing = false,
        }
        self.withdraw(answers)
    }

    /// Delete a portrait, and with `with_images` every image made from it,
    /// in one transaction; then their files.
    pub fn delete_portrait(&self, id: i64, with_images: bool) -> Result<(), PrivacyError> {
        let (portrait, outputs) = self.db.write(|tx| {
            let outputs = if with_images {
                crate::history::sql::delete_made_from(tx, id)?
            } else {
                Vec::new()
            };
            let portrait =
                crate::library::sql::delete_portrait(tx, id)?.ok_or(LibraryError::NotFound(id))?;
            Ok::<_, PrivacyError>((portrait, outputs))
        })?;
        let mut files = crate::library::files_of(&portrait);
        for o in &outputs {
            files.extend(crate::history::files_of(&o.sha256));
        }
        self.vault
            .unlink_released(&self.db, &files, sweep::is_referenced);
        Ok(())
    }

    /// Everything stored, kind by kind, with where it lives and when it expires.
    pub fn inventory(&self) -> Result<Inventory, PrivacyError> {
        let db_path = self.data_dir.join(crate::db::DB_FILE);
        self.db
            .read(|conn| inventory::read(conn, &self.data_dir, &db_path, &self.vault))
    }

    /// How many images in the History were made from portrait `id`.
    pub fn images_made_from(&self, id: i64) -> Result<u64, PrivacyError> {
        Ok(self
            .db
            .read(|conn| Ok::<_, DbError>(crate::history::sql::count_made_from(conn, id)?))?)
    }

    /// Record `answers` (at least one `no`) and delete what depends on consent,
    /// all in one transaction: a failure changes nothing. The files go after
    /// the commit, by a sweep (whatever it cannot remove now, the next one does).
    fn withdraw(&self, answers: ConsentAnswers) -> Result<WithdrawOutcome, PrivacyError> {
        let now = self.clock.now_rfc3339();
        let portraits_deleted = self.db.write(|tx| {
            consent::sql::insert_answers(tx, answers, consent::POLICY_VERSION, &now, None)?;
            // Their jobs go with them (`ON DELETE CASCADE`).
            let portraits = crate::library::sql::delete_all_portraits(tx)?;
            crate::history::sql::delete_all_outputs(tx)?;
            tx.execute("DELETE FROM style_pictures", [])?;
            self.vault.clear(Kind::StylePicture)?;
            Ok::<_, PrivacyError>(portraits)
        })?;
        // And whatever a crash ever left behind: no image may outlive consent.
        self.sweep()?;
        Ok(WithdrawOutcome {
            portraits_deleted: portraits_deleted as u32,
        })
    }
}
