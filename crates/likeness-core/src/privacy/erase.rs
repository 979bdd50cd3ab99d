//! "Delete all my Likeness data": every row of every table, every vault
//! file and the job queue's staging folder, then the database file itself is
//! rewritten (`VACUUM`, with `secure_delete` on and the write-ahead log
//! checkpointed and truncated) so no deleted row survives in a free page.
//! The webview's own storage is the app's to clear. It ends with a receipt.

use std::fs;
use std::io;
use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

use super::{Privacy, PrivacyError};
use crate::keys::{self, FolderKeys};
use crate::vault::Kind;

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
    /// Files removed from the vault and the staging folder.
    #[ts(type = "number")]
    pub files: u64,
    #[ts(type = "number")]
    pub bytes: u64,
    /// RFC 3339, UTC.
    pub deleted_at: String,
}

/// Tables in the order their rows are deleted (what refers to another first).
const TABLES: [&str; 7] = [
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
        let [outputs, jobs, portraits, moderation_records, consent_records, settings, style_pictures] =
            counts;
        Ok(DeletionReceipt {
            portraits,
            outputs,
            style_pictures,
            moderation_records,
            consent_records,
            jobs,
            settings,
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
