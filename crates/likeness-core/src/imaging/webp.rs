//! WebP (lossy or lossless, still or the first frame of an animation) to
//! opaque 8-bit RGB. The container is checked first: its declared size must
//! match the file, so a cut-off or padded file is not decoded "successfully".

use std::io::Cursor;

use image::RgbImage;
use image_webp::WebPDecoder;

use super::{check_budget, flatten_rgba, ImagingError, DECODE_BUDGET_BYTES};

pub fn decode(bytes: &[u8]) -> Result<RgbImage, ImagingError> {
    check_container(bytes)?;
    let mut decoder = WebPDecoder::new(Cursor::new(bytes)).map_err(decode_error)?;
    decoder.set_memory_limit(DECODE_BUDGET_BYTES as usize);
    let (width, height) = decoder.dimensions();
    let channels: u64 = if decoder.has_alpha() { 4 } else { 3 };
    // Lossy frames are decoded through YUV planes (1.5 bytes a pixel) first.
    let working = if decoder.is_lossy() { 2 } else { 0 };
    let pixels = u64::from(width) * u64::from(height);
    check_budget(width, height, pixels * (channels + working))?;
    let mut buffer = vec![
        0;
        decoder
            .output_buffer_size()
            .ok_or(ImagingError::Truncated)?
    ];
    decoder.read_image(&mut buffer).map_err(decode_error)?;
    if channels == 4 {
        flatten_rgba(width, height, buffer)
    } else {
        RgbImage::from_raw(width, height, buffer).ok_or(ImagingError::Truncated)
    }
}

/// `RIFF <size> WEBP`: the size counts every byte after the first 8.
fn check_container(bytes: &[u8]) -> Result<(), ImagingError> {
    let declared = bytes
        .get(4..8)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .ok_or(ImagingError::Truncated)?;
    let actual = bytes.len() - 8;
    match declared.cmp(&actual) {
        std::cmp::Ordering::Greater => Err(ImagingError::Truncated),
        std::cmp::Ordering::Less => Err(ImagingError::Corrupt(
            "bytes after the end of the WebP data".into(),
        )),
        std::cmp::Ordering::Equal => Ok(()),
    }
}

fn decode_error(e: image_webp::DecodingError) -> ImagingError {
    match e {
        image_webp::DecodingError::IoError(io)
            if io.kind() == std::io::ErrorKind::UnexpectedEof =>
        {
            ImagingError::Truncated
        }
        image_webp::DecodingError::MemoryLimitExceeded => ImagingError::DecoderLimit,
        other => ImagingError::Corrupt(other.to_string()),
    }
}
