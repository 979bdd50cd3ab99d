//! Safe image decoding for imports: size and pixel caps, a decompression-bomb
//! guard, EXIF orientation, and re-encoding so no metadata reaches the vault.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use crate::error::{ApiError, ErrorCode};

/// Largest file accepted for import.
pub const MAX_FILE_BYTES: u64 = 50 * 1024 * 1024;
/// Largest decoded image accepted, in pixels.
pub const MAX_PIXELS: u64 = 100_000_000;
/// Decoder memory cap: the largest allowed image as 16-bit RGBA, plus slack.
/// A file whose header lies about its size cannot make the decoder allocate more.
const MAX_DECODE_ALLOC: u64 = MAX_PIXELS * 8 + 64 * 1024 * 1024;
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
    #[error("This is not a JPEG, PNG or WebP image.")]
    Unsupported,
    #[error("The image ends early; the file looks truncated.")]
    Truncated,
    #[error("The image data is damaged and cannot be read ({0}).")]
    Corrupt(String),
    #[error("Could not encode the image: {0}")]
    Encode(String),
}

impl ImagingError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Empty => ErrorCode::EmptyFile,
            Self::TooLarge(_) => ErrorCode::FileTooLarge,
            Self::TooManyPixels { .. } => ErrorCode::TooManyPixels,
            Self::Unsupported => ErrorCode::UnsupportedFormat,
            Self::Truncated => ErrorCode::TruncatedImage,
            Self::Corrupt(_) => ErrorCode::CorruptImage,
            Self::Encode(_) => ErrorCode::Io,
        }
    }
}

impl From<ImagingError> for ApiError {
    fn from(e: ImagingError) -> Self {
        ApiError::new(e.code(), e.to_string())
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

/// A decoded, upright image ready for the vault.
pub struct Prepared {
    /// The re-encoded image: pixels only, no EXIF/GPS/XMP.
    pub encoded: Vec<u8>,
    pub format: StoredFormat,
    pub width: u32,
    pub height: u32,
    pub image: DynamicImage,
}

/// Check a file size against the cap before reading it.
pub fn check_file_size(len: u64) -> Result<(), ImagingError> {
    match len {
        0 => Err(ImagingError::Empty),
        n if n > MAX_FILE_BYTES => Err(ImagingError::TooLarge(n.div_ceil(1024 * 1024))),
        _ => Ok(()),
    }
}

/// Decode `bytes` safely, apply the EXIF orientation, and re-encode without metadata.
/// JPEG stays JPEG; PNG and WebP become PNG (lossless).
pub fn prepare(bytes: &[u8]) -> Result<Prepared, ImagingError> {
    let format = sniff(bytes)?;
    let image = decode(bytes, format)?;
    let (width, height) = (image.width(), image.height());
    let stored = if format == ImageFormat::Jpeg {
        StoredFormat::Jpeg
    } else {
        StoredFormat::Png
    };
    let encoded = encode(&image, stored)?;
    Ok(Prepared {
        encoded,
        format: stored,
        width,
        height,
        image,
    })
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

/// Decode bytes already checked by [`sniff`] under the memory and pixel caps,
/// and apply the EXIF orientation so the result is upright.
pub fn decode(bytes: &[u8], format: ImageFormat) -> Result<DynamicImage, ImagingError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    let (width, height) = decoder.dimensions();
    check_pixels(width, height)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    image.apply_orientation(orientation);
    Ok(image)
}

fn decode_error(e: image::ImageError) -> ImagingError {
    use image::error::{ImageError as E, LimitErrorKind};
    match e {
        E::Limits(l) if matches!(l.kind(), LimitErrorKind::InsufficientMemory) => {
            // The decoder asked for more memory than any allowed image needs: a bomb.
            ImagingError::TooManyPixels {
                width: 0,
                height: 0,
                mp: MAX_PIXELS / 1_000_000 + 1,
            }
        }
        E::Limits(_) => ImagingError::TooManyPixels {
            width: 0,
            height: 0,
            mp: 0,
        },
        E::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => ImagingError::Truncated,
        E::Unsupported(_) => ImagingError::Unsupported,
        other => {
            let text = other.to_string();
            if text.to_ascii_lowercase().contains("eof") || text.contains("end of") {
                ImagingError::Truncated
            } else {
                ImagingError::Corrupt(text)
            }
        }
    }
}

/// A JPEG's last marker must be EOI (`FF D9`), allowing trailing padding.
/// Decoders fill a cut-off JPEG with grey rather than failing, so check it here.
fn jpeg_has_end_marker(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    tail.windows(2).any(|w| w == [0xFF, 0xD9])
}

/// Encode pixels only; the encoders write no EXIF, GPS or XMP.
pub fn encode(image: &DynamicImage, format: StoredFormat) -> Result<Vec<u8>, ImagingError> {
    let mut out = Vec::new();
    let result = match format {
        StoredFormat::Jpeg => {
            let rgb = image.to_rgb8();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
                .encode_image(&rgb)
        }
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
