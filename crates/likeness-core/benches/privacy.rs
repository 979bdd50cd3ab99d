//! The privacy centre's costs, on a real encrypted data folder (SQLCipher, a
//! sealed vault, the key from the OS keyring: run under a keyring,
//! `bash scripts/with-keyring.sh cargo bench -p likeness-core --bench privacy`):
//!
//! - retention: one sweep that deletes 100,000 expired images (rows and their
//!   sealed files, in batches), and the hourly sweep when nothing expired;
//! - thumbnails: 1,000 History thumbnails served as the `vault:` protocol
//!   serves them (row lookup, read, decrypt) against reading the same bytes
//!   from plaintext files, as the asset protocol did before;
//! - encryption's share of an import: sealing a 5 MiB file and a thumbnail.

use std::sync::Arc;
use std::time::{Duration, Instant};

use likeness_core::clock::FixedClock;
use likeness_core::services::Options;
use likeness_core::vault::{sha256_hex, Kind, VaultItem};
use likeness_core::Services;
use rusqlite::params;

const IMAGES: usize = 100_000;
const THUMBNAILS: usize = 1_000;
/// About the size of a 256 px History thumbnail (JPEG).
const THUMB_BYTES: usize = 12 * 1024;

fn main() {
    let start = time::macros::datetime!(2026-01-01 00:00 UTC);
    let clock = Arc::new(FixedClock::new(start));
    let dir = tempfile::tempdir().unwrap();
    let options = Options {
        clock: clock.clone(),
        ..Options::default()
    };
    let lib = Services::open_with(dir.path(), moderator, options).unwrap();

    let seeded = Instant::now();
    seed_images(&lib, IMAGES);
    println!(
        "seeded {IMAGES} images (rows + sealed image and thumbnail files) in {:.1} s",
        seeded.elapsed().as_secs_f64()
    );
    thumbnails(&lib);

    let quiet = Instant::now();
    let report = lib.privacy.expire().unwrap();
    assert_eq!(report.total(), 0);
    println!(
        "hourly sweep, nothing expired, {IMAGES} images: {:.1} ms",
        quiet.elapsed().as_secs_f64() * 1e3
    );

    clock.set(start + time::Duration::days(91));
    let sweep = Instant::now();
    let report = lib.privacy.expire().unwrap();
    let took = sweep.elapsed();
    assert_eq!(report.outputs as usize, IMAGES);
    println!(
        "retention sweep deleting {IMAGES} expired images and their {} files: {:.2} s ({:.1} µs per image)",
        IMAGES * 2,
        took.as_secs_f64(),
        took.as_secs_f64() * 1e6 / IMAGES as f64
    );

    sealing(&lib);
}

/// The real checks, loaded only if something is moderated (nothing is, here).
fn moderator() -> likeness_core::moderation::ModeratorHandle {
    use likeness_core::moderation::{Moderator, Thresholds};
    Moderator::load(None, None, Thresholds::default()).map(Arc::new)
}

fn seed_images(lib: &Services, rows: usize) {
    let thumb = vec![0x5a; THUMB_BYTES];
    lib.db
        .write(|tx| {
            let mut insert = tx.prepare(
                "INSERT INTO outputs (sha256, format, width, height, bytes, settings_json, engine,
                     model_hashes_json, created_at)
                 VALUES (?1, 'png', 512, 640, 40000, '{}', 'local-style', '{}', '2026-01-01T00:00:00Z')",
            )?;
            for i in 0..rows {
                let sha = sha256_hex(&i.to_le_bytes());
                insert.execute(params![sha])?;
                lib.vault
                    .put_with(Kind::Output, &sha, || Ok::<_, std::io::Error>(vec![0xa5; 1024]))
                    .unwrap();
                lib.vault
                    .put_with(Kind::OutputThumbnail, &sha, || Ok::<_, std::io::Error>(thumb.clone()))
                    .unwrap();
            }
            Ok::<_, likeness_core::db::DbError>(())
        })
        .unwrap();
}

/// 1,000 thumbnails through `read_item`, against plain reads of the same
/// bytes from plaintext files.
fn thumbnails(lib: &Services) {
    let plain = tempfile::tempdir().unwrap();
    let ids: Vec<i64> = (1..=THUMBNAILS as i64).collect();
    for id in &ids {
        let (bytes, _) = lib
            .privacy
            .read_item(&VaultItem::OutputThumbnail(*id))
            .unwrap();
        std::fs::write(plain.path().join(format!("{id}.jpg")), bytes).unwrap();
    }
    let mut sealed = Vec::new();
    let mut plaintext = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        for id in &ids {
            let (bytes, _) = lib
                .privacy
                .read_item(&VaultItem::OutputThumbnail(*id))
                .unwrap();
            assert_eq!(bytes.len(), THUMB_BYTES);
        }
        sealed.push(t.elapsed());
        let t = Instant::now();
        for id in &ids {
            let bytes = std::fs::read(plain.path().join(format!("{id}.jpg"))).unwrap();
            assert_eq!(bytes.len(), THUMB_BYTES);
        }
        plaintext.push(t.elapsed());
    }
    let (sealed, plaintext) = (median(&mut sealed), median(&mut plaintext));
    println!(
        "{THUMBNAILS} thumbnails of {} KiB: vault: protocol read (row, file, decrypt) {:.1} ms, \
         plaintext file read {:.1} ms: {:.2}x, {:.1} µs more per thumbnail",
        THUMB_BYTES / 1024,
        sealed.as_secs_f64() * 1e3,
        plaintext.as_secs_f64() * 1e3,
        sealed.as_secs_f64() / plaintext.as_secs_f64(),
        (sealed.as_secs_f64() - plaintext.as_secs_f64()) * 1e6 / THUMBNAILS as f64
    );
}

/// What encryption adds to an import: sealing the stored file and its thumbnail.
fn sealing(lib: &Services) {
    let photo = vec![0x3c; 5 * 1024 * 1024];
    let thumb = vec![0x3c; 40 * 1024];
    let mut runs = Vec::new();
    for n in 0..9u32 {
        let key = sha256_hex(&n.to_le_bytes());
        let t = Instant::now();
        lib.vault
            .put_with(Kind::Original, &key, || {
                Ok::<_, std::io::Error>(photo.clone())
            })
            .unwrap();
        lib.vault
            .put_with(Kind::Thumbnail, &key, || {
                Ok::<_, std::io::Error>(thumb.clone())
            })
            .unwrap();
        runs.push(t.elapsed());
    }
    let written = median(&mut runs);
    let seal = Instant::now();
    for _ in 0..9 {
        std::hint::black_box(likeness_seal::seal(&[7; 32], b"originals/x", &photo));
    }
    let seal = seal.elapsed() / 9;
    println!(
        "import storage of a 5 MiB photo and its thumbnail: {:.1} ms in all (atomic writes with fsync), \
         of which sealing {:.1} ms ({:.0} MiB/s)",
        written.as_secs_f64() * 1e3,
        seal.as_secs_f64() * 1e3,
        5.0 / seal.as_secs_f64()
    );
}

fn median(values: &mut [Duration]) -> Duration {
    values.sort();
    values[values.len() / 2]
}
