//! "Export all my data", "delete all" and importing the archive on a fresh
//! install: the round trip gives back the same library, history and records;
//! an archive cannot bring in what the on-device checks refuse; and after
//! "delete all" the data folder holds no image and no row.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use likeness_core::moderation::Reason;
use likeness_core::{Coded, ErrorCode, Services};

use crate::fixtures::*;
use crate::privacy::{open, Folder};

/// A library with two portraits, three images (one a favourite), a style
/// picture, a refusal and consent.
fn filled() -> Folder {
    let f = Folder::new();
    let me = f.import("me.png", &astronaut_variant(1));
    let other = f.import("other.jpg", &astronaut_variant(2));
    f.at_day(1);
    let first = f.make_image(&me, 10);
    f.make_image(&me, 20);
    f.make_image(&other, 30);
    f.lib.history.set_favourite(first.id, true).unwrap();
    f.lib.style_pictures.import(&astronaut_variant(3)).unwrap();
    let refused = f
        .lib
        .portraits
        .import_bytes("group.png", &side_by_side(), &mut |_| {});
    assert!(refused.unwrap().portrait.is_none());
    f
}

/// What a user sees of a library, without ids and paths (a new install numbers anew).
fn seen(lib: &Services) -> serde_json::Value {
    let portraits: Vec<_> = lib
        .portraits
        .list()
        .unwrap()
        .into_iter()
        .map(|p| {
            (
                p.sha256,
                p.original_name,
                p.format,
                p.width,
                p.height,
                p.imported_at,
            )
        })
        .collect();
    let sha_of = |id: Option<i64>| {
        id.and_then(|id| lib.portraits.get(id).ok())
            .map(|p| p.sha256)
    };
    let outputs: Vec<_> = lib
        .history
        .list_outputs(&Default::default())
        .unwrap()
        .outputs
        .into_iter()
        .map(|o| {
            serde_json::json!([
                o.sha256,
                sha_of(o.portrait_id),
                o.settings_json,
                o.engine,
                o.model_hashes,
                o.favourite,
                o.created_at,
                o.width,
                o.height
            ])
        })
        .collect();
    let records: Vec<_> = lib
        .portraits
        .moderation_records()
        .unwrap()
        .into_iter()
        .map(|r| (r.decision, r.reason, r.confidence_band, r.decided_at))
        .collect();
    let styles: Vec<_> = lib
        .style_pictures
        .list()
        .unwrap()
        .into_iter()
        .map(|s| s.sha256)
        .collect();
    serde_json::json!({
        "portraits": portraits, "outputs": outputs, "records": records, "styles": styles,
        "retention": lib.privacy.retention().unwrap(),
    })
}

fn export(f: &Folder) -> PathBuf {
    let out = f.dir.path().join("exports");
    let summary = f.lib.privacy.export_archive(&out).unwrap();
    assert_eq!(
        (summary.portraits, summary.outputs, summary.style_pictures),
        (2, 3, 1)
    );
    assert_eq!(summary.moderation_records, 3);
    assert_eq!(summary.consent_records, 3);
    let path = PathBuf::from(&summary.path);
    assert_eq!(path.file_name().unwrap(), "likeness-export-2026-03-02.zip");
    assert_eq!(fs::metadata(&path).unwrap().len(), summary.bytes);
    path
}

#[test]
fn an_archive_exported_then_wiped_then_imported_gives_back_the_same_library_history_and_records() {
    let f = filled();
    let before = seen(&f.lib);
    let consent_before = f.lib.consent.history().unwrap();
    let archive = export(&f);
    // Keep the archive outside the folder that is about to be wiped.
    let moved = tempfile::tempdir().unwrap();
    let archive = {
        let to = moved.path().join("archive.zip");
        fs::rename(&archive, &to).unwrap();
        to
    };

    f.lib.privacy.delete_all().unwrap();
    assert!(f.lib.portraits.list().unwrap().is_empty());
    f.lib
        .privacy
        .record_consent(ALL_CONSENT, &wording())
        .unwrap();
    let report = f.lib.privacy.import_archive(&archive).unwrap();

    assert_eq!(
        (
            report.portraits,
            report.outputs,
            report.style_pictures,
            report.refused,
            report.duplicates
        ),
        (2, 3, 1, 0, 0)
    );
    // Each portrait was moderated again on import: its new decision is recorded too.
    let mut after = seen(&f.lib);
    let records = after["records"].as_array_mut().unwrap();
    let reimport = records
        .iter()
        .filter(|r| r[3] == "2026-03-02T09:00:00Z" && r[1] == "accepted")
        .count();
    assert_eq!(reimport, 2);
    records.retain(|r| !(r[3] == "2026-03-02T09:00:00Z" && r[1] == "accepted"));
    assert_eq!(after, before);
    let consent_after = f.lib.consent.history().unwrap();
    for record in &consent_before {
        assert!(
            consent_after.iter().any(|r| r.kind == record.kind
                && r.granted == record.granted
                && r.recorded_at == record.recorded_at
                && r.wording_sha256 == record.wording_sha256),
            "{record:?} came back"
        );
    }
    assert!(f.lib.consent.status().unwrap().complete);
    // Everything works as before: the images are where History says.
    for o in f.outputs() {
        assert!(o.image_file(&f.lib.vault).is_file() && o.thumb_file(&f.lib.vault).is_file());
    }
}

#[test]
fn importing_the_same_archive_twice_adds_nothing_the_second_time() {
    let f = filled();
    let archive = export(&f);
    let again = f.lib.privacy.import_archive(&archive).unwrap();
    assert_eq!(
        (
            again.portraits,
            again.outputs,
            again.style_pictures,
            again.moderation_records,
            again.consent_records
        ),
        (0, 0, 0, 0, 0)
    );
    assert_eq!(
        again.duplicates, 6,
        "2 portraits, 3 images, 1 style picture"
    );
}

#[test]
fn an_archive_moves_a_library_to_a_fresh_install_with_its_own_consent() {
    let f = filled();
    let archive = export(&f);
    let fresh = tempfile::tempdir().unwrap();
    let lib = open(fresh.path(), &f.clock);

    let refused = lib.privacy.import_archive(&archive).unwrap_err();
    assert_eq!(
        refused.code(),
        ErrorCode::ConsentRequired,
        "consent is given here first"
    );
    lib.privacy.record_consent(ALL_CONSENT, &wording()).unwrap();
    lib.privacy.import_archive(&archive).unwrap();

    assert_eq!(lib.portraits.list().unwrap().len(), 2);
    assert_eq!(
        lib.history
            .list_outputs(&Default::default())
            .unwrap()
            .outputs
            .len(),
        3
    );
}

/// Write a zip with `files` (name, bytes).
fn zip_of(dir: &Path, files: &[(&str, Vec<u8>)]) -> PathBuf {
    let path = dir.join("hand-made.zip");
    let mut zip = zip::ZipWriter::new(fs::File::create(&path).unwrap());
    for (name, bytes) in files {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
    path
}

fn manifest(version: u32) -> Vec<u8> {
    serde_json::json!({"format": "likeness-export", "version": version,
        "exportedAt": "2026-03-01T09:00:00Z", "appVersion": "0.1.0"})
    .to_string()
    .into_bytes()
}

#[test]
fn an_edited_archive_cannot_bring_in_a_group_photo_or_an_unsafe_image() {
    let f = Folder::new();
    let json = |v: serde_json::Value| v.to_string().into_bytes();
    let archive = zip_of(
        f.dir.path(),
        &[
            ("manifest.json", manifest(1)),
            (
                "portraits.json",
                json(
                    serde_json::json!([{"sha256": "a", "originalName": "group.png",
                "format": "png", "width": 1, "height": 1, "importedAt": "2026-01-01T00:00:00Z",
                "lastUsedAt": "2026-01-01T00:00:00Z", "file": "portraits/group.png"}]),
                ),
            ),
            (
                "outputs.json",
                json(serde_json::json!([{"sha256": "b", "portraitSha256": null,
                "format": "png", "width": 1, "height": 1, "settings": {}, "engine": "x",
                "modelHashes": {}, "seed": null, "favourite": true,
                "createdAt": "2026-03-01T09:00:00Z", "file": "outputs/unsafe.png"}])),
            ),
            (
                "style-pictures.json",
                json(serde_json::json!([{"sha256": "c", "file": "style-pictures/unsafe.png"}])),
            ),
            ("moderation-records.json", json(serde_json::json!([]))),
            ("consent-records.json", json(serde_json::json!([]))),
            (
                "settings.json",
                json(serde_json::json!({"youthfulAge": 25.0, "retention": {
                "portraitDays": 30, "outputDays": 90, "moderationRecordDays": 1095,
                "consentRecordDays": 1095, "jobDays": 90}})),
            ),
            ("portraits/group.png", side_by_side()),
            ("outputs/unsafe.png", nsfw_scoring_picture()),
            ("style-pictures/unsafe.png", nsfw_scoring_picture()),
        ],
    );

    let report = f.lib.privacy.import_archive(&archive).unwrap();

    assert_eq!(
        (report.portraits, report.outputs, report.style_pictures),
        (0, 0, 0)
    );
    assert_eq!(report.refused, 3);
    assert_eq!(vault_files(&f.lib).len(), 0, "nothing refused was written");
    let records = f.lib.portraits.moderation_records().unwrap();
    assert_eq!(
        records.len(),
        1,
        "the refusal is recorded as any import's is"
    );
    assert_eq!(records[0].reason, Reason::MultiplePeople);
}

#[test]
fn a_file_that_is_not_a_likeness_archive_or_is_from_a_newer_version_is_refused_with_a_clear_code() {
    let f = Folder::new();
    let not_zip = f.dir.path().join("photo.zip");
    fs::write(&not_zip, astronaut_bytes()).unwrap();
    let other_zip = zip_of(f.dir.path(), &[("hello.txt", b"hi".to_vec())]);

    for path in [&not_zip, &other_zip] {
        let e = f.lib.privacy.import_archive(path).unwrap_err();
        assert_eq!(e.code(), ErrorCode::ArchiveInvalid, "{e}");
    }
    let newer = zip_of(f.dir.path(), &[("manifest.json", manifest(2))]);
    let e = f.lib.privacy.import_archive(&newer).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ArchiveInvalid);
    assert!(e.to_string().contains("Update Likeness"), "{e}");
}

/// Every file under `dir`.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    crate::stand_in::files_under(dir)
}

#[test]
fn delete_all_leaves_no_image_and_no_row_in_the_data_folder_and_ends_with_a_receipt() {
    let f = filled();
    let portraits = f.lib.portraits.list().unwrap();
    fs::create_dir_all(f.lib.staging_dir().join("job-9")).unwrap();
    fs::write(
        f.lib.staging_dir().join("job-9/partial.png"),
        astronaut_bytes(),
    )
    .unwrap();

    let receipt = f.lib.privacy.delete_all().unwrap();

    assert_eq!(
        (receipt.portraits, receipt.outputs, receipt.style_pictures),
        (2, 3, 1)
    );
    assert_eq!(
        (
            receipt.moderation_records,
            receipt.consent_records,
            receipt.jobs
        ),
        (3, 3, 3)
    );
    // Two portraits and their thumbnails, three images and theirs, the style
    // picture and the staged file.
    assert_eq!(receipt.files, 2 + 2 + 3 + 3 + 1 + 1, "{receipt:?}");
    assert!(receipt.bytes > 0);
    assert_eq!(receipt.deleted_at, "2026-03-02T09:00:00Z");
    for table in [
        "portraits",
        "outputs",
        "jobs",
        "moderation_records",
        "consent_records",
        "settings",
    ] {
        assert_eq!(f.count(table), 0, "{table} is empty");
    }
    assert!(
        !f.lib.consent.status().unwrap().complete,
        "the next use starts at the gate"
    );
    let images: Vec<PathBuf> = files_under(f.dir.path())
        .into_iter()
        .filter(|p| {
            let head = fs::read(p).unwrap_or_default();
            head.starts_with(b"\x89PNG")
                || head.starts_with(b"\xff\xd8")
                || head.get(8..12) == Some(b"WEBP")
        })
        .collect();
    assert_eq!(images, Vec::<PathBuf>::new(), "no image is left");
    // No trace of a portrait in the database files either.
    for db_file in files_under(f.dir.path())
        .iter()
        .filter(|p| p.to_string_lossy().contains("likeness.db"))
    {
        let bytes = fs::read(db_file).unwrap();
        for p in &portraits {
            for needle in [p.sha256.as_bytes(), p.original_name.as_bytes()] {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle),
                    "{} still holds {}",
                    db_file.display(),
                    String::from_utf8_lossy(needle)
                );
            }
        }
    }
}
