//! The vault: image files named by their sha256, written atomically
//! (temp file, fsync, rename) so a crash never leaves a half-written image.
//!
//! The database is the truth: a vault file exists for a row that refers to it.
//! Files are written inside the write transaction that commits their row, and
//! unlinked only after the transaction deleting the row has committed
//! ([`Vault::unlink_released`]); see [`crate::privacy::sweep`], which also
//! removes whatever a crash left behind.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use sha2::{Digest, Sha256};

use crate::db::{Db, DbError};

/// Content-addressed file storage under one root folder.
pub struct Vault {
    root: PathBuf,
}

/// What kind of file a vault entry is; each kind has its own folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A stored portrait.
    Original,
    /// Its library thumbnail.
    Thumbnail,
    /// A generated image (preview or HD).
    Output,
    /// A generated image's History thumbnail (apart from portrait thumbnails,
    /// so deleting one never touches the other).
    OutputThumbnail,
    /// A picture the user chose as a style (not a portrait; never shown as one).
    StylePicture,
    /// A small rendering of a portrait in one built-in style, for the Studio's style picker.
    StyleThumbnail,
}

impl Kind {
    /// Every kind, each with its own folder.
    pub const ALL: [Self; 6] = [
        Self::Original,
        Self::Thumbnail,
        Self::Output,
        Self::OutputThumbnail,
        Self::StylePicture,
        Self::StyleThumbnail,
    ];

    /// The kind's folder inside the vault root.
    pub fn folder(self) -> &'static str {
        match self {
            Self::Original => "originals",
            Self::Thumbnail => "thumbs",
            Self::Output => "outputs",
            Self::OutputThumbnail => "output-thumbs",
            Self::StylePicture => "style-pictures",
            Self::StyleThumbnail => "style-thumbs",
        }
    }
}

/// Whether `key` is a sha256 as the vault writes it: 64 lowercase hex digits.
/// A key from outside (settings JSON, the webview) must pass this before it
/// becomes a path, so `../` or an absolute path can never name a file.
pub fn is_sha256_hex(key: &str) -> bool {
    key.len() == 64 && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The name prefix of a file being written (see [`write_atomically`]); one left
/// behind was cut off by a crash.
pub const TEMP_PREFIX: &str = ".incoming-";

/// Hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Vault {
    /// Open the vault at `root`, creating its folders.
    pub fn open(root: PathBuf) -> io::Result<Self> {
        for kind in Kind::ALL {
            crate::private_fs::create_dir_all(&root.join(kind.folder()))?;
        }
        Ok(Self { root })
    }

    /// The vault's root folder (the only folder the UI may read images from).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folder holding every file of `kind` (in two-character shards).
    pub fn dir(&self, kind: Kind) -> PathBuf {
        self.root.join(kind.folder())
    }

    /// Where the file for `sha256` of `kind` lives, e.g. `originals/ab/abcd….jpg`.
    pub fn path(&self, kind: Kind, sha256: &str, extension: &str) -> PathBuf {
        let shard = sha256.get(..2).unwrap_or("00");
        self.dir(kind)
            .join(shard)
            .join(format!("{sha256}.{extension}"))
    }

    /// Store `bytes` under `sha256` unless that file already exists (deduplication).
    /// Returns the path. `make` is only called when the file is missing, so a
    /// derived file such as a thumbnail is produced once.
    pub fn put_with<E: From<io::Error>>(
        &self,
        kind: Kind,
        sha256: &str,
        extension: &str,
        make: impl FnOnce() -> Result<Vec<u8>, E>,
    ) -> Result<PathBuf, E> {
        let path = self.path(kind, sha256, extension);
        if path.is_file() {
            return Ok(path);
        }
        let bytes = make()?;
        write_atomically(&path, &bytes)?;
        Ok(path)
    }

    /// Every file of `kind`: those in its shard folders, any stray file beside
    /// them, and unfinished writes (`.incoming-*`). A folder that cannot be
    /// read is skipped.
    pub fn files(&self, kind: Kind) -> Vec<PathBuf> {
        let mut files = Vec::new();
        for entry in read_dir(&self.dir(kind)) {
            match entry.file_type() {
                Ok(t) if t.is_dir() => files.extend(
                    read_dir(&entry.path())
                        .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
                        .map(|e| e.path()),
                ),
                Ok(_) => files.push(entry.path()),
                Err(_) => {}
            }
        }
        files
    }

    /// The finished files of `kind` (no unfinished writes).
    pub fn stored_files(&self, kind: Kind) -> impl Iterator<Item = PathBuf> {
        self.files(kind).into_iter().filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !n.starts_with(TEMP_PREFIX))
        })
    }

    /// Remove every file of one kind.
    pub fn clear(&self, kind: Kind) -> io::Result<()> {
        let dir = self.dir(kind);
        fs::remove_dir_all(&dir).or_else(|e| match e.kind() {
            io::ErrorKind::NotFound => Ok(()),
            _ => Err(e),
        })?;
        crate::private_fs::create_dir_all(&dir)
    }

    /// Remove a file; a file that is already gone is not an error.
    pub fn remove(&self, kind: Kind, sha256: &str, extension: &str) -> io::Result<()> {
        match fs::remove_file(self.path(kind, sha256, extension)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// A vault file that a deletion may have left without a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultFile {
    pub kind: Kind,
    pub key: String,
    pub extension: &'static str,
}

impl VaultFile {
    pub fn new(kind: Kind, key: impl Into<String>, extension: &'static str) -> Self {
        Self {
            kind,
            key: key.into(),
            extension,
        }
    }
}

/// Whether a row refers to a vault file of `kind` named `key`. Each feature
/// answers for the kinds its rows own.
pub type Referenced = fn(&Connection, Kind, &str) -> rusqlite::Result<bool>;

impl Vault {
    /// Unlink `files`, released by a deletion that has already committed, each
    /// unless `referenced` says a row refers to it again (identical images
    /// share one file, and the same image may have been stored again
    /// meanwhile). Whatever cannot be removed now (an unlink error, a busy
    /// database) stays for the next sweep; the deletion stands.
    pub fn unlink_released(&self, db: &Db, files: &[VaultFile], referenced: Referenced) {
        let _ = db.write(|tx| {
            for file in files {
                if !referenced(tx, file.kind, &file.key)? {
                    // An error leaves the file for the sweep.
                    let _ = self.remove(file.kind, &file.key, file.extension);
                }
            }
            Ok::<_, DbError>(())
        });
    }
}

fn read_dir(dir: &Path) -> impl Iterator<Item = fs::DirEntry> {
    fs::read_dir(dir).into_iter().flatten().flatten()
}

/// Write via a temp file in the same folder, fsync it, rename it into place,
/// then fsync the folder so the rename itself is durable.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("vault path has no folder"))?;
    crate::private_fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    #[cfg(unix)]
    fs::File::open(dir)?.sync_all()?;
    Ok(())
}
