//! Decoding a photo for moderation: the same checks and caps as an import
//! (`imaging::sniff`, `imaging::check_pixels`, `imaging::decode`), but only
//! at the resolution moderation needs.
//!
//! A large JPEG is decoded with DCT scaling (1/2, 1/4 or 1/8 of full size), so a
//! 12-megapixel photo costs a fraction of a full decode; other images are
//! decoded in full and then shrunk.

use image::{metadata::Orientation, DynamicImage, ImageFormat, RgbImage};

use crate::imaging::{self, ImagingError};

/// The working copy is shrunk when its long side is over this.
pub const ANALYSIS_MAX_LONG_SIDE: u32 = 640;
/// Long side of a shrunk working copy; DCT-scaled JPEGs decode to at least this.
/// Detection runs at 320, the age chip needs the face at ~64 px and sharpness is
/// measured at 64 px, so 480 leaves headroom for every step.
pub const ANALYSIS_LONG_SIDE: u32 = 480;

/// A photo ready to moderate: an upright working copy and the original size.
pub struct Analysis {
    pub image: RgbImage,
    /// Upright size of the original, in pixels.
    pub original: (u32, u32),
}

impl Analysis {
    /// Shrink a decoded, upright image to the working size.
    pub fn of(image: &DynamicImage) -> Self {
        let original = (image.width(), image.height());
        let working = if original.0.max(original.1) > ANALYSIS_MAX_LONG_SIDE {
            // `thumbnail` averages areas with integer arithmetic: fast and alias-free.
            image
                .thumbnail(ANALYSIS_LONG_SIDE, ANALYSIS_LONG_SIDE)
                .to_rgb8()
        } else {
            image.to_rgb8()
        };
        Self {
            image: working,
            original,
        }
    }
}

/// Decode `bytes` for moderation, under the import caps.
pub fn decode(bytes: &[u8]) -> Result<Analysis, ImagingError> {
    let format = imaging::sniff(bytes)?;
    if format == ImageFormat::Jpeg {
        // jpeg-decoder can panic on exotic component layouts; any trouble falls
        // back to the import decoder, which reports a typed error.
        if let Ok(Some(analysis)) = std::panic::catch_unwind(|| scaled_jpeg(bytes)) {
            return Ok(analysis);
        }
    }
    let image = imaging::decode(bytes, format)?;
    Ok(Analysis::of(&image))
}

/// Decode a large 8-bit RGB or grey JPEG at reduced scale. `None` means "use
/// the full decoder" (small, CMYK, 16-bit or unusual files, or any error).
fn scaled_jpeg(bytes: &[u8]) -> Option<Analysis> {
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    decoder.read_info().ok()?;
    let info = decoder.info()?;
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    imaging::check_pixels(width, height).ok()?;
    let long = width.max(height);
    if long <= ANALYSIS_MAX_LONG_SIDE {
        return None;
    }
    let grey = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => false,
        jpeg_decoder::PixelFormat::L8 => true,
        _ => return None,
    };
    let requested = |side: u32| {
        (side * ANALYSIS_LONG_SIDE)
            .div_ceil(long)
            .clamp(1, u32::from(u16::MAX)) as u16
    };
    decoder.scale(requested(width), requested(height)).ok()?;
    let pixels = decoder.decode().ok()?;
    let info = decoder.info()?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    let image = if grey {
        DynamicImage::ImageLuma8(image::GrayImage::from_raw(w, h, pixels)?)
    } else {
        DynamicImage::ImageRgb8(RgbImage::from_raw(w, h, pixels)?)
    };
    let orientation = decoder
        .exif_data()
        .and_then(Orientation::from_exif_chunk)
        .unwrap_or(Orientation::NoTransforms);
    let mut image = image;
    image.apply_orientation(orientation);
    let original = match orientation {
        Orientation::Rotate90
        | Orientation::Rotate270
        | Orientation::Rotate90FlipH
        | Orientation::Rotate270FlipH => (height, width),
        _ => (width, height),
    };
    let mut analysis = Analysis::of(&image);
    analysis.original = original;
    Some(analysis)
}
