//! How much of each framing a photo can fill, decided before anything is spent.
//!
//! [`fits`] plans every [`Framing`] in one [`Orientation`] around the photo's
//! face and measures how much of each frame the photo covers. A framing is
//! supported when [`render`](super::render)'s soft extension stays a margin
//! and does not become the picture:
//!
//! - at most [`MAX_MISSING_BELOW`] of the frame's height may lie below the
//!   photo. Below the photo is the body it does not show, and the extension
//!   would paint it as smeared bands under a small head;
//! - at most [`MAX_OUTSIDE`] of the frame's area may lie outside the photo on
//!   any side, so that the person, not stretched streaks, fills the frame.
//!
//! The headshot is always supported: it is the least any accepted portrait can
//! give, and every other framing falls back to it.

use serde::Serialize;
use ts_rs::TS;

use super::{plan, FaceAnchor, Frame, Framing, FramingError, Orientation};

/// The most of a frame's height that may lie below the photo. A waist-up
/// photo ends about 4 to 4.4 face heights below the top of the face box, so a
/// half-body frame (down to 4.4) misses at most 8% of its height there and is
/// supported; a three-quarter frame misses about 35% and a full body about
/// half, so they are not. An eighth of the frame, blurred and darkened, reads
/// as a soft base under the person rather than a body cut off.
pub const MAX_MISSING_BELOW: f32 = 0.12;

/// The most of a frame's area that may lie outside the photo, on any side.
/// Up to half, the photo still fills the middle of the frame and the
/// extension reads as a blurred backdrop beside and above the person (a face
/// at a tight edge, a wide frame on an upright photo); beyond half, most of
/// the picture would be invented streaks.
pub const MAX_OUTSIDE: f32 = 0.5;

/// Why a framing is not supported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Shortfall {
    /// The frame reaches too far below the photo: the photo does not show
    /// enough of the body.
    Body,
    /// Too much of the frame lies outside the photo beside or above the person.
    Room,
}

impl Shortfall {
    /// What the framing needs, as a sentence continues "A framing …".
    pub fn needs(self) -> &'static str {
        match self {
            Shortfall::Body => "needs more of the body than this photo shows",
            Shortfall::Room => "needs more room around the person than this photo shows",
        }
    }
}

/// One framing's frame on a photo, and how much of it the photo covers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FramingFit {
    pub framing: Framing,
    /// Where the frame lies, in the photo's pixels (it may reach past it).
    pub frame: Frame,
    /// The share of the frame's height below the photo's bottom edge, 0 to 1.
    pub missing_below: f32,
    /// The share of the frame's area outside the photo, 0 to 1.
    pub outside: f32,
    pub supported: bool,
    /// Why it is not supported; `None` when it is.
    pub shortfall: Option<Shortfall>,
    /// The framing to offer instead: this one when supported, else the
    /// widest supported framing tighter than it (at least the headshot).
    pub closest: Framing,
}

/// Every framing's fit on one photo in one orientation, tightest first.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FramingFits {
    pub orientation: Orientation,
    /// The photo's size, the space the frames are in.
    pub photo_width: u32,
    pub photo_height: u32,
    /// One per [`Framing::ALL`], in that order.
    pub fits: Vec<FramingFit>,
}

impl FramingFits {
    /// The framings the photo supports, tightest first.
    pub fn supported(&self) -> Vec<Framing> {
        self.fits
            .iter()
            .filter(|f| f.supported)
            .map(|f| f.framing)
            .collect()
    }

    /// The fit of `framing`.
    pub fn get(&self, framing: Framing) -> &FramingFit {
        self.fits
            .iter()
            .find(|f| f.framing == framing)
            .expect("every framing is planned")
    }

    /// The frame of `framing`, or [`FramingError::BeyondPhoto`] naming the
    /// closest supported framing when the photo cannot fill it.
    pub fn require(&self, framing: Framing) -> Result<Frame, FramingError> {
        let fit = self.get(framing);
        match fit.shortfall {
            None => Ok(fit.frame),
            Some(shortfall) => Err(FramingError::BeyondPhoto {
                framing,
                shortfall,
                closest: fit.closest,
            }),
        }
    }
}

/// Plan every framing in `orientation` around `face` in an
/// `image_w`×`image_h` photo, and say which the photo supports.
pub fn fits(
    image_w: u32,
    image_h: u32,
    face: &FaceAnchor,
    orientation: Orientation,
) -> Result<FramingFits, FramingError> {
    let mut fits: Vec<FramingFit> = Vec::with_capacity(Framing::ALL.len());
    for framing in Framing::ALL {
        let frame = plan(image_w, image_h, face, framing, orientation)?;
        let (missing_below, outside) = coverage(&frame, image_w as f32, image_h as f32);
        let shortfall = if framing == Framing::Headshot {
            None
        } else if missing_below > MAX_MISSING_BELOW {
            Some(Shortfall::Body)
        } else if outside > MAX_OUTSIDE {
            Some(Shortfall::Room)
        } else {
            None
        };
        // Tightest first, so the widest supported one so far is the closest.
        let closest = match shortfall {
            None => framing,
            Some(_) => fits
                .iter()
                .rev()
                .find(|f| f.supported)
                .map_or(Framing::Headshot, |f| f.framing),
        };
        fits.push(FramingFit {
            framing,
            frame,
            missing_below,
            outside,
            supported: shortfall.is_none(),
            shortfall,
            closest,
        });
    }
    Ok(FramingFits {
        orientation,
        photo_width: image_w,
        photo_height: image_h,
        fits,
    })
}

/// The shares of `frame`'s height below a `w`×`h` photo and of its area
/// outside it.
fn coverage(frame: &Frame, w: f32, h: f32) -> (f32, f32) {
    let below = ((frame.y + frame.h - h.max(frame.y)).max(0.0) / frame.h).min(1.0);
    let inside_w = ((frame.x + frame.w).min(w) - frame.x.max(0.0)).max(0.0);
    let inside_h = ((frame.y + frame.h).min(h) - frame.y.max(0.0)).max(0.0);
    let outside = 1.0 - inside_w * inside_h / (frame.w * frame.h);
    (below, outside.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A face box one unit (`unit` pixels) tall and 0.8 wide, its top `top`
    /// pixels down and centred across a `w`-pixel-wide photo, with the eyes
    /// 42% down it, as CenterFace places them.
    fn face(w: u32, top: f32, unit: f32) -> FaceAnchor {
        let (bw, x) = (0.8 * unit, w as f32 / 2.0 - 0.4 * unit);
        let eye_y = top + 0.42 * unit;
        FaceAnchor {
            bbox: [x, top, bw, unit],
            left_eye: [x + 0.3 * bw, eye_y],
            right_eye: [x + 0.7 * bw, eye_y],
        }
    }

    /// An upright photo of one person with a face 100 px tall, 60 px below
    /// the top, ending `depth` face heights below the top of the face box.
    fn person_down_to(depth: f32) -> (u32, u32, FaceAnchor) {
        let h = (60.0 + depth * 100.0) as u32;
        let w = 500;
        (w, h, face(w, 60.0, 100.0))
    }

    #[test]
    fn a_waist_up_photo_supports_headshot_to_half_body_but_not_three_quarter_or_full_body() {
        // Waist at 4 face heights below the top of the face box.
        let (w, h, face) = person_down_to(4.0);
        let fits = fits(w, h, &face, Orientation::Portrait4x5).unwrap();
        assert_eq!(
            fits.supported(),
            [Framing::Headshot, Framing::Shoulders, Framing::HalfBody]
        );
        for framing in [Framing::ThreeQuarter, Framing::FullBody] {
            let fit = fits.get(framing);
            assert_eq!(fit.shortfall, Some(Shortfall::Body), "{fit:?}");
            assert!(fit.missing_below > 0.3, "{fit:?}");
            assert_eq!(fit.closest, Framing::HalfBody);
        }
        let half = fits.get(Framing::HalfBody);
        assert!(half.missing_below > 0.0 && half.missing_below <= MAX_MISSING_BELOW);
    }

    #[test]
    fn a_full_length_photo_supports_every_framing() {
        // Feet at 8.7 face heights, with a little floor below them.
        let (w, h, face) = person_down_to(9.2);
        for orientation in [Orientation::Portrait4x5, Orientation::Tall9x16] {
            let fits = fits(w, h, &face, orientation).unwrap();
            assert_eq!(fits.supported(), Framing::ALL, "{orientation}");
            for fit in &fits.fits {
                assert_eq!(fit.missing_below, 0.0, "{fit:?}");
                assert_eq!(fit.closest, fit.framing);
            }
        }
    }

    #[test]
    fn a_head_and_shoulders_photo_offers_shoulders_for_every_wider_framing() {
        // Down to mid-chest, 3 face heights below the top of the face box.
        let (w, h, face) = person_down_to(3.0);
        let fits = fits(w, h, &face, Orientation::Portrait4x5).unwrap();
        assert_eq!(fits.supported(), [Framing::Headshot, Framing::Shoulders]);
        for framing in [Framing::HalfBody, Framing::ThreeQuarter, Framing::FullBody] {
            assert_eq!(fits.get(framing).closest, Framing::Shoulders);
            let refused = fits.require(framing).unwrap_err();
            assert_eq!(
                refused.to_string(),
                format!(
                    "A {framing} framing needs more of the body than this photo shows; \
                     the closest framing it supports is shoulders."
                )
            );
        }
        assert_eq!(
            fits.require(Framing::Shoulders),
            Ok(fits.get(Framing::Shoulders).frame)
        );
    }

    #[test]
    fn a_tight_crop_with_the_face_near_an_edge_still_supports_headshot_and_shoulders() {
        // The face box 12 px from the left edge of a photo ending at mid-chest:
        // both frames reach a little past the edge, well within the limits.
        let face = FaceAnchor {
            bbox: [12.0, 40.0, 80.0, 100.0],
            left_eye: [36.0, 82.0],
            right_eye: [68.0, 82.0],
        };
        let fits = fits(300, 320, &face, Orientation::Portrait4x5).unwrap();
        for framing in [Framing::Headshot, Framing::Shoulders] {
            let fit = fits.get(framing);
            assert!(!fit.frame.is_inside(300, 320), "{fit:?}");
            assert!(fit.outside > 0.05 && fit.outside < 0.25, "{fit:?}");
            assert!(fit.missing_below <= MAX_MISSING_BELOW, "{fit:?}");
            assert_eq!(fits.require(framing), Ok(fit.frame));
        }
    }

    #[test]
    fn the_headshot_is_the_fallback_even_when_the_photo_shows_only_the_face() {
        // A face filling a tight crop: even the headshot reaches well past it.
        let face = FaceAnchor {
            bbox: [0.0, 0.0, 90.0, 110.0],
            left_eye: [27.0, 46.0],
            right_eye: [63.0, 46.0],
        };
        let fits = fits(90, 110, &face, Orientation::Square).unwrap();
        assert_eq!(fits.supported(), [Framing::Headshot]);
        assert!(fits.get(Framing::Headshot).missing_below > MAX_MISSING_BELOW);
        for fit in &fits.fits {
            assert_eq!(fit.closest, Framing::Headshot, "{fit:?}");
        }
    }

    #[test]
    fn a_wide_frame_mostly_beside_a_narrow_upright_photo_needs_more_room() {
        // Waist-up but narrow: a 16:9 half body would be over half streaks
        // beside the person, though the photo shows enough of the body.
        let face = FaceAnchor {
            bbox: [60.0, 60.0, 80.0, 100.0],
            left_eye: [84.0, 102.0],
            right_eye: [116.0, 102.0],
        };
        let fits = fits(200, 500, &face, Orientation::Wide16x9).unwrap();
        let half = fits.get(Framing::HalfBody);
        assert!(half.missing_below <= MAX_MISSING_BELOW, "{half:?}");
        assert!(half.outside > MAX_OUTSIDE, "{half:?}");
        assert_eq!(half.shortfall, Some(Shortfall::Room));
        assert_eq!(half.closest, Framing::Headshot);
        assert_eq!(
            fits.require(Framing::HalfBody).unwrap_err().to_string(),
            "A half-body framing needs more room around the person than this photo shows; \
             the closest framing it supports is headshot."
        );
    }

    #[test]
    fn the_closest_framing_is_the_widest_supported_one_no_wider_than_the_asked_one() {
        // How far down each photo reaches (face heights below the top of the
        // face box), and the closest framing to each framing asked for.
        let cases = [
            (2.0, [Framing::Headshot; 5]),
            (
                3.0,
                [
                    Framing::Headshot,
                    Framing::Shoulders,
                    Framing::Shoulders,
                    Framing::Shoulders,
                    Framing::Shoulders,
                ],
            ),
            (
                4.0,
                [
                    Framing::Headshot,
                    Framing::Shoulders,
                    Framing::HalfBody,
                    Framing::HalfBody,
                    Framing::HalfBody,
                ],
            ),
            (
                6.0,
                [
                    Framing::Headshot,
                    Framing::Shoulders,
                    Framing::HalfBody,
                    Framing::ThreeQuarter,
                    Framing::ThreeQuarter,
                ],
            ),
            (9.2, Framing::ALL),
        ];
        for (depth, closest) in cases {
            let (w, h, face) = person_down_to(depth);
            let fits = fits(w, h, &face, Orientation::Portrait4x5).unwrap();
            let found: Vec<Framing> = fits.fits.iter().map(|f| f.closest).collect();
            assert_eq!(found, closest, "down to {depth}: {fits:?}");
        }
    }

    #[test]
    fn coverage_measures_the_height_below_and_the_area_outside_the_photo() {
        let frame = |x, y, w, h| Frame {
            x,
            y,
            w,
            h,
            orientation: Orientation::Square,
        };
        assert_eq!(
            coverage(&frame(10.0, 10.0, 50.0, 50.0), 100.0, 100.0),
            (0.0, 0.0)
        );
        // The bottom half below the photo.
        assert_eq!(
            coverage(&frame(0.0, 50.0, 100.0, 100.0), 100.0, 100.0),
            (0.5, 0.5)
        );
        // A quarter to the left and a quarter above: 7/16 of the area outside.
        let (below, outside) = coverage(&frame(-25.0, -25.0, 100.0, 100.0), 100.0, 100.0);
        assert_eq!(below, 0.0);
        assert!((outside - 7.0 / 16.0).abs() < 1e-6, "{outside}");
    }
}
