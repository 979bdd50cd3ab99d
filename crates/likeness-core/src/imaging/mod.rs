//! Safe image decoding: size, pixel and memory caps, EXIF orientation, and one
//! canonical form for pixels. Every picture Likeness reads (imports, style
//! pictures, stored portraits, outputs) is decoded here to opaque 8-bit RGB:
//! alpha is composited on white and 16-bit samples are rounded to 8 bits, so
//! what moderation judges is exactly what is stored and shown; nothing can hide
//! in an alpha channel or in low bytes. JPEGs are decoded strictly (a cut-off
//! file is an error) and stored with their metadata stripped losslessly.

mod jpeg;
mod png_rgb;
mod webp;

use std::path::Path;

use image::metadata::Orientation;
use image::{DynamicImage, ImageFormat, RgbImage};

use crate::error::{Coded, ErrorCode};

/// Largest file accepted for import.
pub const MAX_FILE_BYTES: u64 = 50 * 1024 * 1024;
/// Largest decoded image accepted, in pixels.
pub const MAX_PIXELS: u64 = 100_000_000;
/// Memory one decode may use, in bytes, worked out from the headers before any
/// pixel is decoded (see each format's `decode_bytes`). 100 MP of baseline JPEG
/// or non-interlaced PNG (300 MB as RGB) fits; a file that would need more, such
/// as a huge progressive JPEG or a huge interlaced PNG with alpha, is refused.
pub const DECODE_BUDGET_BYTES: u64 = 384 * 1024 * 1024;
/// The background transparent pixels are composited on.
pub const BACKGROUND: [u8; 3] = [255, 255, 255];
/// Pictures are shrunk for moderation when their long side is over this...
pub const WORKING_MAX_LONG_SIDE: u32 = 640;
/// ...to this long side. Detection runs at 320, the age chip needs the face at
/// ~64 px and sharpness is measured at 64 px, so 480 leaves headroom for each.
pub const WORKING_LONG_SIDE: u32 = 480;
/// Long side of library thumbnails (sharp at 2x on a 160 px grid).
pub const THUMB_LONG_SIDE: u32 = 320;
/// Quality of re-encoded JPEG portraits: visually lossless, far smaller than PNG.
const JPEG_QUALITY: u8 = 92;
const THUMB_QUALITY: u8 = 80;

/// Why an import could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum ImagingError {
    #[error("The file is empty.")]
    Empty,
    #[error("The file is {0} MB; the limit is 50 MB.")]
    TooLarge(u64),
    #[error("The image is {width}×{height} ({mp} megapixels); the limit is 100 megapixels.")]
    TooManyPixels { width: u32, height: u32, mp: u64 },
    #[error("The image is {width}×{height}; decoding it this way would need {mb} MB, more than the {limit} MB Likeness allows. Save it smaller or as a baseline JPEG.")]
    TooMuchMemory {
        width: u32,
        height: u32,
        mb: u64,
        limit: u64,
    },
    #[error("This is not a JPEG, PNG or WebP image.")]
    Unsupported,
    #[error("The image ends early; the file looks truncated.")]
    Truncated,
    #[error("The image data is damaged and cannot be read ({0}).")]
    Corrupt(String),
    #[error("Decoding the image would need more memory than Likeness allows ({} MB).", DECODE_BUDGET_BYTES / (1024 * 1024))]
    DecoderLimit,
    #[error("Could not encode the image: {0}")]
    Encode(String),
    #[error("Could not read the file: {0}")]
    Read(String),
    #[error("{0} was not found.")]
    NotFound(String),
}

impl Coded for ImagingError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::Empty => ErrorCode::EmptyFile,
            Self::TooLarge(_) => ErrorCode::FileTooLarge,
            Self::TooManyPixels { .. } | Self::TooMuchMemory { .. } | Self::DecoderLimit => {
                ErrorCode::TooManyPixels
            }
            Self::Unsupported => ErrorCode::UnsupportedFormat,
            Self::Truncated => ErrorCode::TruncatedImage,
            Self::Corrupt(_) => ErrorCode::CorruptImage,
            Self::Encode(_) | Self::Read(_) => ErrorCode::Io,
            Self::NotFound(_) => ErrorCode::NotFound,
        }
    }
}

/// The stored encoding of a portrait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredFormat {
    Jpeg,
    Png,
}

impl StoredFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jpeg => "jpeg",
            Self::Png => "png",
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
        }
    }
}

/// A decoded, upright import ready for the vault.
pub struct Prepared {
    /// The stored file: pixels only, no EXIF, GPS, XMP or ICC.
    pub encoded: Vec<u8>,
    pub format: StoredFormat,
    /// The upright size of the stored picture.
    pub width: u32,
    pub height: u32,
    /// The stored picture, opaque 8-bit RGB, shrunk to a long side between
    /// [`WORKING_LONG_SIDE`] and [`WORKING_MAX_LONG_SIDE`] (smaller pictures
    /// are kept whole): what moderation judges and the thumbnail is made from.
    pub working: DynamicImage,
}

/// The file extension of a stored image format, by its name (`jpeg`, `png`
/// or `webp`, as the database records it).
pub fn extension_of(format: &str) -> &'static str {
    match format {
        "jpeg" => "jpg",
        "webp" => "webp",
        _ => "png",
    }
}

/// Check a file size against the cap before reading it.
pub fn check_file_size(len: u64) -> Result<(), ImagingError> {
    match len {
        0 => Err(ImagingError::Empty),
        n if n > MAX_FILE_BYTES => Err(ImagingError::TooLarge(n.div_ceil(1024 * 1024))),
        _ => Ok(()),
    }
}

/// Decode `bytes` once, upright and opaque, and make the file to store. An
/// upright JPEG keeps its compressed data, loses only its metadata and is
/// decoded at a reduced DCT scale; a JPEG that needs turning is decoded in
/// full and re-encoded; PNG and WebP become PNG (lossless).
pub fn prepare(bytes: &[u8]) -> Result<Prepared, ImagingError> {
    let _large = one_large_decode_at_a_time(bytes);
    match decode_once(bytes)? {
        Decoded::KeptJpeg {
            stripped,
            width,
            height,
            scaled,
        } => Ok(Prepared {
            encoded: stripped,
            format: StoredFormat::Jpeg,
            width,
            height,
            working: working_copy(scaled),
        }),
        Decoded::Whole(image, format) => finish(encode(&image, format)?, format, image),
    }
}

/// What moderation needs of a file, decoded exactly as [`prepare`] decodes
/// it, without making the file to store: the working copy and the upright size.
pub fn working(bytes: &[u8]) -> Result<(DynamicImage, (u32, u32)), ImagingError> {
    let _large = one_large_decode_at_a_time(bytes);
    Ok(match decode_once(bytes)? {
        Decoded::KeptJpeg {
            width,
            height,
            scaled,
            ..
        } => (working_copy(scaled), (width, height)),
        Decoded::Whole(image, _) => {
            let size = (image.width(), image.height());
            (working_copy(image), size)
        }
    })
}

/// Pictures larger than this (by their header) are decoded one at a time.
const LARGE_DECODE_PIXELS: u64 = 24_000_000;

/// Imports may overlap (one is checked while the next decodes), and so may
/// the decodes of ordinary photos; a large picture's decode waits for any
/// other large one, so that the memory budget bounds the process, not each
/// thread. Every public decoding entry point ([`prepare`], [`working`],
/// [`decode`], [`open`]) takes its turn here, once.
fn one_large_decode_at_a_time(bytes: &[u8]) -> Option<std::sync::MutexGuard<'static, ()>> {
    static LARGE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let size = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .ok()
        .and_then(|r| r.into_dimensions().ok());
    // A header that cannot be read is treated as large: the decode will say why.
    let large = size.is_none_or(|(w, h)| u64::from(w) * u64::from(h) > LARGE_DECODE_PIXELS);
    large.then(|| crate::sync::lock(&LARGE))
}

enum Decoded {
    /// An upright JPEG: stored as its stripped bytes, seen at a reduced scale.
    KeptJpeg {
        stripped: Vec<u8>,
        width: u32,
        height: u32,
        scaled: DynamicImage,
    },
    /// Every pixel, upright, and how it is to be stored.
    Whole(DynamicImage, StoredFormat),
}

fn decode_once(bytes: &[u8]) -> Result<Decoded, ImagingError> {
    let format = sniff(bytes)?;
    if format != ImageFormat::Jpeg {
        return Ok(Decoded::Whole(
            decode_whole(bytes, format)?,
            StoredFormat::Png,
        ));
    }
    let header = jpeg::header(bytes)?;
    let stripped = jpeg::strip_metadata(bytes)?;
    if header.orientation != Orientation::NoTransforms {
        let image = upright_jpeg(&stripped, &header)?;
        return Ok(Decoded::Whole(image, StoredFormat::Jpeg));
    }
    let scaled = jpeg::decode_scaled(&stripped, &header, WORKING_LONG_SIDE)?;
    Ok(Decoded::KeptJpeg {
        stripped,
        width: header.width,
        height: header.height,
        scaled: DynamicImage::ImageRgb8(scaled),
    })
}

fn finish(
    encoded: Vec<u8>,
    format: StoredFormat,
    image: DynamicImage,
) -> Result<Prepared, ImagingError> {
    Ok(Prepared {
        encoded,
        format,
        width: image.width(),
        height: image.height(),
        working: working_copy(image),
    })
}

/// Shrink a decoded picture to the working size moderation needs (a small
/// one is returned as it is, without a copy).
pub fn working_copy(image: DynamicImage) -> DynamicImage {
    shrunk(&image).unwrap_or(image)
}

/// The working copy of a large picture, `None` for one already small enough.
fn shrunk(image: &DynamicImage) -> Option<DynamicImage> {
    // `thumbnail` averages areas with integer arithmetic: fast and alias-free.
    (image.width().max(image.height()) > WORKING_MAX_LONG_SIDE)
        .then(|| image.thumbnail(WORKING_LONG_SIDE, WORKING_LONG_SIDE))
}

/// The working copy of a picture the caller keeps, copying only what it needs.
pub fn working_copy_of(image: &DynamicImage) -> RgbImage {
    shrunk(image).map_or_else(|| image.to_rgb8(), DynamicImage::into_rgb8)
}

/// Check `bytes` before decoding: the size cap, an allowed format (JPEG, PNG,
/// WebP) by content rather than name, and a JPEG's end marker. Returns the format.
pub fn sniff(bytes: &[u8]) -> Result<ImageFormat, ImagingError> {
    check_file_size(bytes.len() as u64)?;
    let format = image::guess_format(bytes).map_err(|_| ImagingError::Unsupported)?;
    if !matches!(
        format,
        ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP
    ) {
        return Err(ImagingError::Unsupported);
    }
    if format == ImageFormat::Jpeg && !jpeg_has_end_marker(bytes) {
        return Err(ImagingError::Truncated);
    }
    Ok(format)
}

/// Refuse an image whose header claims more than `MAX_PIXELS`, or no pixels at all.
pub fn check_pixels(width: u32, height: u32) -> Result<(), ImagingError> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_PIXELS {
        return Err(ImagingError::TooManyPixels {
            width,
            height,
            mp: pixels / 1_000_000,
        });
    }
    if pixels == 0 {
        return Err(ImagingError::Corrupt("the image has no pixels".into()));
    }
    Ok(())
}

/// Refuse a decode that would allocate more than `DECODE_BUDGET_BYTES`.
fn check_budget(width: u32, height: u32, bytes: u64) -> Result<(), ImagingError> {
    check_pixels(width, height)?;
    if bytes > DECODE_BUDGET_BYTES {
        return Err(ImagingError::TooMuchMemory {
            width,
            height,
            mb: bytes.div_ceil(1024 * 1024),
            limit: DECODE_BUDGET_BYTES / (1024 * 1024),
        });
    }
    Ok(())
}

/// Decode bytes already checked by [`sniff`] under the caps to upright,
/// opaque 8-bit RGB (always `DynamicImage::ImageRgb8`).
pub fn decode(bytes: &[u8], format: ImageFormat) -> Result<DynamicImage, ImagingError> {
    let _large = one_large_decode_at_a_time(bytes);
    decode_whole(bytes, format)
}

/// [`decode`], for callers that already hold the large-decode turn.
fn decode_whole(bytes: &[u8], format: ImageFormat) -> Result<DynamicImage, ImagingError> {
    match format {
        ImageFormat::Jpeg => upright_jpeg(&jpeg::strip_metadata(bytes)?, &jpeg::header(bytes)?),
        ImageFormat::Png => png_rgb::decode(bytes).map(DynamicImage::ImageRgb8),
        ImageFormat::WebP => webp::decode(bytes).map(DynamicImage::ImageRgb8),
        _ => Err(ImagingError::Unsupported),
    }
}

/// Read a file for decoding: its size is checked before a byte is read, and
/// no more than the cap is read even if the file grows meanwhile.
pub fn read_capped(path: &Path) -> Result<Vec<u8>, ImagingError> {
    use std::io::Read;
    let failed = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => ImagingError::NotFound(path.display().to_string()),
        _ => ImagingError::Read(e.to_string()),
    };
    let file = std::fs::File::open(path).map_err(failed)?;
    check_file_size(file.metadata().map_err(failed)?.len())?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(failed)?;
    check_file_size(bytes.len() as u64)?;
    Ok(bytes)
}

/// [`decode`] bytes the app stored itself (a vault file), whatever their format.
pub fn decode_stored(bytes: &[u8]) -> Result<DynamicImage, ImagingError> {
    decode(bytes, sniff(bytes)?)
}

/// Read a file ([`read_capped`]) and [`decode`] it.
pub fn open(path: &Path) -> Result<DynamicImage, ImagingError> {
    let bytes = read_capped(path)?;
    decode(&bytes, sniff(&bytes)?)
}

/// Decode a stripped JPEG in full and turn it upright (a quarter turn needs a
/// second buffer, so it is budgeted for).
fn upright_jpeg(stripped: &[u8], header: &jpeg::Header) -> Result<DynamicImage, ImagingError> {
    if jpeg::swaps_sides(header.orientation) {
        let bytes = u64::from(header.width) * u64::from(header.height) * 6;
        check_budget(header.width, header.height, bytes)?;
    }
    let mut image = DynamicImage::ImageRgb8(jpeg::decode_full(stripped, header)?);
    image.apply_orientation(header.orientation);
    Ok(image)
}

/// Composite one straight-alpha pixel on [`BACKGROUND`].
fn over_background(rgba: [u8; 4]) -> [u8; 3] {
    let a = u32::from(rgba[3]);
    let mix = |c: u8, bg: u8| ((u32::from(c) * a + u32::from(bg) * (255 - a) + 127) / 255) as u8;
    [
        mix(rgba[0], BACKGROUND[0]),
        mix(rgba[1], BACKGROUND[1]),
        mix(rgba[2], BACKGROUND[2]),
    ]
}

/// Turn 8-bit RGBA into opaque RGB in the same buffer (no second copy of a
/// large image): each pixel's 3 output bytes land at or before its 4 input bytes.
fn flatten_rgba(width: u32, height: u32, mut pixels: Vec<u8>) -> Result<RgbImage, ImagingError> {
    let count = pixels.len() / 4;
    for i in 0..count {
        let p = [
            pixels[i * 4],
            pixels[i * 4 + 1],
            pixels[i * 4 + 2],
            pixels[i * 4 + 3],
        ];
        pixels[i * 3..i * 3 + 3].copy_from_slice(&over_background(p));
    }
    pixels.truncate(count * 3);
    RgbImage::from_raw(width, height, pixels)
        .ok_or_else(|| ImagingError::Corrupt("the decoded size does not match the header".into()))
}

/// A JPEG's last marker must be EOI (`FF D9`), allowing trailing padding.
fn jpeg_has_end_marker(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    tail.windows(2).any(|w| w == [0xFF, 0xD9])
}

/// Encode pixels only; the encoders write no EXIF, GPS or XMP.
pub fn encode(image: &DynamicImage, format: StoredFormat) -> Result<Vec<u8>, ImagingError> {
    let mut out = Vec::new();
    let result = match format {
        StoredFormat::Jpeg => image.write_with_encoder(
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY),
        ),
        StoredFormat::Png => {
            use image::codecs::png::{CompressionType, FilterType, PngEncoder};
            let encoder =
                PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive);
            image.write_with_encoder(encoder)
        }
    };
    result.map_err(|e| ImagingError::Encode(e.to_string()))?;
    Ok(out)
}

/// A JPEG thumbnail whose long side is at most `THUMB_LONG_SIDE`.
pub fn thumbnail(image: &DynamicImage) -> Result<Vec<u8>, ImagingError> {
    let thumb = image.thumbnail(THUMB_LONG_SIDE, THUMB_LONG_SIDE).to_rgb8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, THUMB_QUALITY)
        .encode_image(&thumb)
        .map_err(|e| ImagingError::Encode(e.to_string()))?;
    Ok(out)
}
