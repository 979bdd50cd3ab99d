//! What moderation judges is exactly what is stored and shown: no second
//! picture can hide in an alpha channel or in 16-bit low bytes, a damaged
//! file is refused rather than patched, and the data folder is owner-only.

use image::{DynamicImage, ImageFormat, Rgb, Rgba, RgbaImage};
use likeness_core::imaging;
use likeness_core::moderation::Reason;
use likeness_core::ErrorCode;

use crate::fixtures::*;

fn astronaut() -> image::RgbImage {
    image::load_from_memory(&astronaut_bytes())
        .unwrap()
        .to_rgb8()
}

/// The stored file of an accepted import, decoded by the `image` crate (as a
/// viewer would, with whatever channels and depth the file has).
fn stored(bytes: &[u8]) -> DynamicImage {
    let (_dir, lib) = library();
    let outcome = lib
        .portraits
        .import_bytes("p.png", bytes, &mut |_| {})
        .unwrap();
    assert_eq!(
        outcome.moderation.as_ref().unwrap().reason,
        Reason::Accepted,
        "{:?}",
        outcome.moderation
    );
    image::load_from_memory(&outcome.portrait.unwrap().image_bytes(&lib.vault)).unwrap()
}

#[test]
fn a_second_face_hidden_in_the_alpha_channel_is_seen_by_moderation_and_refused() {
    // Left: the astronaut, opaque. Right: black pixels whose alpha is the
    // astronaut's darkness, so on a white page the right half shows her too,
    // while the RGB channels alone show one person.
    let one = astronaut();
    let (w, h) = one.dimensions();
    let pair = RgbaImage::from_fn(w * 2, h, |x, y| {
        if x < w {
            let p = one.get_pixel(x, y).0;
            Rgba([p[0], p[1], p[2], 255])
        } else {
            let p = one.get_pixel(x - w, y).0;
            let luma = (u32::from(p[0]) * 3 + u32::from(p[1]) * 6 + u32::from(p[2])) / 10;
            Rgba([0, 0, 0, 255 - luma as u8])
        }
    });
    let png = encode(&DynamicImage::ImageRgba8(pair), ImageFormat::Png);
    let (_dir, lib) = library();
    let outcome = lib
        .portraits
        .import_bytes("pair.png", &png, &mut |_| {})
        .unwrap();
    assert_eq!(
        outcome.moderation.as_ref().unwrap().reason,
        Reason::MultiplePeople
    );
    assert!(outcome.portrait.is_none());
    assert!(vault_files(&lib).is_empty());
}

#[test]
fn a_transparent_portrait_is_stored_flattened_on_white_exactly_as_moderated() {
    let one = astronaut();
    let faded = RgbaImage::from_fn(one.width(), one.height(), |x, y| {
        let p = one.get_pixel(x, y).0;
        Rgba([p[0], p[1], p[2], if y < 8 { 0 } else { 230 }])
    });
    let png = encode(&DynamicImage::ImageRgba8(faded), ImageFormat::Png);
    let prepared = imaging::prepare(&png).unwrap();
    let file = stored(&png);
    assert!(
        matches!(file, DynamicImage::ImageRgb8(_)),
        "no alpha is stored"
    );
    assert_eq!(
        file, prepared.working,
        "the stored pixels are the moderated pixels"
    );
    assert_eq!(file.to_rgb8().get_pixel(5, 3), &Rgb([255, 255, 255]));
}

#[test]
fn a_sixteen_bit_png_is_stored_as_eight_bits_so_its_low_bytes_cannot_carry_a_picture() {
    // High bytes: the astronaut. Low bytes: a different picture (a gradient).
    let one = astronaut();
    let deep = image::ImageBuffer::from_fn(one.width(), one.height(), |x, y| {
        let p = one.get_pixel(x, y).0;
        let hidden = ((x * 7 + y * 3) % 256) as u16;
        Rgb::<u16>([
            u16::from(p[0]) << 8 | hidden,
            u16::from(p[1]) << 8 | hidden,
            u16::from(p[2]) << 8 | hidden,
        ])
    });
    let png = encode(&DynamicImage::ImageRgb16(deep), ImageFormat::Png);
    let file = stored(&png);
    assert!(
        matches!(file, DynamicImage::ImageRgb8(_)),
        "8 bits a sample"
    );
    assert_eq!(file.to_rgb8(), one, "only the visible picture is kept");
}

#[test]
fn a_jpeg_cut_short_with_an_end_marker_appended_is_refused_as_truncated() {
    let jpeg = encode(&DynamicImage::ImageRgb8(astronaut()), ImageFormat::Jpeg);
    let mut cut = jpeg[..jpeg.len() * 2 / 3].to_vec();
    cut.extend_from_slice(&[0xFF, 0xD9]);
    assert_refused("cut.jpg", &cut, ErrorCode::TruncatedImage);
}

#[test]
fn an_upright_jpeg_is_stored_with_its_compressed_data_unchanged_and_no_metadata() {
    let jpeg = encode(&DynamicImage::ImageRgb8(astronaut()), ImageFormat::Jpeg);
    // A comment and an XMP-like APP1 segment after SOI, a trailer after EOI.
    let mut tagged = jpeg[..2].to_vec();
    let comment = b"shot at 51.5N 0.1W";
    tagged.extend_from_slice(&[0xFF, 0xFE, 0, comment.len() as u8 + 2]);
    tagged.extend_from_slice(comment);
    tagged.extend_from_slice(&jpeg[2..]);
    tagged.extend_from_slice(b"motion photo video bytes");
    let (_dir, lib) = library();
    let portrait = lib
        .portraits
        .import_bytes("tagged.jpg", &tagged, &mut |_| {})
        .unwrap()
        .portrait
        .unwrap();
    let kept = portrait.image_bytes(&lib.vault);
    let contains = |needle: &[u8]| kept.windows(needle.len()).any(|w| w == needle);
    assert!(!contains(b"51.5N") && !contains(b"motion photo"));
    assert!(kept.ends_with(&[0xFF, 0xD9]));
    // The scan data is the original's, byte for byte.
    let scan = |b: &[u8]| {
        let sos = b.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
        b[sos..].to_vec()
    };
    assert_eq!(scan(&kept), scan(&jpeg));
}

#[test]
fn a_webp_whose_declared_size_disagrees_with_the_file_is_refused() {
    let webp = encode(&DynamicImage::ImageRgb8(astronaut()), ImageFormat::WebP);
    let mut padded = webp.clone();
    padded.extend_from_slice(b"hidden payload");
    assert_refused("padded.webp", &padded, ErrorCode::CorruptImage);
    assert_refused(
        "cut.webp",
        &webp[..webp.len() - 100],
        ErrorCode::TruncatedImage,
    );
}

#[cfg(unix)]
#[test]
fn the_data_folder_is_owner_only_and_every_file_in_it_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, lib) = library();
    lib.portraits
        .import_bytes("a.png", &astronaut_bytes(), &mut |_| {})
        .unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(dir.path()), 0o700);
    let mut files = vault_files(&lib);
    for name in ["likeness.db", "likeness.db-wal", "likeness.db-shm"] {
        files.push(dir.path().join(name));
    }
    assert!(files.len() > 4);
    for file in files {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
        let folder = file.parent().unwrap();
        assert_eq!(mode(folder), 0o700, "{}", folder.display());
    }
}

#[cfg(unix)]
#[test]
fn a_data_folder_left_readable_by_an_earlier_version_is_made_private_on_open() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, lib) = library();
    drop(lib);
    let db = dir.path().join("likeness.db");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let _lib = likeness_core::Services::open(dir.path(), moderator).unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(dir.path()), 0o700);
    assert_eq!(mode(&db), 0o600);
}

/// `astronaut-q80.webp`: the shared public-domain fixture saved as lossy WebP
/// (Pillow 13, quality 80), since the `image` crate only writes lossless WebP.
fn lossy_webp() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/core/astronaut-q80.webp"
    ))
    .unwrap()
}

#[test]
fn a_lossy_webp_is_accepted_and_one_whose_frame_data_is_cut_short_is_refused_as_corrupt() {
    let webp = lossy_webp();
    let (_dir, lib) = library();
    let outcome = lib
        .portraits
        .import_bytes("me.webp", &webp, &mut |_| {})
        .unwrap();
    assert_eq!(
        outcome.moderation.as_ref().unwrap().reason,
        Reason::Accepted
    );

    // Keep 90% of the VP8 frame and fix both sizes, so the container is consistent.
    let size = u32::from_le_bytes(webp[16..20].try_into().unwrap()) as usize;
    let kept = (size * 9 / 10) & !1;
    let mut cut = webp[..20 + kept].to_vec();
    cut[16..20].copy_from_slice(&(kept as u32).to_le_bytes());
    let riff = (cut.len() - 8) as u32;
    cut[4..8].copy_from_slice(&riff.to_le_bytes());
    assert_refused("cut.webp", &cut, ErrorCode::CorruptImage);
}
