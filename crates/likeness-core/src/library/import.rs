//! Import: read once, decode once, moderate those pixels, and store them only
//! if they are accepted, with the decision's record, in one transaction.

use std::path::{Path, PathBuf};

use super::sql::{self, NewModerationRecord, NewPortrait, PortraitRow};
use super::{
    ConfidenceBand, ImportOutcome, ImportStage, LibraryError, ModerationSummary, Portraits,
};
use crate::imaging;
use crate::moderation::{moderate_with, Analysis, Verdict};
use crate::settings::retention;
use crate::vault::{sha256_hex, Kind};

impl Portraits {
    /// Import the file at `path` (checked for size before it is read).
    pub fn import_file(
        &self,
        path: &Path,
        progress: &mut dyn FnMut(ImportStage),
    ) -> Result<ImportOutcome, LibraryError> {
        let bytes = imaging::read_capped(path)?;
        self.import_bytes(&file_name(path), &bytes, progress)
    }

    /// Import several files, each as [`Self::import_file`] would, calling
    /// `done` with each outcome in order. The next file is imported on another
    /// thread while the one before it finishes (as the app's window keeps one
    /// file in flight ahead), so a batch takes less than its files one by one.
    pub fn import_files(
        &self,
        paths: &[PathBuf],
        done: &mut dyn FnMut(&Path, Result<ImportOutcome, LibraryError>),
    ) {
        std::thread::scope(|s| {
            let mut ahead = paths
                .first()
                .map(|first| s.spawn(move || self.import_file(first, &mut |_| {})));
            for (i, path) in paths.iter().enumerate() {
                let current = ahead.take().expect("one import per path");
                ahead = paths
                    .get(i + 1)
                    .map(|next| s.spawn(move || self.import_file(next, &mut |_| {})));
                let outcome = current
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                done(path, outcome);
            }
        });
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
        crate::consent::require(&self.db)?;
        progress(ImportStage::Decoding);
        let prepared = imaging::prepare(bytes)?;
        let sha = sha256_hex(&prepared.encoded);
        // A photo already in the library was checked when it came in: it is
        // not checked again, so a stricter check since does not refuse a photo
        // the user already has (the library's own re-check covers those).
        if let Some(row) = self
            .db
            .read(|conn| Ok::<_, LibraryError>(sql::moderated_portrait_with_sha(conn, &sha)?))?
        {
            return self.finish(row, true, None, progress);
        }
        progress(ImportStage::Moderating);
        let thresholds = self.db.read(crate::settings::thresholds)?;
        let analysis = Analysis::of_prepared(&prepared);
        // The thumbnail needs nothing from moderation: make it on the other
        // core meanwhile (it is only written if accepted).
        let (verdict, thumbnail) = std::thread::scope(|s| {
            let side = s.spawn(|| imaging::thumbnail(&prepared.working));
            let verdict = moderate_with(self.moderator.get().as_deref(), &analysis, thresholds);
            let side = side.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            (verdict, side)
        });
        let name = clean_name(name);
        let moderation = ModerationSummary::from(&verdict);
        if !verdict.is_accepted() {
            self.db
                .write(|tx| self.record_verdict(tx, &sha, &verdict))?;
            progress(ImportStage::Done);
            return Ok(ImportOutcome {
                portrait: None,
                duplicate: false,
                moderation: Some(moderation),
            });
        }
        progress(ImportStage::Storing);
        let now = self.clock.now_rfc3339();
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
        let face = super::anchor_json(&verdict)?;
        let stored = self.db.write(|tx| {
            let moderation_id = self.record_verdict(tx, &sha, &verdict)?;
            std::thread::scope(|s| {
                let thumb = s.spawn(|| {
                    self.vault
                        .put_with(Kind::Thumbnail, &sha, || Ok::<_, LibraryError>(thumbnail))
                });
                self.vault.put_with(Kind::Original, &sha, || {
                    Ok::<_, LibraryError>(prepared.encoded.clone())
                })?;
                thumb
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p))
            })?;
            Ok::<_, LibraryError>(sql::insert_portrait(tx, &new, moderation_id, &face)?)
        });
        let (row, inserted) = match stored {
            Ok(stored) => stored,
            Err(e) => {
                // Whatever was written has no row: remove it (unless another has).
                let files = [
                    crate::vault::VaultFile::new(Kind::Original, sha.as_str()),
                    crate::vault::VaultFile::new(Kind::Thumbnail, sha.as_str()),
                ];
                self.vault
                    .unlink_released(&self.db, &files, sql::references);
                return Err(e);
            }
        };
        self.finish(row, !inserted, Some(moderation), progress)
    }

    /// The outcome for stored portrait `row`; importing one that was already
    /// there counts as a use of it.
    fn finish(
        &self,
        mut row: PortraitRow,
        duplicate: bool,
        moderation: Option<ModerationSummary>,
        progress: &mut dyn FnMut(ImportStage),
    ) -> Result<ImportOutcome, LibraryError> {
        if duplicate {
            let now = self.clock.now_rfc3339();
            self.db
                .write(|tx| Ok::<_, LibraryError>(sql::mark_used(tx, row.id, &now)?))?;
            row.last_used_at = now;
        }
        let keep = self
            .db
            .read(|conn| Ok::<_, LibraryError>(retention::policy(conn)?))?
            .portrait_days;
        progress(ImportStage::Done);
        Ok(ImportOutcome {
            portrait: Some(self.portrait(row, keep)),
            duplicate,
            moderation,
        })
    }

    /// Keep the moderation record of a decision, minimal (no face, no age, no
    /// file name); returns its id.
    pub(super) fn record_verdict(
        &self,
        conn: &rusqlite::Connection,
        sha: &str,
        v: &Verdict,
    ) -> Result<i64, LibraryError> {
        Ok(sql::insert_moderation(
            conn,
            &NewModerationRecord {
                image_sha256: sha,
                decision: if v.is_accepted() { "accept" } else { "reject" },
                reason: v.reason.code(),
                confidence_band: ConfidenceBand::of(v.confidence).as_str(),
                model_hashes_json: &serde_json::to_string(&v.model_hashes)?,
                thresholds_json: &serde_json::to_string(&v.thresholds)?,
                app_version: env!("CARGO_PKG_VERSION"),
                session_ref: &self.session_ref,
                decided_at: &self.clock.now_rfc3339(),
            },
        )?)
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
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
