//! Encryption at rest, on a real data folder with the real OS keyring (a
//! private Secret Service: run under `scripts/with-keyring.sh`): nothing on
//! disk reads as an image or a database without the key, a changed file is
//! refused, a missing key is said plainly, a folder from before encryption is
//! encrypted on first open, and "delete all" destroys the key.

use std::fs;
use std::path::{Path, PathBuf};

use likeness_core::db::{is_plaintext, Db, DbError, MIGRATIONS};
use likeness_core::keys::FolderKeys;
use likeness_core::secrets::{Keyring, SecretStore};
use likeness_core::vault::{sha256_hex, Kind, VaultItem};
use likeness_core::{Coded, ErrorCode, Services};

use crate::fixtures::*;
use crate::privacy::Folder;

/// Every file under `dir`.
fn files(dir: &Path) -> Vec<PathBuf> {
    crate::stand_in::files_under(dir)
}

fn looks_like_an_image(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG")
        || bytes.starts_with(b"\xff\xd8")
        || bytes.get(8..12) == Some(b"WEBP")
}

fn keyring_entry(data_dir: &Path) -> String {
    let id = fs::read_to_string(data_dir.join("folder-id")).unwrap();
    format!("data-folder-{}", id.trim())
}

#[test]
fn a_scan_of_the_data_folder_finds_no_plaintext_image_no_telling_name_and_no_readable_database() {
    let f = Folder::new();
    let portrait = f.import("me.png", &astronaut_bytes());
    let output = f.make_image(&portrait, 10);
    let style = f.lib.style_pictures.import(&astronaut_variant(3)).unwrap();

    let all = files(f.dir.path());
    assert!(all.len() >= 5, "{all:?}");
    for file in &all {
        let bytes = fs::read(file).unwrap();
        assert!(
            !looks_like_an_image(&bytes),
            "{} is a plaintext image",
            file.display()
        );
        let name = file.file_name().unwrap().to_string_lossy();
        for sha in [&portrait.sha256, &output.sha256, &style] {
            assert!(
                !name.contains(sha.as_str()),
                "{name} tells which image it is"
            );
        }
    }
    let db = f.dir.path().join("likeness.db");
    assert!(!is_plaintext(&db));
    // What `sqlite3 likeness.db` would do: open it without the key.
    let plain = rusqlite::Connection::open(&db).unwrap();
    let read = plain.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    });
    let err = read.unwrap_err();
    assert!(err.to_string().contains("file is not a database"), "{err}");
    // Through the app, everything reads back.
    assert_eq!(
        portrait.image_bytes(&f.lib.vault),
        f.lib
            .privacy
            .read_item(&VaultItem::Portrait(portrait.id))
            .unwrap()
            .0
    );
    assert_eq!(sha256_hex(&output.image_bytes(&f.lib.vault)), output.sha256);
}

#[test]
fn the_database_does_not_open_with_another_key() {
    let f = Folder::new();
    let path = f.dir.path().join("likeness.db");
    let other = FolderKeys::random();
    assert!(matches!(
        Db::open_encrypted(&path, &other.db),
        Err(DbError::WrongKey)
    ));
}

#[test]
fn a_vault_file_changed_on_disk_is_refused_as_damaged_not_shown() {
    let f = Folder::new();
    let portrait = f.import("me.png", &astronaut_bytes());
    let file = portrait.image_file(&f.lib.vault);
    let mut bytes = fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    fs::write(&file, &bytes).unwrap();

    let read = f
        .lib
        .vault
        .read(Kind::Original, &portrait.sha256)
        .unwrap_err();
    assert_eq!(read.kind(), std::io::ErrorKind::InvalidData);
    let served = f
        .lib
        .privacy
        .read_item(&VaultItem::Portrait(portrait.id))
        .unwrap_err();
    assert_eq!(served.code(), ErrorCode::Io);
    // Another portrait's file under this one's name is refused too.
    let other = f.import("other.png", &astronaut_variant(4));
    fs::copy(other.image_file(&f.lib.vault), &file).unwrap();
    assert_eq!(
        f.lib
            .vault
            .read(Kind::Original, &portrait.sha256)
            .unwrap_err()
            .kind(),
        std::io::ErrorKind::InvalidData
    );
}

#[test]
fn a_folder_whose_key_is_not_in_the_keyring_is_refused_in_plain_words_and_left_as_it_was() {
    let f = Folder::new();
    f.import("me.png", &astronaut_bytes());
    let dir = f.dir.path().to_owned();
    drop(f.lib);
    let before = fs::read(dir.join("likeness.db")).unwrap();
    Keyring::default().delete(&keyring_entry(&dir)).unwrap();

    let refused = Services::open(&dir, moderator)
        .err()
        .expect("no library opens without its key");

    assert_eq!(refused.code(), ErrorCode::KeyringUnavailable);
    assert!(
        refused
            .to_string()
            .contains("key is not in this computer's keyring"),
        "{refused}"
    );
    assert_eq!(
        fs::read(dir.join("likeness.db")).unwrap(),
        before,
        "nothing was replaced"
    );
}

#[test]
fn delete_all_destroys_the_key_that_sealed_what_it_deleted() {
    let f = Folder::new();
    f.import("me.png", &astronaut_bytes());
    let entry = keyring_entry(f.dir.path());
    let old = Keyring::default().get(&entry).unwrap().unwrap();

    f.lib.privacy.delete_all().unwrap();

    let new = Keyring::default().get(&entry).unwrap().unwrap();
    assert_ne!(
        new.expose(),
        old.expose(),
        "the old key is gone from the keyring"
    );
    let old_key = hex::decode(old.expose()).unwrap();
    let old_db_key = likeness_core::secrets::Sensitive::new(likeness_seal_db_key(&old_key));
    let path = f.dir.path().join("likeness.db");
    assert!(matches!(
        Db::open_encrypted(&path, &old_db_key),
        Err(DbError::WrongKey)
    ));
    // The library goes on under the new key: the next import works and reopens.
    f.lib
        .privacy
        .record_consent(ALL_CONSENT, &wording())
        .unwrap();
    f.import("again.png", &astronaut_variant(5));
    drop(f.lib);
    let lib = crate::privacy::open(f.dir.path(), &f.clock);
    assert_eq!(lib.portraits.list().unwrap().len(), 1);
}

/// The database key derived from a master key, as `keys` derives it.
fn likeness_seal_db_key(master: &[u8]) -> [u8; 32] {
    likeness_seal::keyed_hash(master, b"likeness database v1")
}

#[test]
fn a_library_from_before_encryption_is_encrypted_on_first_open_and_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let portrait = astronaut_bytes();
    let sha = sha256_hex(&portrait);
    let style = sha256_hex(b"a style picture");
    {
        // Today's schema (before this change: migrations 1 to 7), in plaintext.
        let old = Db::open_with(&dir.path().join("likeness.db"), &MIGRATIONS[..7]).unwrap();
        old.write(|tx| {
            tx.execute_batch(&format!(
                "INSERT INTO moderation_records (image_sha256, decision, reason, confidence_band,
                     model_hashes_json, thresholds_json, app_version, session_ref, decided_at)
                 VALUES ('{sha}', 'accept', 'accepted', 'high', '{{}}', '{{}}', '0.1.0', 's', '2026-12-01T10:00:00Z');
                 INSERT INTO portraits (sha256, original_name, format, width, height, bytes,
                     imported_at, last_used_at, moderation_id, face_json)
                 VALUES ('{sha}', 'me.png', 'png', 512, 512, {}, '2026-12-01T10:00:00Z',
                     '2099-01-01T00:00:00Z', 1,
                     '{{\"bbox\":[100,100,200,200],\"leftEye\":[150,150],\"rightEye\":[250,150]}}');
                 INSERT INTO consent_records (kind, granted, policy_version, recorded_at)
                 VALUES ('adult', 1, '2026-11-22', '2026-12-01T10:00:00Z');",
                portrait.len()
            ))?;
            Ok::<_, DbError>(())
        })
        .unwrap();
        let put = |folder: &str, name: &str, bytes: &[u8]| {
            let shard = dir.path().join("vault").join(folder).join(&name[..2]);
            fs::create_dir_all(&shard).unwrap();
            fs::write(shard.join(name), bytes).unwrap();
        };
        put("originals", &format!("{sha}.png"), &portrait);
        put("thumbs", &format!("{sha}.jpg"), b"\xff\xd8 a thumbnail");
        put(
            "style-pictures",
            &format!("{style}.png"),
            b"\x89PNG a style picture",
        );
    }

    let lib = Services::open(dir.path(), moderator).unwrap();

    let listed = lib.portraits.list().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].original_name.as_str(), listed[0].sha256.as_str()),
        ("me.png", sha.as_str())
    );
    assert_eq!(lib.vault.read(Kind::Original, &sha).unwrap(), portrait);
    assert_eq!(lib.style_pictures.list().unwrap()[0].sha256, style);
    assert_eq!(lib.consent.history().unwrap().len(), 1);
    assert!(!is_plaintext(&dir.path().join("likeness.db")));
    for file in files(dir.path()) {
        assert!(
            !looks_like_an_image(&fs::read(&file).unwrap()),
            "{} left in plaintext",
            file.display()
        );
        assert!(!file.to_string_lossy().ends_with(".encrypting"));
    }
    drop(lib);
    // And it opens again, now encrypted.
    assert_eq!(
        Services::open(dir.path(), moderator)
            .unwrap()
            .portraits
            .list()
            .unwrap()
            .len(),
        1
    );
}
