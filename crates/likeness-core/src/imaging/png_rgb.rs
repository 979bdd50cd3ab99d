//! PNG to opaque 8-bit RGB, row by row: 16-bit samples are rounded to 8 bits
//! and alpha is composited as each row arrives, so a 100 MP RGBA file never
//! exists in memory at more than 3 bytes a pixel. Interlaced files arrive in
//! passes, so they are decoded whole first (and budgeted for it).

use std::io::Cursor;

use image::RgbImage;
use png::{BitDepth, ColorType, Decoder, Transformations};

use super::{check_budget, flatten_rgba, over_background, ImagingError, DECODE_BUDGET_BYTES};

pub fn decode(bytes: &[u8]) -> Result<RgbImage, ImagingError> {
    let limits = png::Limits {
        bytes: DECODE_BUDGET_BYTES as usize,
    };
    let mut decoder = Decoder::new_with_limits(Cursor::new(bytes), limits);
    decoder.set_transformations(Transformations::EXPAND | Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(decode_error)?;
    let (width, height) = reader.info().size();
    let interlaced = reader.info().interlaced;
    let (color, depth) = reader.output_color_type();
    if depth != BitDepth::Eight {
        return Err(ImagingError::Corrupt(format!(
            "unexpected bit depth {depth:?}"
        )));
    }
    let channels = color.samples();
    let pixels = u64::from(width) * u64::from(height);
    let whole = if interlaced { channels as u64 } else { 0 };
    check_budget(width, height, pixels * (3 + whole))?;

    let image = if interlaced {
        let mut buffer = vec![0; reader.output_buffer_size().ok_or(ImagingError::Truncated)?];
        reader.next_frame(&mut buffer).map_err(decode_error)?;
        to_rgb(width, height, color, buffer)?
    } else {
        let mut out = Vec::with_capacity((pixels * 3) as usize);
        while let Some(row) = reader.next_row().map_err(decode_error)? {
            push_rgb(&mut out, color, row.data());
        }
        if out.len() as u64 != pixels * 3 {
            return Err(ImagingError::Truncated);
        }
        RgbImage::from_raw(width, height, out).ok_or(ImagingError::Truncated)?
    };
    reader.finish().map_err(decode_error)?;
    Ok(image)
}

/// Append one row of 8-bit samples as opaque RGB.
fn push_rgb(out: &mut Vec<u8>, color: ColorType, row: &[u8]) {
    match color {
        ColorType::Rgb => out.extend_from_slice(row),
        ColorType::Rgba => {
            for p in row.chunks_exact(4) {
                out.extend_from_slice(&over_background([p[0], p[1], p[2], p[3]]));
            }
        }
        ColorType::Grayscale => {
            for &g in row {
                out.extend_from_slice(&[g, g, g]);
            }
        }
        // EXPAND leaves no palette; grey with alpha is the only layout left.
        _ => {
            for p in row.chunks_exact(2) {
                out.extend_from_slice(&over_background([p[0], p[0], p[0], p[1]]));
            }
        }
    }
}

fn to_rgb(
    width: u32,
    height: u32,
    color: ColorType,
    buffer: Vec<u8>,
) -> Result<RgbImage, ImagingError> {
    if color == ColorType::Rgba {
        return flatten_rgba(width, height, buffer);
    }
    let mut out = Vec::with_capacity(width as usize * height as usize * 3);
    push_rgb(&mut out, color, &buffer);
    RgbImage::from_raw(width, height, out).ok_or(ImagingError::Truncated)
}

fn decode_error(e: png::DecodingError) -> ImagingError {
    match e {
        png::DecodingError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            ImagingError::Truncated
        }
        png::DecodingError::LimitsExceeded => ImagingError::DecoderLimit,
        other => ImagingError::Corrupt(other.to_string()),
    }
}
