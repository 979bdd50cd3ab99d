//! One archive of everything ("export all my data"), and its import into
//! another install, so that a user can move to a new computer. The format is
//! a zip with a JSON file per kind, the images, and a README (the same text as
//! `docs/export-format.md`).
//!
//! Import trusts nothing in the archive: every portrait is moderated again,
//! exactly as a new import is, and every image and style picture passes the
//! NSFW check again (refused when the check cannot run), so an edited archive
//! cannot bring in what the app would refuse. What is already here is skipped.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::{Privacy, PrivacyError};
use crate::consent::{self, ConsentRecord};
use crate::db::DbError;
use crate::history::sql::{self as history_sql, NewOutputRow};
use crate::imaging;
use crate::library::sql::{self as library_sql, NewModerationRecord};
use crate::moderation::{Analysis, Decision, Reason, Thresholds};
use crate::settings::{retention, RetentionPolicy};
use crate::vault::{sha256_hex, Kind};

/// What `manifest.json` says an archive is.
const FORMAT: &str = "likeness-export";
const VERSION: u32 = 1;
const README: &str = include_str!("../../../../docs/export-format.md");
/// The largest JSON file read from an archive.
const MAX_JSON: u64 = 256 * 1024 * 1024;
/// The largest image read from an archive (an HD ×4 PNG stays well under it).
const MAX_IMAGE: u64 = 256 * 1024 * 1024;

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ArchiveSummary {
    pub path: String,
    pub portraits: u32,
    pub outputs: u32,
    pub style_pictures: u32,
    pub moderation_records: u32,
    pub consent_records: u32,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// What an import brought in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ArchiveImport {
    pub portraits: u32,
    pub outputs: u32,
    pub style_pictures: u32,
    pub moderation_records: u32,
    pub consent_records: u32,
    /// Already in this library: skipped.
    pub duplicates: u32,
    /// Refused by the on-device checks, or unreadable: not kept.
    pub refused: u32,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Manifest {
    format: String,
    version: u32,
    exported_at: String,
    app_version: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PortraitEntry {
    sha256: String,
    original_name: String,
    format: String,
    width: u32,
    height: u32,
    imported_at: String,
    last_used_at: String,
    file: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OutputEntry {
    sha256: String,
    portrait_sha256: Option<String>,
    format: String,
    width: u32,
    height: u32,
    settings: serde_json::Value,
    engine: String,
    model_hashes: BTreeMap<String, String>,
    seed: Option<i64>,
    favourite: bool,
    created_at: String,
    file: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StylePictureEntry {
    sha256: String,
    file: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ModerationEntry {
    image_sha256: String,
    decision: Decision,
    reason: Reason,
    confidence_band: crate::library::ConfidenceBand,
    model_hashes: serde_json::Value,
    thresholds: serde_json::Value,
    app_version: String,
    session_ref: String,
    decided_at: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SettingsEntry {
    youthful_age: f32,
    retention: RetentionPolicy,
}

/// Everything an archive holds but the image bytes.
struct Contents {
    portraits: Vec<PortraitEntry>,
    outputs: Vec<OutputEntry>,
    style_pictures: Vec<StylePictureEntry>,
    moderation: Vec<ModerationEntry>,
    consent: Vec<ConsentRecord>,
    settings: SettingsEntry,
}

fn bad(why: impl std::fmt::Display) -> PrivacyError {
    PrivacyError::Archive(format!(
        "This is not a Likeness archive, or it is damaged: {why}."
    ))
}

impl Privacy {
    /// Write one archive of everything into `folder` (which must exist), as
    /// `likeness-export-<date>.zip`, owner-only; never over an existing file.
    pub fn export_archive(&self, folder: &Path) -> Result<ArchiveSummary, PrivacyError> {
        let contents = self.db.read(|conn| {
            // One snapshot: rows that refer to each other are read together.
            let tx = conn.unchecked_transaction().map_err(DbError::from)?;
            let contents = self.read_contents(&tx);
            tx.commit().map_err(DbError::from)?;
            contents
        })?;
        crate::private_fs::create_dir_all(folder)?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".likeness-export-")
            .tempfile_in(folder)?;
        let summary = self.write_zip(tmp.as_file_mut(), &contents)?;
        tmp.as_file().sync_all()?;
        let stem = format!("likeness-export-{}", &self.clock.now_rfc3339()[..10]);
        let mut n = 1;
        let path = loop {
            let name = match n {
                1 => format!("{stem}.zip"),
                n => format!("{stem} ({n}).zip"),
            };
            match tmp.persist_noclobber(folder.join(&name)) {
                Ok(_) => break folder.join(name),
                Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists && n < 1000 => {
                    tmp = e.file;
                    n += 1;
                }
                Err(e) => return Err(e.error.into()),
            }
        };
        Ok(ArchiveSummary {
            bytes: std::fs::metadata(&path)?.len(),
            path: path.display().to_string(),
            ..summary
        })
    }

    fn read_contents(&self, conn: &rusqlite::Connection) -> Result<Contents, PrivacyError> {
        let portraits = library_sql::all_portraits(conn)?
            .into_iter()
            .map(|p| PortraitEntry {
                file: format!(
                    "portraits/{}.{}",
                    p.sha256,
                    imaging::extension_of(&p.format)
                ),
                sha256: p.sha256,
                original_name: p.original_name,
                format: p.format,
                width: p.width,
                height: p.height,
                imported_at: p.imported_at,
                last_used_at: p.last_used_at,
            })
            .collect();
        let portrait_sha: HashMap<i64, String> = library_sql::all_portraits(conn)?
            .into_iter()
            .map(|p| (p.id, p.sha256))
            .collect();
        let outputs = history_sql::all_outputs(conn)?
            .into_iter()
            .map(|o| OutputEntry {
                file: format!("outputs/{}.{}", o.sha256, imaging::extension_of(&o.format)),
                portrait_sha256: o.portrait_id.and_then(|id| portrait_sha.get(&id).cloned()),
                settings: serde_json::from_str(&o.settings_json).unwrap_or_default(),
                model_hashes: serde_json::from_str(&o.model_hashes_json).unwrap_or_default(),
                sha256: o.sha256,
                format: o.format,
                width: o.width,
                height: o.height,
                engine: o.engine,
                seed: o.seed,
                favourite: o.favourite,
                created_at: o.created_at,
            })
            .collect();
        let style_pictures = self
            .style_pictures
            .list()?
            .into_iter()
            .map(|p| StylePictureEntry {
                file: format!("style-pictures/{}.png", p.sha256),
                sha256: p.sha256,
            })
            .collect();
        let moderation = library_sql::moderation_records(conn)?
            .into_iter()
            .map(|m| {
                let entry = crate::library::ModerationRecordEntry::of(&m, 0);
                ModerationEntry {
                    decision: entry.decision,
                    reason: entry.reason,
                    confidence_band: entry.confidence_band,
                    model_hashes: serde_json::from_str(&m.model_hashes_json).unwrap_or_default(),
                    thresholds: serde_json::from_str(&m.thresholds_json).unwrap_or_default(),
                    image_sha256: m.image_sha256,
                    app_version: m.app_version,
                    session_ref: m.session_ref,
                    decided_at: m.decided_at,
                }
            })
            .collect();
        let mut consent = consent::sql::history(conn)?;
        consent.reverse(); // oldest first, the order they were given
        let settings = SettingsEntry {
            youthful_age: crate::settings::thresholds(conn)?.youthful_age(),
            retention: retention::policy(conn)?,
        };
        Ok(Contents {
            portraits,
            outputs,
            style_pictures,
            moderation,
            consent,
            settings,
        })
    }

    fn write_zip(&self, file: &mut File, c: &Contents) -> Result<ArchiveSummary, PrivacyError> {
        let mut zip = ZipWriter::new(file);
        // Images are compressed already; JSON and the README are deflated.
        let stored = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Stored)
            .unix_permissions(0o600)
            .large_file(true);
        let deflated = stored.compression_method(CompressionMethod::Deflated);
        let manifest = Manifest {
            format: FORMAT.into(),
            version: VERSION,
            exported_at: self.clock.now_rfc3339(),
            app_version: env!("CARGO_PKG_VERSION").into(),
        };
        let files: [(&str, Vec<u8>); 8] = [
            ("manifest.json", to_json(&manifest)?),
            ("portraits.json", to_json(&c.portraits)?),
            ("outputs.json", to_json(&c.outputs)?),
            ("style-pictures.json", to_json(&c.style_pictures)?),
            ("moderation-records.json", to_json(&c.moderation)?),
            ("consent-records.json", to_json(&c.consent)?),
            ("settings.json", to_json(&c.settings)?),
            ("README.md", README.as_bytes().to_vec()),
        ];
        for (name, bytes) in files {
            zip.start_file(name, deflated).map_err(zip_error)?;
            zip.write_all(&bytes)?;
        }
        let files = c
            .portraits
            .iter()
            .map(|p| (&p.file, Kind::Original, &p.sha256))
            .chain(c.outputs.iter().map(|o| (&o.file, Kind::Output, &o.sha256)))
            .chain(
                c.style_pictures
                    .iter()
                    .map(|s| (&s.file, Kind::StylePicture, &s.sha256)),
            );
        for (name, kind, key) in files {
            let bytes = self.vault.read(kind, key)?;
            zip.start_file(name.as_str(), stored).map_err(zip_error)?;
            zip.write_all(&bytes)?;
        }
        zip.finish().map_err(zip_error)?;
        Ok(ArchiveSummary {
            path: String::new(),
            portraits: c.portraits.len() as u32,
            outputs: c.outputs.len() as u32,
            style_pictures: c.style_pictures.len() as u32,
            moderation_records: c.moderation.len() as u32,
            consent_records: c.consent.len() as u32,
            bytes: 0,
        })
    }

    /// Bring an archive made by [`Self::export_archive`] into this library
    /// (see the module docs). Needs consent here first.
    pub fn import_archive(&self, path: &Path) -> Result<ArchiveImport, PrivacyError> {
        consent::require(&self.db)?;
        let mut zip = ZipArchive::new(File::open(path)?).map_err(bad)?;
        let manifest: Manifest = read_json(&mut zip, "manifest.json")?;
        if manifest.format != FORMAT {
            return Err(bad("its manifest names another format"));
        }
        if manifest.version != VERSION {
            return Err(PrivacyError::Archive(format!(
                "This archive is version {} of the format; this Likeness reads version {VERSION}. Update Likeness to import it.",
                manifest.version
            )));
        }
        let contents = Contents {
            portraits: read_json(&mut zip, "portraits.json")?,
            outputs: read_json(&mut zip, "outputs.json")?,
            style_pictures: read_json(&mut zip, "style-pictures.json")?,
            moderation: read_json(&mut zip, "moderation-records.json")?,
            consent: read_json(&mut zip, "consent-records.json")?,
            settings: read_json(&mut zip, "settings.json")?,
        };
        let mut report = ArchiveImport::default();
        // Settings first: the age check the user chose applies to the portraits.
        self.import_settings(&contents.settings)?;
        let portrait_ids = self.import_portraits(&mut zip, &contents.portraits, &mut report)?;
        let renamed =
            self.import_style_pictures(&mut zip, &contents.style_pictures, &mut report)?;
        self.import_outputs(
            &mut zip,
            &contents.outputs,
            &portrait_ids,
            &renamed,
            &mut report,
        )?;
        self.import_records(&contents, &mut report)?;
        Ok(report)
    }

    fn import_settings(&self, s: &SettingsEntry) -> Result<(), PrivacyError> {
        let thresholds = Thresholds::new(s.youthful_age).map_err(bad)?;
        s.retention.check().map_err(bad)?;
        // Never less strict than this install already is.
        let current = self.db.read(crate::settings::thresholds)?;
        self.db.write(|tx| {
            if thresholds.youthful_age() > current.youthful_age() {
                crate::settings::set_youthful_age(tx, thresholds.youthful_age())?;
            }
            Ok::<_, PrivacyError>(retention::set_policy(tx, &s.retention)?)
        })
    }

    /// Import each portrait as a new import is (moderated again); returns the
    /// archive's sha256 → this library's id, for the images made from them.
    fn import_portraits<R: Read + Seek>(
        &self,
        zip: &mut ZipArchive<R>,
        entries: &[PortraitEntry],
        report: &mut ArchiveImport,
    ) -> Result<HashMap<String, i64>, PrivacyError> {
        let mut ids = HashMap::new();
        for entry in entries {
            let bytes = read_file(zip, &entry.file, MAX_IMAGE)?;
            let outcome = self
                .portraits
                .import_bytes(&entry.original_name, &bytes, &mut |_| {});
            let Ok(outcome) = outcome else {
                report.refused += 1;
                continue;
            };
            let Some(portrait) = outcome.portrait else {
                report.refused += 1;
                continue;
            };
            if outcome.duplicate {
                report.duplicates += 1;
            } else {
                report.portraits += 1;
                // When it was first imported stays; its last use is now.
                if crate::clock::parse_stored(&entry.imported_at).as_deref()
                    == Some(&entry.imported_at)
                {
                    self.db.write(|tx| {
                        Ok::<_, PrivacyError>(library_sql::set_imported_at(
                            tx,
                            portrait.id,
                            &entry.imported_at,
                        )?)
                    })?;
                }
            }
            ids.insert(entry.sha256.clone(), portrait.id);
        }
        Ok(ids)
    }

    /// Keep each style picture that passes the NSFW check; returns the
    /// archive's sha256 → the stored one, where they differ.
    fn import_style_pictures<R: Read + Seek>(
        &self,
        zip: &mut ZipArchive<R>,
        entries: &[StylePictureEntry],
        report: &mut ArchiveImport,
    ) -> Result<HashMap<String, String>, PrivacyError> {
        let mut renamed = HashMap::new();
        for entry in entries {
            let bytes = read_file(zip, &entry.file, MAX_IMAGE)?;
            let existed = self.vault.contains(Kind::StylePicture, &sha256_hex(&bytes));
            match self.style_pictures.import(&bytes) {
                Ok(_) if existed => report.duplicates += 1,
                Ok(sha) => {
                    report.style_pictures += 1;
                    if sha != entry.sha256 {
                        renamed.insert(entry.sha256.clone(), sha);
                    }
                }
                Err(_) => report.refused += 1,
            }
        }
        Ok(renamed)
    }

    /// Keep each image that decodes and passes the NSFW check, with its
    /// recipe, its date and its favourite mark, linked to its portrait.
    fn import_outputs<R: Read + Seek>(
        &self,
        zip: &mut ZipArchive<R>,
        entries: &[OutputEntry],
        portrait_ids: &HashMap<String, i64>,
        renamed: &HashMap<String, String>,
        report: &mut ArchiveImport,
    ) -> Result<(), PrivacyError> {
        for entry in entries {
            let bytes = read_file(zip, &entry.file, MAX_IMAGE)?;
            let sha = sha256_hex(&bytes);
            if self
                .db
                .read(|conn| Ok::<_, DbError>(history_sql::references(conn, Kind::Output, &sha)?))?
            {
                report.duplicates += 1;
                continue;
            }
            let Some((format, image)) = self.checked_image(&bytes) else {
                report.refused += 1;
                continue;
            };
            let Some(created_at) = crate::clock::parse_stored(&entry.created_at) else {
                report.refused += 1;
                continue;
            };
            let thumbnail = imaging::thumbnail(&image)?;
            let mut settings_json = serde_json::to_string(&entry.settings).map_err(bad)?;
            for (old, new) in renamed {
                settings_json = settings_json.replace(old.as_str(), new);
            }
            let settings: serde_json::Value = serde_json::from_str(&settings_json).map_err(bad)?;
            let style_key = crate::history::style_key(&settings);
            let model_hashes_json = serde_json::to_string(&entry.model_hashes).map_err(bad)?;
            let row = NewOutputRow {
                sha256: &sha,
                format,
                width: image.width(),
                height: image.height(),
                bytes: bytes.len() as i64,
                settings_json: &settings_json,
                style_key: style_key.as_deref(),
                engine: &entry.engine,
                model_hashes_json: &model_hashes_json,
                seed: entry.seed,
            };
            let portrait_id = entry
                .portrait_sha256
                .as_ref()
                .and_then(|s| portrait_ids.get(s).copied());
            self.db.write(|tx| {
                self.vault
                    .put_with(Kind::Output, &sha, || Ok::<_, PrivacyError>(bytes.clone()))?;
                self.vault.put_with(Kind::OutputThumbnail, &sha, || {
                    Ok::<_, PrivacyError>(thumbnail)
                })?;
                let ids = history_sql::insert_outputs(tx, None, portrait_id, &created_at, &[row])?;
                for id in ids {
                    history_sql::restore_dates(tx, id, &created_at, entry.favourite)?;
                }
                Ok::<_, PrivacyError>(())
            })?;
            report.outputs += 1;
        }
        Ok(())
    }

    /// The image's format and pixels if it decodes within the caps and passes
    /// the NSFW check; `None` otherwise (also when the check cannot run).
    fn checked_image(&self, bytes: &[u8]) -> Option<(&'static str, image::DynamicImage)> {
        let format = imaging::sniff(bytes).ok()?;
        let image = imaging::decode(bytes, format).ok()?;
        let working = Analysis::of(&image).image;
        let safe = self.moderator.get().ok()?.is_safe_output(&working).ok()?;
        let name = match format {
            image::ImageFormat::Png => "png",
            image::ImageFormat::Jpeg => "jpeg",
            _ => "webp",
        };
        safe.then_some((name, image))
    }

    /// Add the moderation and consent records this library does not have.
    fn import_records(&self, c: &Contents, report: &mut ArchiveImport) -> Result<(), PrivacyError> {
        self.db.write(|tx| {
            for m in &c.moderation {
                let decided_at = crate::clock::parse_stored(&m.decided_at)
                    .ok_or_else(|| bad("a record has no valid time"))?;
                let record = NewModerationRecord {
                    image_sha256: &m.image_sha256,
                    decision: match m.decision {
                        Decision::Accept => "accept",
                        Decision::Reject => "reject",
                    },
                    reason: m.reason.code(),
                    confidence_band: m.confidence_band.as_str(),
                    model_hashes_json: &m.model_hashes.to_string(),
                    thresholds_json: &m.thresholds.to_string(),
                    app_version: &m.app_version,
                    session_ref: &m.session_ref,
                    decided_at: &decided_at,
                };
                if !library_sql::moderation_exists(tx, &record)? {
                    library_sql::insert_moderation(tx, &record)?;
                    report.moderation_records += 1;
                }
            }
            for r in &c.consent {
                let recorded_at = crate::clock::parse_stored(&r.recorded_at)
                    .ok_or_else(|| bad("a consent record has no valid time"))?;
                let r = ConsentRecord {
                    recorded_at,
                    ..r.clone()
                };
                if !consent::sql::exists(tx, &r)? {
                    consent::sql::insert(tx, &r)?;
                    report.consent_records += 1;
                }
            }
            Ok::<_, PrivacyError>(())
        })
    }
}

/// Read and parse one JSON file of the archive.
fn read_json<T: DeserializeOwned, R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    name: &str,
) -> Result<T, PrivacyError> {
    let bytes = read_file(zip, name, MAX_JSON)?;
    serde_json::from_slice(&bytes).map_err(|e| bad(format!("{name}: {e}")))
}

/// Read one file of the archive, refusing one larger than `cap` (by its
/// header, and by what it actually inflates to).
fn read_file<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    name: &str,
    cap: u64,
) -> Result<Vec<u8>, PrivacyError> {
    let file = zip
        .by_name(name)
        .map_err(|_| bad(format!("{name} is missing")))?;
    if file.size() > cap {
        return Err(bad(format!("{name} is too large")));
    }
    let mut bytes = Vec::with_capacity(file.size() as usize);
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| bad(format!("{name}: {e}")))?;
    if bytes.len() as u64 > cap {
        return Err(bad(format!("{name} is too large")));
    }
    Ok(bytes)
}

fn zip_error(e: zip::result::ZipError) -> PrivacyError {
    PrivacyError::Io(io::Error::other(e))
}

fn to_json(value: &impl Serialize) -> Result<Vec<u8>, PrivacyError> {
    serde_json::to_vec_pretty(value).map_err(|e| PrivacyError::Io(e.into()))
}
