//! The vault: image files encrypted at rest, written atomically (temp file,
//! fsync, rename) so a crash never leaves a half-written image.
//!
//! Each file is sealed with XChaCha20-Poly1305 under the data folder's vault
//! key, bound to its kind and key (see [`likeness_seal`]), and named by a
//! keyed hash of them: without the key, neither the images nor whether a
//! known image is present can be read off the disk. Files are found through
//! the rows that name their key (a portrait's or an output's sha256).
//!
//! The database is the truth: a vault file exists for a row that refers to it.
//! Files are written inside the write transaction that commits their row, and
//! unlinked only after the transaction deleting the row has committed
//! ([`Vault::unlink_released`]); see [`crate::privacy::sweep`], which also
//! removes whatever a crash left behind.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use likeness_seal::KEY_LEN;

use rusqlite::Connection;
use sha2::{Digest, Sha256};

use crate::db::{Db, DbError};
use crate::secrets::Sensitive;

/// Content-addressed, encrypted file storage under one root folder.
pub struct Vault {
    root: PathBuf,
    /// Replaced only by "delete all", once the vault is empty.
    keys: RwLock<Arc<VaultKeys>>,
}

/// The vault's two keys, derived from the data folder's master key: one
/// seals files, one names them. Prints as `<redacted>`.
pub struct VaultKeys {
    seal: Sensitive<[u8; KEY_LEN]>,
    names: Sensitive<[u8; KEY_LEN]>,
}

impl VaultKeys {
    /// The keys derived from `master` (see [`crate::keys`]).
    pub fn from_master(master: &[u8; KEY_LEN]) -> Self {
        Self {
            seal: Sensitive::new(likeness_seal::keyed_hash(master, b"likeness vault seal v1")),
            names: Sensitive::new(likeness_seal::keyed_hash(
                master,
                b"likeness vault names v1",
            )),
        }
    }
}

impl std::fmt::Debug for VaultKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
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

/// A vault file as the window asks for it, through the `vault:` protocol: by
/// the id of the row it belongs to, never by a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VaultItem {
    Portrait(i64),
    PortraitThumbnail(i64),
    /// A portrait in one built-in style, for the Studio's picker.
    StyleThumbnail(i64, String),
    Output(i64),
    OutputThumbnail(i64),
    StylePicture(String),
}

impl VaultItem {
    /// The item as the window names it, e.g. `portrait/12`.
    pub fn reference(&self) -> String {
        match self {
            Self::Portrait(id) => format!("portrait/{id}"),
            Self::PortraitThumbnail(id) => format!("portrait-thumb/{id}"),
            Self::StyleThumbnail(id, style) => format!("style-thumb/{id}/{style}"),
            Self::Output(id) => format!("output/{id}"),
            Self::OutputThumbnail(id) => format!("output-thumb/{id}"),
            Self::StylePicture(sha) => format!("style-picture/{sha}"),
        }
    }

    /// An item from its [`reference`](Self::reference); `None` for anything else.
    pub fn parse(reference: &str) -> Option<Self> {
        let parts: Vec<&str> = reference.trim_matches('/').split('/').collect();
        let id = |s: &str| s.parse::<i64>().ok().filter(|id| *id > 0);
        Some(match parts.as_slice() {
            ["portrait", n] => Self::Portrait(id(n)?),
            ["portrait-thumb", n] => Self::PortraitThumbnail(id(n)?),
            ["style-thumb", n, style]
                if style.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') =>
            {
                Self::StyleThumbnail(id(n)?, (*style).to_owned())
            }
            ["output", n] => Self::Output(id(n)?),
            ["output-thumb", n] => Self::OutputThumbnail(id(n)?),
            ["style-picture", sha] if is_sha256_hex(sha) => Self::StylePicture((*sha).to_owned()),
            _ => return None,
        })
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
    /// Open the vault at `root` with `keys`, creating its folders.
    pub fn open(root: PathBuf, keys: VaultKeys) -> io::Result<Self> {
        for kind in Kind::ALL {
            crate::private_fs::create_dir_all(&root.join(kind.folder()))?;
        }
        Ok(Self {
            root,
            keys: RwLock::new(Arc::new(keys)),
        })
    }

    /// Use new keys from now on: for "delete all", which empties the vault first.
    pub fn rekey(&self, keys: VaultKeys) {
        *self
            .keys
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(keys);
    }

    fn keys(&self) -> Arc<VaultKeys> {
        self.keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The vault's root folder (the only folder the UI may read images from).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folder holding every file of `kind` (in two-character shards).
    pub fn dir(&self, kind: Kind) -> PathBuf {
        self.root.join(kind.folder())
    }

    /// The file name of `key` of `kind`: a keyed hash, so the name says
    /// nothing about the image without the key.
    pub fn name(&self, kind: Kind, key: &str) -> String {
        let label = format!("{}/{key}", kind.folder());
        hex::encode(likeness_seal::keyed_hash(
            self.keys().names.expose(),
            label.as_bytes(),
        ))
    }

    /// Where the file for `key` of `kind` lives: `<kind>/<2 hex>/<64 hex>`.
    pub fn path(&self, kind: Kind, key: &str) -> PathBuf {
        let name = self.name(kind, key);
        self.dir(kind).join(&name[..2]).join(name)
    }

    /// Store `bytes` under `key`, sealed, unless that file already exists
    /// (deduplication). `make` is only called when the file is missing, so a
    /// derived file such as a thumbnail is produced once.
    pub fn put_with<E: From<io::Error>>(
        &self,
        kind: Kind,
        key: &str,
        make: impl FnOnce() -> Result<Vec<u8>, E>,
    ) -> Result<(), E> {
        let path = self.path(kind, key);
        if path.is_file() {
            return Ok(());
        }
        let bytes = make()?;
        let sealed = likeness_seal::seal(self.keys().seal.expose(), &aad(kind, key), &bytes);
        write_atomically(&path, &sealed)?;
        Ok(())
    }

    /// The plaintext of `key` of `kind`. A file that is missing is `NotFound`;
    /// one that does not open under this vault's key (damaged, moved, or
    /// another vault's) is `InvalidData`.
    pub fn read(&self, kind: Kind, key: &str) -> io::Result<Vec<u8>> {
        let sealed = fs::read(self.path(kind, key))?;
        likeness_seal::open(self.keys().seal.expose(), &aad(kind, key), &sealed).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                "a vault file failed its integrity check",
            )
        })
    }

    /// Whether `key` of `kind` is stored.
    pub fn contains(&self, kind: Kind, key: &str) -> bool {
        self.path(kind, key).is_file()
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
    pub fn remove(&self, kind: Kind, key: &str) -> io::Result<()> {
        match fs::remove_file(self.path(kind, key)) {
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
}

impl VaultFile {
    pub fn new(kind: Kind, key: impl Into<String>) -> Self {
        Self {
            kind,
            key: key.into(),
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
                    let _ = self.remove(file.kind, &file.key);
                }
            }
            Ok::<_, DbError>(())
        });
    }
}

/// What a sealed file is bound to: its kind and key.
fn aad(kind: Kind, key: &str) -> Vec<u8> {
    format!("{}/{key}", kind.folder()).into_bytes()
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
