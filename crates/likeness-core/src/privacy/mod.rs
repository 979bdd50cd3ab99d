//! Privacy: consent answers and what a "no" means, and the rule that no face
//! image outlives the record that keeps it (see [`sweep`]). Retention,
//! export-all and delete-all land here next.

pub mod sweep;

use std::io;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::clock::Clock;
use crate::consent::{self, ConsentAnswers, ConsentStatus, POLICY_VERSION};
use crate::db::{Db, DbError};
use crate::error::{Coded, ErrorCode};
use crate::vault::{Kind, Vault};
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
    #[error("Could not remove local files: {0}")]
    Io(#[from] io::Error),
}

impl Coded for PrivacyError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::Db(e) => e.code(),
            Self::Io(_) => ErrorCode::Io,
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
    /// What the sweep at open found (or why it could not run).
    opening_sweep: Result<SweepReport, String>,
}

impl Privacy {
    /// Sweep the vault of files a crash left without a row (see [`sweep`]). A
    /// sweep that cannot run (say, the database is busy) does not stop the
    /// data folder opening; [`Self::opening_sweep`] says why.
    pub fn open(db: Arc<Db>, vault: Arc<Vault>, clock: Arc<dyn Clock>) -> Self {
        let opening_sweep = sweep::sweep(&db, &vault).map_err(|e| e.to_string());
        Self {
            db,
            vault,
            clock,
            opening_sweep,
        }
    }

    /// What the sweep at open removed, or why it could not run.
    pub fn opening_sweep(&self) -> Result<&SweepReport, &str> {
        self.opening_sweep.as_ref().map_err(String::as_str)
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

    /// Remove every vault file no row refers to, and leftover temp files.
    pub fn sweep(&self) -> Result<SweepReport, PrivacyError> {
        Ok(sweep::sweep(&self.db, &self.vault)?)
    }

    /// Record each answer under the current policy version. Any `no` is a
    /// withdrawal: it deletes what depends on consent, as
    /// [`Self::withdraw_consent`] does.
    pub fn record_consent(&self, answers: ConsentAnswers) -> Result<ConsentStatus, PrivacyError> {
        if answers.all_given() {
            let now = self.clock.now_rfc3339();
            self.db.write(|tx| {
                Ok::<_, PrivacyError>(consent::sql::insert_answers(
                    tx,
                    answers,
                    POLICY_VERSION,
                    &now,
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

    /// Record `answers` (at least one `no`) and delete what depends on consent,
    /// all in one transaction: a failure changes nothing. The files go after
    /// the commit, by a sweep (whatever it cannot remove now, the next one does).
    fn withdraw(&self, answers: ConsentAnswers) -> Result<WithdrawOutcome, PrivacyError> {
        let now = self.clock.now_rfc3339();
        let portraits_deleted = self.db.write(|tx| {
            consent::sql::insert_answers(tx, answers, POLICY_VERSION, &now)?;
            // Their jobs go with them (`ON DELETE CASCADE`).
            let portraits = crate::library::sql::delete_all_portraits(tx)?;
            crate::history::sql::delete_all_outputs(tx)?;
            // Nothing refers to a style picture by row: clear them under the lock.
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
