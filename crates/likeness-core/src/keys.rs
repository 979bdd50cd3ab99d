//! The keys of one data folder. One random master key per folder lives in the
//! OS keyring (see [`crate::secrets`]), filed under the folder's random id
//! (kept beside the database in `folder-id`, which is no secret); the
//! database key and the vault's keys are derived from it by label.
//!
//! A new key is made only for a folder that has no encrypted database yet. A
//! folder whose database is encrypted but whose key is not in the keyring
//! (moved without it, or the keyring was reset) is refused in plain words:
//! its data cannot be read, and it is never replaced by a fresh, empty library.

use std::fs;
use std::io;
use std::path::Path;

use likeness_seal::KEY_LEN;

use crate::error::{Coded, ErrorCode};
use crate::secrets::{KeyringUnavailable, SecretStore, Sensitive};
use crate::vault::VaultKeys;

/// The file holding the folder's id.
const ID_FILE: &str = "folder-id";

/// A folder's keys, derived from its master key.
pub struct FolderKeys {
    pub db: Sensitive<[u8; KEY_LEN]>,
    master: Sensitive<[u8; KEY_LEN]>,
}

impl FolderKeys {
    fn from_master(master: [u8; KEY_LEN]) -> Self {
        Self {
            db: Sensitive::new(likeness_seal::keyed_hash(&master, b"likeness database v1")),
            master: Sensitive::new(master),
        }
    }

    /// New random keys.
    pub fn random() -> Self {
        Self::from_master(likeness_seal::random_key())
    }

    pub fn vault(&self) -> VaultKeys {
        VaultKeys::from_master(self.master.expose())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(transparent)]
    Keyring(#[from] KeyringUnavailable),
    #[error(
        "This library is encrypted, and its key is not in this computer's keyring, so it \
         cannot be opened. If you moved it from another computer, export it there \
         (Privacy → Export all my data) and import the archive here."
    )]
    Missing,
    #[error("Could not read the data folder's id: {0}")]
    Io(#[from] io::Error),
}

impl Coded for KeyError {
    fn code(&self) -> ErrorCode {
        ErrorCode::KeyringUnavailable
    }
}

/// The id of the folder `data_dir`, made if it has none: it names the
/// folder's entries in the keyring.
pub fn folder_id(data_dir: &Path) -> io::Result<String> {
    let path = data_dir.join(ID_FILE);
    match fs::read_to_string(&path) {
        Ok(id) if is_id(id.trim()) => Ok(id.trim().to_owned()),
        Ok(_) | Err(_) => {
            let id = hex::encode(&likeness_seal::random_key()[..16]);
            crate::private_fs::touch(&path)?;
            fs::write(&path, &id)?;
            fs::File::open(&path)?.sync_all()?;
            Ok(id)
        }
    }
}

/// The keyring entry of the folder's master key.
fn entry_name(data_dir: &Path) -> io::Result<String> {
    Ok(format!("data-folder-{}", folder_id(data_dir)?))
}

fn is_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The keys of the folder `data_dir`. `has_encrypted_data` says whether the
/// folder already holds an encrypted database: then a missing key is an error,
/// not a reason to make a new one.
pub fn folder_keys(
    data_dir: &Path,
    store: &dyn SecretStore,
    has_encrypted_data: bool,
) -> Result<FolderKeys, KeyError> {
    let name = entry_name(data_dir)?;
    match store.get(&name)? {
        Some(hex) => {
            let master = parse_key(hex.expose()).ok_or(KeyError::Missing)?;
            Ok(FolderKeys::from_master(master))
        }
        None if has_encrypted_data => Err(KeyError::Missing),
        None => new_master(store, &name),
    }
}

/// Keep `keys` as the folder's keys, in place of the ones before (which are
/// then gone): "delete all" destroys the key that sealed what it deleted.
pub fn replace(
    data_dir: &Path,
    store: &dyn SecretStore,
    keys: &FolderKeys,
) -> Result<(), KeyError> {
    let hex = Sensitive::new(hex::encode(keys.master.expose()));
    Ok(store.set(&entry_name(data_dir)?, &hex)?)
}

fn new_master(store: &dyn SecretStore, name: &str) -> Result<FolderKeys, KeyError> {
    let keys = FolderKeys::random();
    store.set(name, &Sensitive::new(hex::encode(keys.master.expose())))?;
    Ok(keys)
}

fn parse_key(hex: &str) -> Option<[u8; KEY_LEN]> {
    hex::decode(hex.trim()).ok()?.try_into().ok()
}
