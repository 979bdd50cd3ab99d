//! Test inputs built from the public-domain astronaut portrait, plus a
//! library in a fresh temporary data folder.

use likeness_core::Coded;
use std::path::{Path, PathBuf};

use std::sync::{Arc, OnceLock};

use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use likeness_core::consent::{ConsentAnswers, ConsentWording};
use likeness_core::moderation::ModeratorHandle;
use likeness_core::moderation::{Moderator, Thresholds};
use likeness_core::vault::{Kind, Vault};
use likeness_core::{ErrorCode, Services};

/// `fixtures/astronaut.png` (public domain, see `fixtures/README.md`).
pub fn astronaut_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/astronaut.png")
}

pub fn astronaut_bytes() -> Vec<u8> {
    std::fs::read(astronaut_path()).expect("the shared astronaut fixture is present")
}

/// `fixtures/camera.png`: a man looking through a camera, his head turned
/// towards the picture's right (CC0, see `fixtures/README.md`).
pub fn camera_bytes() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/camera.png"))
        .expect("the camera fixture is present")
}

/// The real moderator (ONNX Runtime and the models in `models/`), loaded once per test run.
pub fn moderator() -> ModeratorHandle {
    static MODERATOR: OnceLock<ModeratorHandle> = OnceLock::new();
    MODERATOR
        .get_or_init(|| Moderator::load(None, None, Thresholds::default()).map(Arc::new))
        .clone()
}

pub const ALL_CONSENT: ConsentAnswers = ConsentAnswers {
    adult: true,
    photo_rights: true,
    face_processing: true,
};

/// The consent wording a test "shows": the command line's, a current one.
pub fn wording() -> ConsentWording {
    ConsentWording::command_line()
}

/// A fresh library with consent given, in its own temporary folder (kept alive by the returned guard).
pub fn library() -> (tempfile::TempDir, Services) {
    let dir = tempfile::tempdir().unwrap();
    let lib = Services::open(dir.path(), moderator).unwrap();
    lib.privacy
        .record_consent(ALL_CONSENT, &crate::fixtures::wording())
        .unwrap();
    (dir, lib)
}

/// The astronaut twice, side by side: two people.
pub fn side_by_side() -> Vec<u8> {
    let one = image::load_from_memory(&astronaut_bytes())
        .unwrap()
        .to_rgb8();
    let mut two = RgbImage::new(one.width() * 2, one.height());
    image::imageops::replace(&mut two, &one, 0, 0);
    image::imageops::replace(&mut two, &one, i64::from(one.width()), 0);
    encode(&DynamicImage::ImageRgb8(two), ImageFormat::Png)
}

pub fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// The astronaut cropped to 480×512 (upright), stored sideways as a camera
/// would (pixels turned 90° anticlockwise, 512×480), carrying EXIF orientation 6
/// ("rotate 90° clockwise to view") and a GPS block.
pub fn jpeg_rotated_with_gps() -> Vec<u8> {
    let upright = image::load_from_memory(&astronaut_bytes())
        .unwrap()
        .crop_imm(0, 0, 480, 512);
    let jpeg = encode(&upright.rotate270(), ImageFormat::Jpeg);
    // TIFF (big endian): IFD0 = {Orientation=6, GPS IFD pointer}; GPS IFD = {LatitudeRef="N"}.
    let mut tiff: Vec<u8> = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&[0, 2]); // two entries
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]); // Orientation SHORT 6
    tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 38]); // GPS IFD at 38
    tiff.extend_from_slice(&[0, 0, 0, 0]); // no next IFD
    tiff.extend_from_slice(&[0, 1]); // GPS IFD: one entry
    tiff.extend_from_slice(&[0x00, 0x01, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]); // GPSLatitudeRef "N"
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let len = (app1.len() + 2) as u16;
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]); // the encoder's output without its SOI
    out
}

/// A valid PNG header that claims `width`×`height`, with a tiny body: a decompression bomb's shape.
pub fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let small = encode(
        &DynamicImage::ImageRgb8(RgbImage::new(1, 1)),
        ImageFormat::Png,
    );
    let mut bomb = small.clone();
    // IHDR data starts at byte 16: width then height, big endian; then fix the CRC.
    bomb[16..20].copy_from_slice(&width.to_be_bytes());
    bomb[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32(&bomb[12..29]);
    bomb[29..33].copy_from_slice(&crc.to_be_bytes());
    bomb
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Every file in the vault (originals and thumbnails), for "nothing stored" checks.
pub fn vault_files(lib: &Services) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out)
            } else {
                out.push(path)
            }
        }
    }
    let mut out = Vec::new();
    walk(lib.vault.root(), &mut out);
    out
}

/// 16×16 RGB pixels, hex: an abstract skin-toned pattern (no picture of anyone)
/// found by hill-climbing open_nsfw's score, so that the NSFW check has a
/// deterministic input it refuses. Scaled to 256×256, it scores about 0.97.
const NSFW_SCORING_PIXELS: [&str; 16] = [
    "c8786ecc7a6ec8786ec27f7ae49b83cd786effbebbc8786ec8786ed16d80c8786ec8786ec77b6ac8786ec8786ed47977",
    "c8786ec8786ec8786effb8aec8786ebd675fee9587c47774c8786ec8786ec8786ec26f75c8786ec8786ec8786ec8786e",
    "dd8b72c8786ec8786eef95919a572fc8786ecb7f73c8786ec8786ebe7a6bc8786ec8786ec8786ec8786ec8786ec8786e",
    "c8786ec8786ec8786eae515bc8786ec8786ec8786ec08162c8786ec8786eed8e95c8786ec8786eeda098e28081c8786e",
    "c57463c8786ec8786ec8786ec8786ec8786ec8786ec98575c8786ee5987ef3a0a9f1a99ac8786ec8786ec8786ead5f5c",
    "c8786ec8786ec8786ec8786ec67760c28766c8786ef19f88c8786ec8786ecd8877c8786ed58477b86b6bc8786ec8786e",
    "c8786ec8786ec8786ec96e68c8786ec8786ece776de39188a96350c8786ebb6a61c8786ec8786ec8786ec8786ec8786e",
    "df8e86bf7461c8786ec7746aca8373ef8a89ba696fc8786ec0716aaa5a51c8786ec8786ec8786ec8786ec8786ed9867b",
    "c8786ec8786ec47870c8786ec8786ec8786ec8786ec8786ed28774c36f6ec8786ec97b6bd1806cc8786ec8786ec1695e",
    "c8786ec8786ecf7872c8786ec8786ec8786ec8786ecc7b7cc8786ec8786ec8786ec8786ec8786ec8786ec67162c8786e",
    "c8786ec77d6ec8786ec8786ec8786ec8786ec8786ec8786ec8786ec8786ec8786ec8786ec8786ec8786ec8786eab6a60",
    "c8786ec8786ec8786ec8786ec8786ec8786ec8786ec8786ebf756cc26a70c8786ec8786ec8786ec8786ec8786ed4816f",
    "c8786ec8786ec8786ec8786ec8786ec8786ec8786ecd7471b37053c8786ec8786ec8786ec8786ec8786ed87776a3594c",
    "c8786ec8786ecd8f6cec9c8fc8786ec8786ec8786ec8786ec8786ef5938ec8786ec8786ece746ec8786ec38275c8786e",
    "c8786ec8786ec8786ec8786ec8786ec8786ec8786ec8786ec8786ebd7d6cc8786ec8786ec8786ecb8067c8786e9d5f4b",
    "821c30c8786ece8d81c8786ec8786ec8786ec8786ec3575ff38f9af5a590eaa08fbb5f5fc8786ec8786ec8786ed07473",
];

/// A PNG that open_nsfw scores as adult content (see `NSFW_SCORING_PIXELS`).
pub fn nsfw_scoring_picture() -> Vec<u8> {
    let hex: String = NSFW_SCORING_PIXELS.concat();
    let pixels: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let small = RgbImage::from_raw(16, 16, pixels).unwrap();
    let picture = image::imageops::resize(&small, 256, 256, image::imageops::FilterType::Triangle);
    encode(&DynamicImage::ImageRgb8(picture), ImageFormat::Png)
}

/// Import `bytes` into a fresh library, expecting it refused with `code` and nothing stored.
pub fn assert_refused(name: &str, bytes: &[u8], code: ErrorCode) {
    let (_dir, lib) = library();
    assert_eq!(
        lib.portraits
            .import_bytes(name, bytes, &mut |_| {})
            .map(|_| ())
            .unwrap_err()
            .code(),
        code,
        "{name}"
    );
    assert!(
        lib.portraits.list().unwrap().is_empty(),
        "{name}: nothing in the library"
    );
    assert!(vault_files(&lib).is_empty(), "{name}: nothing in the vault");
}

/// The astronaut with one pixel changed, so each `n` has its own hash.
pub fn astronaut_variant(n: u32) -> Vec<u8> {
    let mut photo = image::load_from_memory(&astronaut_bytes())
        .unwrap()
        .to_rgb8();
    photo.put_pixel(0, 0, Rgb([n as u8, (n >> 8) as u8, 7]));
    encode(&DynamicImage::ImageRgb8(photo), ImageFormat::Png)
}

/// Where a portrait's or an output's files are in the vault, and what they hold
/// (decrypted): tests look at the disk, the app only through rows.
pub trait Stored {
    /// The kinds of the image and its thumbnail, and their key.
    fn vault_keys(&self) -> (Kind, Kind, &str);

    fn image_file(&self, vault: &Vault) -> PathBuf {
        let (kind, _, key) = self.vault_keys();
        vault.path(kind, key)
    }

    fn thumb_file(&self, vault: &Vault) -> PathBuf {
        let (_, kind, key) = self.vault_keys();
        vault.path(kind, key)
    }

    fn image_bytes(&self, vault: &Vault) -> Vec<u8> {
        let (kind, _, key) = self.vault_keys();
        vault.read(kind, key).unwrap()
    }

    fn thumb_bytes(&self, vault: &Vault) -> Vec<u8> {
        let (_, kind, key) = self.vault_keys();
        vault.read(kind, key).unwrap()
    }
}

impl Stored for likeness_core::library::Portrait {
    fn vault_keys(&self) -> (Kind, Kind, &str) {
        (Kind::Original, Kind::Thumbnail, &self.sha256)
    }
}

impl Stored for likeness_core::history::Output {
    fn vault_keys(&self) -> (Kind, Kind, &str) {
        (Kind::Output, Kind::OutputThumbnail, &self.sha256)
    }
}

/// The data folder's database file opened directly (as a crash or another
/// tool would see it), with the folder's key from the keyring.
pub fn open_db_file(data_dir: &Path) -> rusqlite::Result<rusqlite::Connection> {
    let keys = likeness_core::keys::folder_keys(
        data_dir,
        &likeness_core::secrets::Keyring::default(),
        true,
    )
    .expect("the folder's key is in the keyring");
    let conn = rusqlite::Connection::open(data_dir.join("likeness.db"))?;
    conn.execute_batch(&format!(
        "PRAGMA key = \"x'{}'\";",
        hex::encode(keys.db.expose())
    ))?;
    Ok(conn)
}

/// The data folder's vault opened with its keys from the keyring (to find
/// files by name, as a test looking at the disk must).
pub fn folder_vault(data_dir: &Path) -> Vault {
    let keys = likeness_core::keys::folder_keys(
        data_dir,
        &likeness_core::secrets::Keyring::default(),
        true,
    )
    .expect("the folder's key is in the keyring");
    Vault::open(data_dir.join("vault"), keys.vault()).unwrap()
}
