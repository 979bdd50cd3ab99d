//! "Delete all my Likeness data": every row of every table, every vault
//! file and the job queue's staging folder, then the database file itself is
//! rewritten (`VACUUM`, with `secure_delete` on and the write-ahead log
//! checkpointed and truncated) so no deleted row survives in a free page.
//! The webview's own storage is the app's to clear. A Likeness Cloud account
//! is deleted on the server first (when cloud is on and it can be reached),
//! and its token leaves the keyring either way. It ends with a receipt.

use std::fs;
use std::io;
use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

use super::{Privacy, PrivacyError};
use crate::keys::{self, FolderKeys};
use crate::vault::Kind;
use crate::{Coded, ErrorCode};

/// What "delete all" removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DeletionReceipt {
    #[ts(type = "number")]
    pub portraits: u64,
    #[ts(type = "number")]
    pub outputs: u64,
    #[ts(type = "number")]
    pub style_pictures: u64,
    #[ts(type = "number")]
    pub moderation_records: u64,
    #[ts(type = "number")]
    pub consent_records: u64,
    #[ts(type = "number")]
    pub jobs: u64,
    #[ts(type = "number")]
    pub settings: u64,
    /// Cloud orders, receipts and opt-ins.
    #[ts(type = "number")]
    pub cloud_records: u64,
    pub cloud_account: CloudAccountEnd,
    /// Files removed from the vault and the staging folder.
    #[ts(type = "number")]
    pub files: u64,
    #[ts(type = "number")]
    pub bytes: u64,
    /// RFC 3339, UTC.
    pub deleted_at: String,
}

/// What became of the Likeness Cloud account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case", tag = "state")]
#[ts(export)]
pub enum CloudAccountEnd {
    /// There was none on this computer.
    None,
    /// The server deleted it; its unspent credits are forfeited.
    Deleted {
        #[ts(type = "number")]
        forfeited_credits: i64,
    },
    /// The server could not be asked (why, as an error code); the token is
    /// gone from this computer, so the account can no longer be used from it.
    NotReached { code: ErrorCode },
}

/// Tables in the order their rows are deleted (what refers to another first).
const TABLES: [&str; 10] = [
    "cloud_receipts",
    "cloud_orders",
    "cloud_optins",
    "outputs",
    "jobs",
    "portraits",
    "moderation_records",
    "consent_records",
    "settings",
    "style_pictures",
];

impl Privacy {
    /// Delete everything this data folder holds, and say what went. Consent
    /// goes too: the next use starts at the consent gate.
    pub fn delete_all(&self) -> Result<DeletionReceipt, PrivacyError> {
        let cloud_account = match self.cloud.delete_account() {
            Ok(None) => CloudAccountEnd::None,
            Ok(Some(forfeited_credits)) => CloudAccountEnd::Deleted { forfeited_credits },
            Err(error) => CloudAccountEnd::NotReached { code: error.code() },
        };
        self.cloud.forget_account()?;
        let (counts, (files, bytes)) = self.db.write(|tx| {
            let mut counts = [0u64; TABLES.len()];
            for (count, table) in counts.iter_mut().zip(TABLES) {
                *count = tx.execute(&format!("DELETE FROM {table}"), [])? as u64;
            }
            // Under the write lock, so nothing is stored meanwhile.
            let mut removed = (0, 0);
            for kind in Kind::ALL {
                add(&mut removed, measure(&self.vault.dir(kind)));
                self.vault.clear(kind)?;
            }
            add(&mut removed, measure(&self.staging_dir));
            empty(&self.staging_dir)?;
            Ok::<_, PrivacyError>((counts, removed))
        })?;
        self.db.compact()?;
        self.destroy_keys()?;
        let [receipts, orders, optins, outputs, jobs, portraits, moderation_records, consent_records, settings, style_pictures] =
            counts;
        Ok(DeletionReceipt {
            portraits,
            outputs,
            style_pictures,
            moderation_records,
            consent_records,
            jobs,
            settings,
            cloud_records: receipts + orders + optins,
            cloud_account,
            files,
            bytes,
            deleted_at: self.clock.now_rfc3339(),
        })
    }
}

impl Privacy {
    /// Re-encrypt the (now empty) database and vault under new keys, and keep
    /// only those in the keyring: the key that sealed what was deleted is gone.
    fn destroy_keys(&self) -> Result<(), PrivacyError> {
        let mut current = crate::sync::lock(&self.keys);
        let fresh = FolderKeys::random();
        self.db.rekey(&fresh.db)?;
        if let Err(e) = keys::replace(&self.data_dir, self.secrets.as_ref(), &fresh) {
            // The keyring still holds the old key: keep the database under it.
            self.db.rekey(&current.db)?;
            return Err(e.into());
        }
        self.vault.rekey(fresh.vault());
        *current = fresh;
        Ok(())
    }
}

fn add(total: &mut (u64, u64), more: (u64, u64)) {
    total.0 += more.0;
    total.1 += more.1;
}

/// Files and bytes under `dir`.
fn measure(dir: &Path) -> (u64, u64) {
    let mut total = (0, 0);
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        match entry.file_type() {
            Ok(t) if t.is_dir() => add(&mut total, measure(&entry.path())),
            Ok(_) => add(&mut total, (1, entry.metadata().map_or(0, |m| m.len()))),
            Err(_) => {}
        }
    }
    total
}

/// Remove everything inside `dir`, keeping `dir`.
fn empty(dir: &Path) -> io::Result<()> {
    match fs::remove_dir_all(dir) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    crate::private_fs::create_dir_all(dir)
}
