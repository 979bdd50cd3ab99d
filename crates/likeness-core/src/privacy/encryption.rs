//! Encryption at rest for a data folder an earlier version left in plaintext:
//! its database is rewritten encrypted (SQLCipher's `sqlcipher_export` into a
//! new file, then one atomic rename), and each vault file is sealed under its
//! new keyed name before the plaintext one is removed. Both steps can be cut
//! off at any point and run again: the rename happens once the encrypted copy
//! is whole, and a file is removed only after its sealed copy is written.

use std::fs;
use std::path::Path;
use std::time::SystemTime;

use rusqlite::{params, Connection};

use super::PrivacyError;
use crate::db::{key_literal, Db, DbError, DbKey};
use crate::vault::{is_sha256_hex, Kind, Vault};

/// If `path` holds an unencrypted database, replace it by an encrypted copy
/// under `key`; returns whether it did.
pub fn encrypt_database(path: &Path, key: &DbKey) -> Result<bool, DbError> {
    if !crate::db::is_plaintext(path) {
        return Ok(false);
    }
    let encrypting = path.with_extension("db.encrypting");
    let _ = fs::remove_file(&encrypting);
    crate::private_fs::touch(&encrypting)?;
    {
        let plain = Connection::open(path)?;
        plain.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        let version: i64 = plain.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let target = encrypting.display().to_string().replace('\'', "''");
        plain.execute_batch(&format!(
            "ATTACH DATABASE '{target}' AS encrypted KEY {};",
            key_literal(key)
        ))?;
        plain.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        plain.execute_batch(&format!(
            "PRAGMA encrypted.user_version = {version}; DETACH DATABASE encrypted;"
        ))?;
    }
    fs::File::open(&encrypting).and_then(|f| f.sync_all())?;
    for leftover in ["-wal", "-shm"] {
        let _ = fs::remove_file(format!("{}{leftover}", path.display()));
    }
    fs::rename(&encrypting, path)?;
    if let Some(dir) = path.parent() {
        fs::File::open(dir).and_then(|d| d.sync_all())?;
    }
    Ok(true)
}

/// Seal every vault file an earlier version wrote in plaintext (named
/// `<key>.<extension>`); returns how many. Style pictures get their row.
pub fn seal_plaintext_files(db: &Db, vault: &Vault) -> Result<u64, PrivacyError> {
    let mut sealed = 0;
    for kind in Kind::ALL {
        for path in vault.stored_files(kind) {
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let Some((key, _extension)) = name.split_once('.') else {
                continue; // sealed already: keyed names have no extension
            };
            if !key.get(..64).is_some_and(is_sha256_hex) {
                continue;
            }
            let bytes = fs::read(&path)?;
            let stored_at = fs::metadata(&path)
                .and_then(|m| m.modified())
                .unwrap_or_else(|_| SystemTime::now());
            db.write(|tx| {
                vault.put_with(kind, key, || Ok::<_, PrivacyError>(bytes.clone()))?;
                if kind == Kind::StylePicture {
                    tx.execute(
                        "INSERT INTO style_pictures (sha256, bytes, stored_at) VALUES (?1, ?2, ?3)
                         ON CONFLICT (sha256) DO NOTHING",
                        params![
                            key,
                            bytes.len() as i64,
                            crate::clock::stored(stored_at.into())
                        ],
                    )?;
                }
                Ok::<_, PrivacyError>(())
            })?;
            fs::remove_file(&path)?;
            sealed += 1;
        }
    }
    Ok(sealed)
}
