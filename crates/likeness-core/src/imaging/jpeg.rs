//! JPEG at the byte level: a lossless metadata strip that keeps the
//! entropy-coded data byte for byte (so the stored file decodes to exactly the
//! pixels that were moderated, without paying for a re-encode), and decoding
//! that fails on a file cut short instead of filling the rest with grey.
//!
//! Decoders pad a scan that ends early with zero bits, and an end marker
//! appended to a cut-off file hides the cut. So every decode runs on a guarded
//! copy: one-bits are put between the scan data and the end marker. A complete
//! scan never reads them; a short one decodes them as a Huffman code, and an
//! all-ones code is invalid in every JPEG table, so the decode fails.

use image::metadata::Orientation;
use image::RgbImage;
use jpeg_decoder::{CodingProcess, PixelFormat};
use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;
use zune_jpeg::JpegDecoder;

use super::{check_budget, check_pixels, ImagingError};

/// What a JPEG's headers say, read before any pixel is decoded.
pub struct Header {
    pub width: u32,
    pub height: u32,
    pub orientation: Orientation,
    progressive: bool,
    /// 8-bit RGB or grey, which the scaled decoder handles; else CMYK or 16-bit.
    plain: bool,
}

impl Header {
    /// Upper bound of the bytes a decode to `out_pixels` allocates: the RGB
    /// output, plus every coefficient of every component for a progressive
    /// file (kept at full size whatever the output size).
    fn decode_bytes(&self, out_pixels: u64) -> u64 {
        let pixels = u64::from(self.width) * u64::from(self.height);
        let coefficients = if self.progressive { pixels * 3 * 2 } else { 0 };
        out_pixels * 3 + coefficients
    }
}

/// Read the headers of the file as given (its EXIF says which way is up).
pub fn header(bytes: &[u8]) -> Result<Header, ImagingError> {
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    decoder.read_info().map_err(decode_error)?;
    let info = decoder.info().ok_or(ImagingError::Truncated)?;
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    check_pixels(width, height)?;
    let orientation = decoder
        .exif_data()
        .and_then(Orientation::from_exif_chunk)
        .unwrap_or(Orientation::NoTransforms);
    Ok(Header {
        width,
        height,
        orientation,
        progressive: info.coding_process == CodingProcess::DctProgressive,
        plain: matches!(info.pixel_format, PixelFormat::RGB24 | PixelFormat::L8),
    })
}

/// Decode a stripped JPEG (see [`strip_metadata`]) in full, as 8-bit RGB,
/// not yet turned upright.
pub fn decode_full(stripped: &[u8], header: &Header) -> Result<RgbImage, ImagingError> {
    let pixels = u64::from(header.width) * u64::from(header.height);
    check_budget(header.width, header.height, header.decode_bytes(pixels))?;
    let options = DecoderOptions::default()
        .set_strict_mode(true)
        .jpeg_set_out_colorspace(ColorSpace::RGB)
        .set_max_width(usize::from(u16::MAX))
        .set_max_height(usize::from(u16::MAX));
    let guarded = guarded(stripped);
    let mut decoder = JpegDecoder::new_with_options(ZCursor::new(&guarded[..]), options);
    let pixels = decoder.decode().map_err(decode_error)?;
    RgbImage::from_raw(header.width, header.height, pixels)
        .ok_or_else(|| ImagingError::Corrupt("the decoded size does not match the header".into()))
}

/// Decode a stripped JPEG at the smallest DCT scale (1/8, 1/4, 1/2 or full)
/// whose long side is at least `min_long_side`: a 12 MP photo costs its
/// entropy decoding and little else. Not yet turned upright. CMYK and 16-bit
/// files take the full decoder.
pub fn decode_scaled(
    stripped: &[u8],
    header: &Header,
    min_long_side: u32,
) -> Result<RgbImage, ImagingError> {
    if !header.plain {
        return decode_full(stripped, header);
    }
    let long = header.width.max(header.height);
    let requested = |side: u32| {
        (side * min_long_side)
            .div_ceil(long)
            .clamp(1, u32::from(u16::MAX)) as u16
    };
    let (rw, rh) = (requested(header.width), requested(header.height));
    // The output is at most twice the request on each side.
    let out = u64::from(rw) * u64::from(rh) * 4;
    check_budget(header.width, header.height, header.decode_bytes(out))?;
    let guarded = guarded(stripped);
    // jpeg-decoder can panic on exotic component layouts: that is a damaged file.
    let decoded = std::panic::catch_unwind(|| {
        let mut decoder = jpeg_decoder::Decoder::new(&guarded[..]);
        decoder.read_info()?;
        decoder.scale(rw, rh)?;
        let pixels = decoder.decode()?;
        Ok::<_, jpeg_decoder::Error>((decoder.info(), pixels))
    })
    .map_err(|_| ImagingError::Corrupt("the JPEG structure is invalid".into()))?;
    let (info, pixels) = decoded.map_err(decode_error)?;
    let info = info.ok_or(ImagingError::Truncated)?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    let rgb = match info.pixel_format {
        PixelFormat::L8 => pixels.iter().flat_map(|&g| [g, g, g]).collect(),
        _ => pixels,
    };
    RgbImage::from_raw(w, h, rgb)
        .ok_or_else(|| ImagingError::Corrupt("the decoded size does not match the header".into()))
}

/// The stripped file with one-bits before its end marker (see the module doc).
fn guarded(stripped: &[u8]) -> Vec<u8> {
    let body = &stripped[..stripped.len() - 2];
    let mut out = Vec::with_capacity(stripped.len() + 18);
    out.extend_from_slice(body);
    for _ in 0..8 {
        out.extend_from_slice(&[0xFF, 0x00]); // a stuffed FF: eight one-bits
    }
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

/// Whether `orientation` swaps width and height.
pub fn swaps_sides(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// A decoder's complaint: running out of data, or reading the guard bits as
/// a code (see the module doc), means the file was cut short.
fn decode_error(e: impl std::fmt::Display) -> ImagingError {
    let text = e.to_string();
    let lower = text.to_ascii_lowercase();
    let cut = [
        "premature",
        "eof",
        "no more bytes",
        "huffman",
        "unexpected end",
        "rst",
    ];
    if cut.iter().any(|w| lower.contains(w)) {
        ImagingError::Truncated
    } else {
        ImagingError::Corrupt(text)
    }
}

/// Rebuild a JPEG from the segments that decode it: every APPn (EXIF, GPS,
/// XMP, ICC, JFIF thumbnails, maker notes), every comment, and anything after
/// the end marker (appended pictures, motion-photo video) is dropped. An Adobe
/// APP14 segment changes how the colour channels are read, so it is rewritten
/// with its transform flag alone. The entropy-coded data is copied unchanged.
pub fn strip_metadata(bytes: &[u8]) -> Result<Vec<u8>, ImagingError> {
    if bytes.get(..2) != Some(&[0xFF, 0xD8]) {
        return Err(ImagingError::Unsupported);
    }
    let corrupt = |why: &str| ImagingError::Corrupt(why.to_owned());
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut pos = 2;
    loop {
        if bytes.get(pos) != Some(&0xFF) {
            return Err(if pos >= bytes.len() {
                ImagingError::Truncated
            } else {
                corrupt("bytes between segments")
            });
        }
        while bytes.get(pos) == Some(&0xFF) {
            pos += 1; // fill bytes before a marker
        }
        let marker = *bytes.get(pos).ok_or(ImagingError::Truncated)?;
        pos += 1;
        match marker {
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Ok(out);
            }
            0x00 | 0x01 | 0xD0..=0xD8 => return Err(corrupt("a marker out of place")),
            _ => {}
        }
        let len = usize::from(u16::from_be_bytes([
            *bytes.get(pos).ok_or(ImagingError::Truncated)?,
            *bytes.get(pos + 1).ok_or(ImagingError::Truncated)?,
        ]));
        if len < 2 {
            return Err(corrupt("a segment shorter than its header"));
        }
        let segment = bytes.get(pos..pos + len).ok_or(ImagingError::Truncated)?;
        pos += len;
        match marker {
            0xEE => {
                // APP14 "Adobe": version 100, no flags, then the transform.
                let data = &segment[2..];
                if data.len() >= 12 && data.starts_with(b"Adobe") {
                    out.extend_from_slice(&[0xFF, 0xEE, 0, 14]);
                    out.extend_from_slice(b"Adobe\0\x00\x64\0\0\0\0");
                    out.push(data[11]);
                }
            }
            0xE0..=0xEF | 0xFE => {} // APPn and COM: metadata only
            _ => {
                out.extend_from_slice(&[0xFF, marker]);
                out.extend_from_slice(segment);
                if marker == 0xDA {
                    let end = entropy_end(bytes, pos);
                    out.extend_from_slice(&bytes[pos..end]);
                    pos = end;
                }
            }
        }
    }
}

/// Where the entropy-coded data that starts at `from` ends: at the first
/// `FF` that is neither a stuffed `FF 00` nor a restart marker.
fn entropy_end(bytes: &[u8], from: usize) -> usize {
    let mut pos = from;
    while let Some(offset) = bytes[pos..].iter().position(|&b| b == 0xFF) {
        let at = pos + offset;
        match bytes.get(at + 1) {
            Some(0x00 | 0xD0..=0xD7) => pos = at + 2,
            _ => return at,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg_with_metadata() -> Vec<u8> {
        let image = RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 90]));
        let mut plain = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90)
            .encode_image(&image)
            .unwrap();
        // SOI, then a comment and an APP1 "Exif" segment, then the rest, then a trailer.
        let mut out = plain[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xFE, 0, 7]);
        out.extend_from_slice(b"hello");
        out.extend_from_slice(&[0xFF, 0xE1, 0, 11]);
        out.extend_from_slice(b"Exif\0\0GPS");
        out.extend_from_slice(&plain[2..]);
        out.extend_from_slice(b"appended secret");
        out
    }

    #[test]
    fn stripping_drops_comments_exif_and_trailers_and_keeps_the_pixels() {
        let with = jpeg_with_metadata();
        let stripped = strip_metadata(&with).unwrap();
        let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
        assert!(find(&with, b"hello") && find(&with, b"Exif"));
        assert!(!find(&stripped, b"hello"));
        assert!(!find(&stripped, b"Exif"));
        assert!(!find(&stripped, b"secret"));
        assert!(stripped.ends_with(&[0xFF, 0xD9]));
        let plain = strip_metadata(&with[..with.len() - b"appended secret".len()]).unwrap();
        assert_eq!(stripped, plain, "stripping twice changes nothing");
        let full = decode_full(&stripped, &header(&with).unwrap()).unwrap();
        assert_eq!(full.dimensions(), (64, 48));
    }

    #[test]
    fn a_jpeg_cut_short_is_truncated_even_with_an_end_marker_appended() {
        let image = RgbImage::from_fn(256, 256, |x, y| {
            image::Rgb([x as u8, y as u8, (x ^ y) as u8])
        });
        let mut full = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut full, 90)
            .encode_image(&image)
            .unwrap();
        let mut cut = full[..full.len() / 2].to_vec();
        cut.extend_from_slice(&[0xFF, 0xD9]);
        let header = header(&cut).unwrap();
        let stripped = strip_metadata(&cut).unwrap();
        assert!(matches!(
            decode_full(&stripped, &header),
            Err(ImagingError::Truncated)
        ));
        assert!(matches!(
            decode_scaled(&stripped, &header, 32),
            Err(ImagingError::Truncated)
        ));
        let whole = strip_metadata(&full).unwrap();
        assert!(decode_scaled(&whole, &header, 32).is_ok());
    }
}
