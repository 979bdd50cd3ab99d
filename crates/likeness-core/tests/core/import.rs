//! Importing portraits: what is stored, what is refused, and delete.

use image::{DynamicImage, ImageFormat, RgbImage};
use likeness_core::{ErrorCode, ImportStage, Library};

use crate::fixtures::*;

fn import(
    lib: &Library,
    name: &str,
    bytes: &[u8],
) -> Result<likeness_core::ImportOutcome, ErrorCode> {
    lib.import_bytes(name, bytes, &mut |_| {})
        .map_err(|e| e.code())
}

#[test]
fn the_astronaut_portrait_is_imported_with_its_size_and_a_thumbnail() {
    let (_dir, lib) = library();
    let mut stages = Vec::new();
    let outcome = lib
        .import_file(&astronaut_path(), &mut |s| stages.push(s))
        .unwrap();
    let p = &outcome.portrait;
    assert!(!outcome.duplicate);
    assert_eq!((p.width, p.height), (512, 512));
    assert_eq!(p.original_name, "astronaut.png");
    assert_eq!(p.format, "png");
    assert_eq!(p.sha256.len(), 64);
    assert_eq!(
        stages,
        [
            ImportStage::Decoding,
            ImportStage::Storing,
            ImportStage::Done
        ]
    );

    let stored = std::fs::read(&p.image_path).unwrap();
    assert_eq!(
        likeness_core::vault::sha256_hex(&stored),
        p.sha256,
        "the vault is content-addressed"
    );
    let thumb = image::open(&p.thumb_path).unwrap();
    assert_eq!(thumb.width().max(thumb.height()), 320);
    assert_eq!(lib.list().unwrap(), vec![p.clone()]);
}

#[test]
fn the_library_is_still_there_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let first = {
        let lib = Library::open(dir.path()).unwrap();
        lib.import_file(&astronaut_path(), &mut |_| {})
            .unwrap()
            .portrait
    };
    let reopened = Library::open(dir.path()).unwrap();
    assert_eq!(reopened.list().unwrap(), vec![first]);
}

#[test]
fn importing_the_same_image_twice_stores_it_once() {
    let (_dir, lib) = library();
    let bytes = astronaut_bytes();
    let first = import(&lib, "a.png", &bytes).unwrap();
    let second = import(&lib, "copy of a.png", &bytes).unwrap();
    assert!(second.duplicate);
    assert_eq!(second.portrait.id, first.portrait.id);
    assert_eq!(lib.list().unwrap().len(), 1);
    assert_eq!(vault_files(&lib).len(), 2, "one image and one thumbnail");
}

#[test]
fn exif_orientation_is_applied_and_gps_is_stripped_from_the_stored_copy() {
    let (_dir, lib) = library();
    let source = jpeg_rotated_with_gps();
    assert!(source.windows(4).any(|w| w == b"Exif"));
    let p = import(&lib, "phone.jpg", &source).unwrap().portrait;
    assert_eq!(
        (p.width, p.height),
        (32, 64),
        "the 64×32 image is turned upright"
    );
    let stored = std::fs::read(&p.image_path).unwrap();
    assert!(
        !stored.windows(4).any(|w| w == b"Exif"),
        "no EXIF block in the vault copy"
    );
    let upright = image::load_from_memory(&stored).unwrap().to_rgb8();
    // Rotated 90° clockwise, the red left half becomes the top.
    assert!(upright.get_pixel(16, 8)[0] > 150, "top is red");
    assert!(upright.get_pixel(16, 56)[2] > 150, "bottom is blue");
}

#[test]
fn jpeg_and_webp_imports_are_accepted() {
    let (_dir, lib) = library();
    let astronaut = image::load_from_memory(&astronaut_bytes()).unwrap();
    let jpeg = import(&lib, "a.jpg", &encode(&astronaut, ImageFormat::Jpeg))
        .unwrap()
        .portrait;
    assert_eq!(jpeg.format, "jpeg");
    let small = DynamicImage::ImageRgb8(RgbImage::from_pixel(40, 30, image::Rgb([1, 2, 3])));
    let webp = import(&lib, "b.webp", &encode(&small, ImageFormat::WebP))
        .unwrap()
        .portrait;
    assert_eq!(
        (webp.format.as_str(), webp.width, webp.height),
        ("png", 40, 30)
    );
    assert_eq!(lib.list().unwrap().len(), 2);
}

/// Each bad input gets its stable code, and nothing reaches the database or the vault.
fn assert_refused(name: &str, bytes: &[u8], code: ErrorCode) {
    let (_dir, lib) = library();
    assert_eq!(import(&lib, name, bytes).unwrap_err(), code, "{name}");
    assert!(
        lib.list().unwrap().is_empty(),
        "{name}: nothing in the library"
    );
    assert!(vault_files(&lib).is_empty(), "{name}: nothing in the vault");
}

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
    let err = lib.import_file(&path, &mut |_| {}).unwrap_err();
    assert_eq!(err.code(), ErrorCode::FileTooLarge);
    assert!(lib.list().unwrap().is_empty());
}

#[test]
fn a_missing_file_is_reported_as_not_found() {
    let (_dir, lib) = library();
    let err = lib
        .import_file(std::path::Path::new("/no/such/photo.jpg"), &mut |_| {})
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
}

#[test]
fn the_library_keeps_working_after_a_bad_import() {
    let (_dir, lib) = library();
    assert!(import(&lib, "bad.jpg", b"nope").is_err());
    assert!(import(&lib, "good.png", &astronaut_bytes()).is_ok());
    assert_eq!(lib.list().unwrap().len(), 1);
}

#[test]
fn deleting_a_portrait_removes_its_record_image_and_thumbnail() {
    let (_dir, lib) = library();
    let p = import(&lib, "a.png", &astronaut_bytes()).unwrap().portrait;
    assert!(std::path::Path::new(&p.image_path).exists());
    lib.delete(p.id).unwrap();
    assert!(lib.list().unwrap().is_empty());
    assert!(!std::path::Path::new(&p.image_path).exists());
    assert!(!std::path::Path::new(&p.thumb_path).exists());
    assert!(vault_files(&lib).is_empty());
    assert_eq!(lib.delete(p.id).unwrap_err().code(), ErrorCode::NotFound);
}

#[test]
fn a_hostile_file_name_is_kept_as_a_plain_name() {
    let (_dir, lib) = library();
    let p = import(&lib, "../../etc/passwd\u{7}.png", &astronaut_bytes())
        .unwrap()
        .portrait;
    assert_eq!(p.original_name, "passwd.png");
}
