//! Retention that runs: delete what the policy says has expired, in batches
//! of [`BATCH`] per transaction, so that a large backlog never holds the
//! write lock for long. The app runs it at start and every hour
//! ([`SWEEP_INTERVAL`]); the CLI at every start.
//!
//! What expires: a portrait [`RetentionPolicy::portrait_days`] after its last
//! use (its jobs and thumbnails go with it; its images stay, under their own
//! rule); an image `output_days` after it was made, unless it is a favourite;
//! a moderation record after `moderation_record_days`, unless it admitted a
//! portrait still in the library; a consent record after
//! `consent_record_days`, never a kind's current answer; a finished job after
//! `job_days`; cloud orders, receipts and opt-ins after 7 years
//! ([`crate::cloud::CLOUD_RECORD_DAYS`]). Style pictures go with the last job or image that uses them
//! (the orphan [`super::sweep`]), and staging files with the queue's restart.

use std::time::Duration;

use time::OffsetDateTime;

use super::sweep::is_referenced;
use super::PrivacyError;
use crate::db::{Db, DbError};
use crate::settings::retention::{self, cutoff};
use crate::settings::RetentionPolicy;
use crate::vault::{Vault, VaultFile};

/// Rows deleted per transaction, per kind.
pub const BATCH: u32 = 500;
/// How often the app applies retention while it runs.
pub const SWEEP_INTERVAL: Duration = Duration::from_secs(60 * 60);

/// What one [`expire`] deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExpiryReport {
    pub portraits: u64,
    pub outputs: u64,
    pub moderation_records: u64,
    pub consent_records: u64,
    pub jobs: u64,
    pub cloud_records: u64,
}

impl ExpiryReport {
    pub fn total(&self) -> u64 {
        self.portraits
            + self.outputs
            + self.moderation_records
            + self.consent_records
            + self.jobs
            + self.cloud_records
    }
}

/// Delete everything expired at `now` under the stored policy, batch by batch,
/// then the files of what was deleted.
pub fn expire(db: &Db, vault: &Vault, now: OffsetDateTime) -> Result<ExpiryReport, PrivacyError> {
    let policy = db.read(|conn| Ok::<_, DbError>(retention::policy(conn)?))?;
    let cutoffs = Cutoffs::at(now, &policy);
    let mut report = ExpiryReport::default();
    loop {
        let (batch, files) = db.write(|tx| cutoffs.delete_batch(tx))?;
        if !files.is_empty() {
            vault.unlink_released(db, &files, is_referenced);
        }
        if batch.total() == 0 {
            return Ok(report);
        }
        report.portraits += batch.portraits;
        report.outputs += batch.outputs;
        report.moderation_records += batch.moderation_records;
        report.consent_records += batch.consent_records;
        report.jobs += batch.jobs;
        report.cloud_records += batch.cloud_records;
    }
}

/// The moment before which each kind has expired; `None` for a kind kept until deleted.
struct Cutoffs {
    portraits: Option<String>,
    outputs: Option<String>,
    moderation_records: String,
    consent_records: String,
    jobs: String,
    cloud_records: String,
}

impl Cutoffs {
    fn at(now: OffsetDateTime, p: &RetentionPolicy) -> Self {
        Self {
            portraits: p.portrait_days.map(|d| cutoff(now, d)),
            outputs: p.output_days.map(|d| cutoff(now, d)),
            moderation_records: cutoff(now, p.moderation_record_days),
            consent_records: cutoff(now, p.consent_record_days),
            jobs: cutoff(now, p.job_days),
            cloud_records: cutoff(now, crate::cloud::CLOUD_RECORD_DAYS),
        }
    }

    /// Delete up to [`BATCH`] expired rows of each kind; returns the counts and
    /// the vault files the deleted rows released.
    fn delete_batch(
        &self,
        tx: &rusqlite::Connection,
    ) -> Result<(ExpiryReport, Vec<VaultFile>), PrivacyError> {
        let mut files = Vec::new();
        let mut report = ExpiryReport::default();
        if let Some(cutoff) = &self.portraits {
            let rows = crate::library::sql::delete_unused_since(tx, cutoff, BATCH)?;
            report.portraits = rows.len() as u64;
            files.extend(rows.iter().flat_map(crate::library::files_of));
        }
        if let Some(cutoff) = &self.outputs {
            let rows = crate::history::sql::delete_made_before(tx, cutoff, BATCH)?;
            report.outputs = rows.len() as u64;
            files.extend(
                rows.iter()
                    .flat_map(|r| crate::history::files_of(&r.sha256)),
            );
        }
        report.moderation_records =
            crate::library::sql::delete_moderation_before(tx, &self.moderation_records, BATCH)?
                as u64;
        report.consent_records =
            crate::consent::sql::delete_expired(tx, &self.consent_records, BATCH)? as u64;
        report.jobs = crate::jobs::sql::delete_finished_before(tx, &self.jobs, BATCH)? as u64;
        report.cloud_records = crate::cloud::sql::delete_before(tx, &self.cloud_records, BATCH)?;
        Ok((report, files))
    }
}
