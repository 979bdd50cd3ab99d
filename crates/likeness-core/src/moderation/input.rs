//! The working copy moderation looks at: the decoded picture, shrunk to the
//! resolution the models need ([`imaging::working_copy`]).

use image::{DynamicImage, RgbImage};

use crate::imaging::{self, ImagingError, Prepared};

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
        Self {
            image: imaging::working_copy_of(image),
            original,
        }
    }

    /// The working copy an import already made.
    pub fn of_prepared(prepared: &Prepared) -> Self {
        Self {
            image: prepared.working.to_rgb8(),
            original: (prepared.width, prepared.height),
        }
    }
}

/// Decode `bytes` for moderation exactly as an import does
/// ([`imaging::working`]: strict, upright, opaque 8-bit, reduced-scale JPEG).
pub fn decode(bytes: &[u8]) -> Result<Analysis, ImagingError> {
    let (working, original) = imaging::working(bytes)?;
    Ok(Analysis {
        image: working.into_rgb8(),
        original,
    })
}
