//! Crash consistency: the database is the truth, and no vault file outlives
//! the row that refers to it.
//!
//! Why: the app can be killed (or lose power) between any database change and
//! the file change that goes with it. A portrait's image is a face, so a file
//! left behind is a privacy leak, and a row whose file is gone is a broken
//! library. So every operation orders the two the one way a crash cannot break:
//!
//! - **Writing.** A file is written (atomically, see [`crate::vault`]) inside the
//!   write transaction that commits the row referring to it, before the commit.
//!   A crash before the commit leaves a file no row refers to, never a row
//!   without its file. Nothing shows such a file: everything is found through rows.
//! - **Deleting.** A row's deletion commits first. Then
//!   [`Vault::unlink_released`] removes its files under the write lock again, each only if no row refers to
//!   it any more: identical portraits or outputs share one file, and the same
//!   image may have been imported again meanwhile. A crash or an unlink error
//!   after the commit leaves a file without a row; the deletion stands.
//! - **Sweeping.** [`sweep`] runs when the library opens (and after a consent
//!   withdrawal): under the write lock, it removes every vault file no row refers
//!   to, and every `.incoming-*` temp file (a write cut off by a crash). Holding
//!   the lock, it never sees a file whose row is about to commit, even in another
//!   process that has the library open.
//!
//! What refers to what (each feature answers for its own rows): originals
//! and thumbnails are a portrait's (by its sha256); style thumbnails
//! (`<portrait sha256>-<style id>`) are their portrait's; outputs and their
//! thumbnails are an output's (by its sha256); a style picture has its own
//! row, which goes once no job or output mentions it and it was stored more
//! than [`STYLE_PICTURE_GRACE`] ago (the user may have just picked it in a
//! Studio that is still open). Files are named by a keyed hash of their key
//! (see [`crate::vault`]), so the sweep works from the rows: the names of
//! every live key, and any other file goes. Moderation records are metadata,
//! not files, and follow their own retention.
//!
//! Job staging folders are not in the vault: the job queue owns its staging
//! folder and empties it when it starts ([`crate::jobs::JobQueue::start`]).

use std::collections::HashSet;
use std::fs;
use std::io;
use std::time::Duration;

use rusqlite::Connection;
use time::OffsetDateTime;

use crate::db::{Db, DbError};
use crate::vault::{is_sha256_hex, Kind, Vault, TEMP_PREFIX};

/// How long an unused style picture is kept, waiting for the job it was picked for.
pub const STYLE_PICTURE_GRACE: Duration = Duration::from_secs(24 * 60 * 60);

/// What one [`sweep`] found and did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Vault files looked at (temp files not counted).
    pub files_checked: u64,
    /// Files no row referred to, now removed.
    pub orphans_removed: u64,
    /// `.incoming-*` temp files, now removed.
    pub temp_files_removed: u64,
    /// Files that should go but could not be removed; the next sweep tries again.
    pub failed: u64,
}

impl SweepReport {
    /// Files removed, orphans and temp files together.
    pub fn removed(&self) -> u64 {
        self.orphans_removed + self.temp_files_removed
    }
}

/// Remove every vault file no row refers to at `now`, and every leftover temp file.
pub fn sweep(db: &Db, vault: &Vault, now: OffsetDateTime) -> Result<SweepReport, DbError> {
    let grace = crate::clock::stored(now - STYLE_PICTURE_GRACE);
    db.write(|conn| {
        crate::generation::style_pictures::prune_unused(conn, &grace)?;
        let mut report = SweepReport::default();
        for kind in Kind::ALL {
            let live: HashSet<String> = live_keys(conn, kind)?
                .iter()
                .map(|key| vault.name(kind, key))
                .collect();
            for path in vault.files(kind) {
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                let counter = if name.starts_with(TEMP_PREFIX) {
                    &mut report.temp_files_removed
                } else {
                    report.files_checked += 1;
                    if live.contains(name) {
                        continue;
                    }
                    &mut report.orphans_removed
                };
                match fs::remove_file(&path) {
                    Ok(()) => *counter += 1,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(_) => report.failed += 1,
                }
            }
        }
        Ok(report)
    })
}

/// The keys rows refer to for `kind`, each feature answering for its own rows.
fn live_keys(conn: &Connection, kind: Kind) -> rusqlite::Result<Vec<String>> {
    let mut keys = crate::library::sql::live_keys(conn, kind)?;
    keys.extend(crate::history::sql::live_keys(conn, kind)?);
    keys.extend(crate::generation::style_pictures::live_keys(conn, kind)?);
    Ok(keys)
}

/// Whether a row refers to the vault file of `kind` named `key`: the rule
/// every deletion uses, each feature answering for its own rows.
pub(crate) fn is_referenced(conn: &Connection, kind: Kind, key: &str) -> rusqlite::Result<bool> {
    // Every key starts with a sha256; anything else is no file of ours.
    if !key.get(..64).is_some_and(is_sha256_hex) {
        return Ok(false);
    }
    Ok(crate::library::sql::references(conn, kind, key)?
        || crate::history::sql::references(conn, kind, key)?
        || crate::generation::style_picture_references(conn, kind, key)?)
}
