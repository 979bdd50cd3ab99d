//! The portrait library: import (decode, strip, store, thumbnail, record),
//! list and delete, over the store and the vault.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{ApiError, ErrorCode};
use crate::imaging::{self, ImagingError};
use crate::store::{NewPortrait, PortraitRow, Store, StoreError};
use crate::vault::{sha256_hex, Kind, Vault};

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

/// The result of importing one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ImportOutcome {
    pub portrait: Portrait,
    /// True when the same image was already in the library; nothing new was stored.
    pub duplicate: bool,
}

/// Where one import has got to; reported as it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ImportStage {
    Decoding,
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
}

impl LibraryError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Imaging(e) => e.code(),
            Self::Store(_) => ErrorCode::Database,
            Self::Io(_) => ErrorCode::Io,
            Self::NotFound(_) => ErrorCode::NotFound,
        }
    }
}

impl From<LibraryError> for ApiError {
    fn from(e: LibraryError) -> Self {
        ApiError::new(e.code(), e.to_string())
    }
}

/// The library: one SQLite database and one vault in a data folder.
pub struct Library {
    store: Store,
    vault: Vault,
}

impl Library {
    /// Open (creating) the library in `data_dir`: `likeness.db` and `vault/`.
    pub fn open(data_dir: &Path) -> Result<Self, LibraryError> {
        fs::create_dir_all(data_dir)?;
        let store = Store::open(&data_dir.join("likeness.db"))?;
        let vault = Vault::open(data_dir.join("vault"))?;
        Ok(Self { store, vault })
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
        let meta = fs::metadata(path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => LibraryError::NotFound(path.display().to_string()),
            _ => LibraryError::Io(e),
        })?;
        imaging::check_file_size(meta.len())?;
        let bytes = fs::read(path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.import_bytes(&name, &bytes, progress)
    }

    /// Import an image given as bytes. Nothing is stored unless it decodes cleanly;
    /// an identical image already in the library is returned, not stored twice.
    pub fn import_bytes(
        &self,
        name: &str,
        bytes: &[u8],
        progress: &mut dyn FnMut(ImportStage),
    ) -> Result<ImportOutcome, LibraryError> {
        progress(ImportStage::Decoding);
        let prepared = imaging::prepare(bytes)?;
        progress(ImportStage::Storing);
        let sha = sha256_hex(&prepared.encoded);
        let ext = prepared.format.extension();
        self.vault.put_with(Kind::Original, &sha, ext, || {
            Ok::<_, LibraryError>(prepared.encoded.clone())
        })?;
        self.vault.put_with(Kind::Thumbnail, &sha, "jpg", || {
            Ok::<_, LibraryError>(imaging::thumbnail(&prepared.image)?)
        })?;
        let now = now_rfc3339();
        let (row, inserted) = self.store.insert_portrait(&NewPortrait {
            sha256: &sha,
            original_name: &clean_name(name),
            format: prepared.format.as_str(),
            width: prepared.width,
            height: prepared.height,
            bytes: prepared.encoded.len() as i64,
            imported_at: &now,
        })?;
        progress(ImportStage::Done);
        Ok(ImportOutcome {
            portrait: self.portrait(row),
            duplicate: !inserted,
        })
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

    /// Delete a portrait: its record, its image and its thumbnail, all or nothing.
    pub fn delete(&self, id: i64) -> Result<(), LibraryError> {
        let deleted = self.store.delete_portrait(id, |row| {
            self.vault
                .remove(Kind::Original, &row.sha256, extension_of(&row.format))?;
            self.vault.remove(Kind::Thumbnail, &row.sha256, "jpg")?;
            Ok::<_, LibraryError>(())
        })?;
        deleted
            .map(|_| ())
            .ok_or_else(|| LibraryError::NotFound(format!("Portrait {id}")))
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

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc())
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
