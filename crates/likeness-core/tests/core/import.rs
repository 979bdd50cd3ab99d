//! Importing portraits: what is stored, what is refused, and delete.

use image::ImageFormat;
use likeness_core::library::{ImportOutcome, ImportStage, Portrait};
use likeness_core::moderation::{Decision, Moderator, Reason};
use likeness_core::Coded;
use likeness_core::{ErrorCode, Services};

use crate::fixtures::*;

fn import(lib: &Services, name: &str, bytes: &[u8]) -> Result<ImportOutcome, ErrorCode> {
    lib.portraits
        .import_bytes(name, bytes, &mut |_| {})
        .map_err(|e| e.code())
}

/// Import, expecting the portrait to be accepted and stored.
fn accepted(lib: &Services, name: &str, bytes: &[u8]) -> Portrait {
    let outcome = import(lib, name, bytes).unwrap();
    assert_eq!(
        outcome.moderation.as_ref().unwrap().reason,
        Reason::Accepted,
        "{name}: {:?}",
        outcome.moderation
    );
    outcome.portrait.unwrap()
}

#[test]
fn the_astronaut_portrait_is_imported_with_its_size_and_a_thumbnail() {
    let (_dir, lib) = library();
    let mut stages = Vec::new();
    let outcome = lib
        .portraits
        .import_file(&astronaut_path(), &mut |s| stages.push(s))
        .unwrap();
    assert!(!outcome.duplicate);
    assert_eq!(
        outcome.moderation.as_ref().unwrap().decision,
        Decision::Accept
    );
    assert_eq!(outcome.moderation.as_ref().unwrap().face_count, 1);
    let p = outcome.portrait.unwrap();
    assert_eq!((p.width, p.height), (512, 512));
    assert_eq!(p.original_name, "astronaut.png");
    assert_eq!(p.format, "png");
    assert_eq!(p.sha256.len(), 64);
    assert_eq!(
        stages,
        [
            ImportStage::Decoding,
            ImportStage::Moderating,
            ImportStage::Storing,
            ImportStage::Done
        ]
    );

    let stored = p.image_bytes(&lib.vault);
    assert_eq!(
        likeness_core::vault::sha256_hex(&stored),
        p.sha256,
        "the vault is content-addressed"
    );
    let thumb = image::load_from_memory(&p.thumb_bytes(&lib.vault)).unwrap();
    assert_eq!(thumb.width().max(thumb.height()), 320);
    assert_eq!(lib.portraits.list().unwrap(), vec![p]);
}

#[test]
fn the_library_is_still_there_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let first = {
        let lib = Services::open(dir.path(), moderator).unwrap();
        lib.privacy
            .record_consent(ALL_CONSENT, &crate::fixtures::wording())
            .unwrap();
        accepted(&lib, "astronaut.png", &astronaut_bytes())
    };
    let reopened = Services::open(dir.path(), moderator).unwrap();
    assert_eq!(reopened.portraits.list().unwrap(), vec![first]);
}

#[test]
fn importing_the_same_image_twice_stores_it_once() {
    let (_dir, lib) = library();
    let bytes = astronaut_bytes();
    let first = accepted(&lib, "a.png", &bytes);
    let second = import(&lib, "copy of a.png", &bytes).unwrap();
    assert!(second.duplicate);
    assert_eq!(second.portrait.unwrap().id, first.id);
    assert_eq!(lib.portraits.list().unwrap().len(), 1);
    assert_eq!(vault_files(&lib).len(), 2, "one image and one thumbnail");
}

#[test]
fn exif_orientation_is_applied_and_gps_is_stripped_from_the_stored_copy() {
    let (_dir, lib) = library();
    let source = jpeg_rotated_with_gps();
    assert!(source.windows(4).any(|w| w == b"Exif"));
    // Accepted means the face was found, which needs the image upright.
    let p = accepted(&lib, "phone.jpg", &source);
    assert_eq!(
        (p.width, p.height),
        (480, 512),
        "the sideways 512×480 image is turned upright"
    );
    let stored = p.image_bytes(&lib.vault);
    assert!(
        !stored.windows(4).any(|w| w == b"Exif"),
        "no EXIF block in the vault copy"
    );
    assert!(
        !stored.windows(2).any(|w| w == [0xFF, 0xE1]),
        "no APP1 (EXIF/XMP) segment at all"
    );
}

#[test]
fn jpeg_and_webp_imports_are_accepted() {
    let (_dir, lib) = library();
    let astronaut = image::load_from_memory(&astronaut_bytes()).unwrap();
    let jpeg = accepted(&lib, "a.jpg", &encode(&astronaut, ImageFormat::Jpeg));
    assert_eq!(jpeg.format, "jpeg");
    let cropped = astronaut.crop_imm(0, 0, 480, 512);
    let webp = accepted(&lib, "b.webp", &encode(&cropped, ImageFormat::WebP));
    assert_eq!(
        (webp.format.as_str(), webp.width, webp.height),
        ("png", 480, 512)
    );
    assert_eq!(lib.portraits.list().unwrap().len(), 2);
}

/// Each bad input gets its stable code, and nothing reaches the database or the vault.
#[test]
fn an_empty_file_is_refused_as_empty() {
    assert_refused("empty.jpg", b"", ErrorCode::EmptyFile);
}

#[test]
fn a_text_file_renamed_jpg_is_refused_as_unsupported() {
    assert_refused(
        "notes.jpg",
        b"Dear diary, this is not a photo.\n",
        ErrorCode::UnsupportedFormat,
    );
}

#[test]
fn a_gif_is_refused_as_unsupported() {
    assert_refused(
        "anim.jpg",
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        ErrorCode::UnsupportedFormat,
    );
}

#[test]
fn a_truncated_jpeg_is_refused_as_truncated() {
    let astronaut = image::load_from_memory(&astronaut_bytes()).unwrap();
    let jpeg = encode(&astronaut, ImageFormat::Jpeg);
    assert_refused(
        "cut.jpg",
        &jpeg[..jpeg.len() / 2],
        ErrorCode::TruncatedImage,
    );
}

#[test]
fn a_truncated_png_is_refused_as_truncated() {
    let png = astronaut_bytes();
    assert_refused("cut.png", &png[..png.len() / 2], ErrorCode::TruncatedImage);
}

#[test]
fn a_png_with_damaged_data_is_refused_as_corrupt() {
    let mut png = astronaut_bytes();
    let mid = png.len() / 2;
    for b in &mut png[100..mid] {
        *b = b.wrapping_mul(31).wrapping_add(7);
    }
    assert_refused("damaged.png", &png, ErrorCode::CorruptImage);
}

#[test]
fn an_image_over_100_megapixels_is_refused_before_decoding() {
    assert_refused(
        "huge.png",
        &png_claiming(20_000, 10_000),
        ErrorCode::TooManyPixels,
    );
}

#[test]
fn a_file_over_50_mb_is_refused_without_being_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.jpg");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(50 * 1024 * 1024 + 1).unwrap();
    let (_lib_dir, lib) = library();
    let err = lib.portraits.import_file(&path, &mut |_| {}).unwrap_err();
    assert_eq!(err.code(), ErrorCode::FileTooLarge);
    assert!(lib.portraits.list().unwrap().is_empty());
}

#[test]
fn a_missing_file_is_reported_as_not_found() {
    let (_dir, lib) = library();
    let err = lib
        .portraits
        .import_file(std::path::Path::new("/no/such/photo.jpg"), &mut |_| {})
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
}

#[test]
fn the_library_keeps_working_after_a_bad_import() {
    let (_dir, lib) = library();
    assert!(import(&lib, "bad.jpg", b"nope").is_err());
    accepted(&lib, "good.png", &astronaut_bytes());
    assert_eq!(lib.portraits.list().unwrap().len(), 1);
}

#[test]
fn deleting_a_portrait_removes_its_record_image_and_thumbnail() {
    let (_dir, lib) = library();
    let p = accepted(&lib, "a.png", &astronaut_bytes());
    assert!(p.image_file(&lib.vault).exists());
    lib.portraits.delete(p.id).unwrap();
    assert!(lib.portraits.list().unwrap().is_empty());
    assert!(!p.image_file(&lib.vault).exists());
    assert!(!p.thumb_file(&lib.vault).exists());
    assert!(vault_files(&lib).is_empty());
    assert_eq!(
        lib.portraits.delete(p.id).unwrap_err().code(),
        ErrorCode::NotFound
    );
}

#[test]
fn a_hostile_file_name_is_kept_as_a_plain_name() {
    let (_dir, lib) = library();
    let p = accepted(&lib, "../../etc/passwd\u{7}.png", &astronaut_bytes());
    assert_eq!(p.original_name, "passwd.png");
}

#[test]
fn a_rejected_photo_is_never_stored_but_its_moderation_record_is_kept() {
    let (_dir, lib) = library();
    let outcome = import(&lib, "friends.png", &side_by_side()).unwrap();
    assert!(outcome.portrait.is_none());
    assert_eq!(
        outcome.moderation.as_ref().unwrap().decision,
        Decision::Reject
    );
    assert_eq!(
        outcome.moderation.as_ref().unwrap().reason,
        Reason::MultiplePeople
    );
    assert_eq!(
        outcome.moderation.as_ref().unwrap().people,
        2,
        "the refusal names the two people it found"
    );
    assert!(lib.portraits.list().unwrap().is_empty());
    assert!(
        vault_files(&lib).is_empty(),
        "the rejected image is not on disk"
    );
    assert_eq!(
        lib.portraits
            .moderation_count(Some(Reason::MultiplePeople))
            .unwrap(),
        1
    );
}

#[test]
fn when_moderation_cannot_run_no_portrait_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-libonnxruntime.so");
    let lib = Services::open(dir.path(), move || {
        let broken = Moderator::load(Some(&missing), None, Default::default());
        broken.map(std::sync::Arc::new)
    })
    .unwrap();
    lib.privacy
        .record_consent(ALL_CONSENT, &crate::fixtures::wording())
        .unwrap();
    assert!(lib.moderator.get().is_err());
    let outcome = import(&lib, "me.png", &astronaut_bytes()).unwrap();
    assert_eq!(
        outcome.moderation.as_ref().unwrap().reason,
        Reason::ModerationUnavailable
    );
    assert!(outcome.portrait.is_none());
    assert!(lib.portraits.list().unwrap().is_empty());
    assert!(vault_files(&lib).is_empty());
}

#[test]
fn a_raised_youthful_age_setting_refuses_a_young_looking_adult_and_cannot_go_below_21() {
    let (_dir, lib) = library();
    assert_eq!(lib.settings.thresholds().unwrap().youthful_age(), 25.0);
    assert_eq!(
        lib.settings.set_youthful_age(20.0).unwrap_err().code(),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        lib.settings.thresholds().unwrap().youthful_age(),
        25.0,
        "the refused value is not kept"
    );
    lib.settings.set_youthful_age(45.0).unwrap();
    let outcome = import(&lib, "me.png", &astronaut_bytes()).unwrap();
    assert_eq!(
        outcome.moderation.as_ref().unwrap().reason,
        Reason::AmbiguousYouthful
    );
    assert!(outcome.portrait.is_none());
    lib.settings.set_youthful_age(25.0).unwrap();
    accepted(&lib, "me.png", &astronaut_bytes());
}

#[test]
fn a_photo_already_in_the_library_is_found_again_after_the_age_check_was_tightened() {
    let (_dir, lib) = library();
    let first = accepted(&lib, "me.png", &astronaut_bytes());
    lib.settings.set_youthful_age(45.0).unwrap();
    let again = import(&lib, "me-again.png", &astronaut_bytes()).unwrap();
    assert!(again.duplicate, "already in your library");
    assert_eq!(again.portrait.map(|p| p.id), Some(first.id));
    assert_eq!(again.moderation, None, "not checked again");
    assert_eq!(lib.portraits.list().unwrap().len(), 1);
    assert_eq!(
        lib.portraits.moderation_count(None).unwrap(),
        1,
        "no second decision was recorded"
    );
    // A new photo still meets the tightened check.
    let other = import(&lib, "other.png", &astronaut_variant(1)).unwrap();
    assert_eq!(
        other.moderation.map(|m| m.reason),
        Some(Reason::AmbiguousYouthful)
    );
}

#[test]
fn a_batch_import_reports_each_file_in_order_as_one_by_one_imports_would() {
    let (dir, lib) = library();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let files = vec![
        write("me.png", &astronaut_bytes()),
        write("group.png", &side_by_side()),
        dir.path().join("missing.jpg"),
        write("me-again.png", &astronaut_bytes()),
    ];
    let mut seen = Vec::new();
    lib.portraits.import_files(&files, &mut |path, outcome| {
        let summary = match outcome {
            Ok(o) => format!(
                "{:?} duplicate={}",
                o.moderation.map(|m| m.reason),
                o.duplicate
            ),
            Err(e) => format!("error {:?}", e.code()),
        };
        seen.push((
            path.file_name().unwrap().to_string_lossy().into_owned(),
            summary,
        ));
    });
    let names: Vec<&str> = seen.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["me.png", "group.png", "missing.jpg", "me-again.png"]
    );
    assert_eq!(seen[0].1, "Some(Accepted) duplicate=false");
    assert_eq!(seen[1].1, "Some(MultiplePeople) duplicate=false");
    assert_eq!(seen[2].1, "error NotFound");
    assert_eq!(seen[3].1, "None duplicate=true", "not checked again");
    assert_eq!(lib.portraits.list().unwrap().len(), 1);
}

#[test]
fn a_batch_import_without_consent_stores_nothing() {
    let (dir, lib) = library();
    lib.privacy.withdraw_consent().unwrap();
    let path = dir.path().join("me.png");
    std::fs::write(&path, astronaut_bytes()).unwrap();
    let mut codes = Vec::new();
    lib.portraits
        .import_files(&[path.clone(), path], &mut |_, outcome| {
            codes.push(outcome.map(|_| ()).unwrap_err().code())
        });
    assert_eq!(codes, [ErrorCode::ConsentRequired; 2]);
    assert!(vault_files(&lib).is_empty());
}

#[test]
fn a_refusal_is_recorded_without_the_file_name_the_faces_or_their_ages() {
    let (dir, lib) = library();
    let refused = import(&lib, "my-niece.jpg", &side_by_side()).unwrap();
    assert_eq!(
        refused.moderation.as_ref().unwrap().reason,
        Reason::MultiplePeople
    );
    assert_eq!(lib.portraits.moderation_count(None).unwrap(), 1);
    let conn = open_db_file(dir.path()).unwrap();
    let (decision, reason, band): (String, String, String) = conn
        .query_row(
            "SELECT decision, reason, confidence_band FROM moderation_records",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (decision.as_str(), reason.as_str()),
        ("reject", "multiple_people")
    );
    assert!(["low", "medium", "high"].contains(&band.as_str()));
    drop(conn);
    crate::db::assert_not_in_database_files(dir.path(), &["my-niece", "landmarks", "\"age\""]);
}
