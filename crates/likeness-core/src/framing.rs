//! Face-anchored framing (headshot to full body) for each orientation.
//!
//! [`plan`] places a frame around the detected face the way a portrait
//! photographer would: the frame height is a fixed multiple of the face height
//! for each [`Framing`], the eye line sits a fixed number of face heights below
//! the top (the upper third for headshots, the head near the top for wider
//! shots), the frame is centred on the eyes, and its width follows the
//! [`Orientation`]'s exact ratio. The frame may reach past the photo; [`render`]
//! then extends the canvas with a soft, blurred, slightly darkened stretch of
//! the nearest photo edge, blended into the photo without a seam, as long as
//! that stays a margin: [`fits`] says which framings a photo supports (see
//! [`coverage`]), and generation refuses the others.
//!
//! Everything here is plain geometry and resampling: deterministic, no models.

use std::fmt;
use std::str::FromStr;

use image::{imageops, imageops::FilterType, Rgb, RgbImage};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Coded, ErrorCode};
use crate::moderation::FaceReport;

pub mod coverage;
pub use coverage::{fits, FramingFit, FramingFits, Shortfall};

/// Frame height in face heights (face box height) for a headshot: head, neck
/// and the top of the shoulders, the classic tight portrait crop.
pub const HEADSHOT_FACE_HEIGHTS: f32 = 2.2;
/// Frame height in face heights for a head-and-shoulders portrait: down to
/// mid-chest, the usual profile-picture and corporate crop.
pub const SHOULDERS_FACE_HEIGHTS: f32 = 3.2;
/// Frame height in face heights for a half-body (medium) shot: down to about
/// the waist, which an adult reaches at roughly 4.5 face heights.
pub const HALF_BODY_FACE_HEIGHTS: f32 = 5.0;
/// Frame height in face heights for a three-quarter (American) shot: down to
/// mid-thigh or the knees, about 6.5 face heights on an adult.
pub const THREE_QUARTER_FACE_HEIGHTS: f32 = 7.0;
/// Frame height in face heights for a full-body shot: an adult is 7.5 to 8
/// heads tall (the face box is a little shorter than the whole head), plus
/// headroom and floor below the feet.
pub const FULL_BODY_FACE_HEIGHTS: f32 = 9.5;

/// Eye line below the frame top, in face heights, for a headshot: one third of
/// [`HEADSHOT_FACE_HEIGHTS`], the rule-of-thirds line.
pub const HEADSHOT_EYE_DEPTH: f32 = HEADSHOT_FACE_HEIGHTS / 3.0;
/// Eye line below the frame top, in face heights, for every wider framing. For
/// shoulders this is 31% of the frame (the upper third); for half body and
/// wider it puts the head near the top: CenterFace puts the eyes about 0.4 of
/// the box below its top, so about 0.6 face heights stay above the face box,
/// roughly 0.4 above the crown of the head. Keeping it equal for all the wider
/// framings (and larger than the headshot's) makes every wider frame contain
/// the tighter ones around the same face.
pub const WIDE_EYE_DEPTH: f32 = 1.0;

/// The frame is at least this many face widths wide, so the whole face with
/// 20% of its width to spare on each side fits even in a narrow 9:16 headshot.
/// When a wide face needs more, the frame grows taller (showing more below).
pub const FACE_WIDTH_ROOM: f32 = 1.4;

/// How far (as a share of the frame width) the frame may move sideways off
/// the eyes to stay inside the photo: the eyes stay within the central 40–60%
/// of the width, still reading as a centred portrait.
pub const HORIZONTAL_GIVE: f32 = 0.1;
/// How far (in face heights) the frame may move up or down off its ideal
/// place to stay inside the photo: the eye line of a headshot stays between
/// 27% and 40% of the frame, and a wide shot's headroom changes by at most
/// 0.15 face heights, so the crown is never cut.
pub const VERTICAL_GIVE: f32 = 0.15;

/// Where the eyes sit inside the face box, as a share of its height from the
/// top, when the landmarks are missing or implausible.
pub const FALLBACK_EYE_LINE: f32 = 0.4;

/// The smallest face side (in pixels) that can anchor a frame.
pub const MIN_FACE_SIDE: f32 = 1.0;

/// The largest output long side [`render`] produces.
pub const MAX_LONG_SIDE: u32 = 8192;

/// Long side of the low-resolution canvas the extension is blurred on.
const FILL_LONG_SIDE: f32 = 96.0;
/// Blur radius of the extension, as a share of the low-resolution long side.
const FILL_BLUR: f32 = 0.06;
/// How much darker the extension gets far from the photo (0.18 = 18% darker).
const FILL_DARKEN: f32 = 0.18;
/// How far the extension fades, far from the photo, towards the photo's mean
/// colour, so a dark or busy edge does not streak across the whole canvas.
const FILL_CALM: f32 = 0.5;
/// Distance from the photo (share of the output long side) over which the
/// extension darkens fully.
const FILL_DARKEN_REACH: f32 = 0.35;
/// Width of the band inside the photo (share of the output long side) over
/// which the photo fades into the extension, so there is no seam.
const FEATHER: f32 = 0.03;

/// Why a frame could not be planned or rendered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FramingError {
    #[error("The photo has no pixels.")]
    EmptyImage,
    #[error("The face is too small or malformed to frame a portrait around.")]
    DegenerateFace,
    #[error("The frame is smaller than a pixel or malformed.")]
    DegenerateFrame,
    #[error("The output can be at most {MAX_LONG_SIDE} pixels on its long side (asked for {0}).")]
    OutputTooLarge(u32),
    #[error("Unknown {kind} \"{value}\".")]
    Unknown { kind: &'static str, value: String },
    /// The photo cannot fill this framing (see [`coverage`]).
    #[error("A {framing} framing {}; the closest framing it supports is {closest}.", .shortfall.needs())]
    BeyondPhoto {
        framing: Framing,
        shortfall: Shortfall,
        closest: Framing,
    },
}

impl Coded for FramingError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::BeyondPhoto { .. } => ErrorCode::FramingBeyondPhoto,
            _ => ErrorCode::InvalidInput,
        }
    }
}

/// How much of the person the portrait shows, tightest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Framing {
    Headshot,
    Shoulders,
    HalfBody,
    ThreeQuarter,
    FullBody,
}

impl Framing {
    /// Every framing, tightest first.
    pub const ALL: [Framing; 5] = [
        Framing::Headshot,
        Framing::Shoulders,
        Framing::HalfBody,
        Framing::ThreeQuarter,
        Framing::FullBody,
    ];

    /// The frame height in face heights (before any widening for a wide face).
    pub fn face_heights(self) -> f32 {
        match self {
            Framing::Headshot => HEADSHOT_FACE_HEIGHTS,
            Framing::Shoulders => SHOULDERS_FACE_HEIGHTS,
            Framing::HalfBody => HALF_BODY_FACE_HEIGHTS,
            Framing::ThreeQuarter => THREE_QUARTER_FACE_HEIGHTS,
            Framing::FullBody => FULL_BODY_FACE_HEIGHTS,
        }
    }

    /// The eye line below the frame top, in face heights.
    pub fn eye_depth(self) -> f32 {
        match self {
            Framing::Headshot => HEADSHOT_EYE_DEPTH,
            _ => WIDE_EYE_DEPTH,
        }
    }

    /// The CLI spelling, e.g. `half-body`.
    pub fn as_str(self) -> &'static str {
        match self {
            Framing::Headshot => "headshot",
            Framing::Shoulders => "shoulders",
            Framing::HalfBody => "half-body",
            Framing::ThreeQuarter => "three-quarter",
            Framing::FullBody => "full-body",
        }
    }
}

impl fmt::Display for Framing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Framing {
    type Err = FramingError;

    /// Accept the CLI spelling (`half-body`) and the serialized one (`half_body`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        Framing::ALL
            .into_iter()
            .find(|f| f.as_str() == wanted)
            .ok_or_else(|| FramingError::Unknown {
                kind: "framing",
                value: s.to_owned(),
            })
    }
}

/// The output's aspect ratio, width to height.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
pub enum Orientation {
    /// Portrait 4:5, the classic print and social-feed portrait.
    #[serde(rename = "4:5")]
    Portrait4x5,
    /// Square 1:1, for avatars.
    #[serde(rename = "1:1")]
    Square,
    /// Landscape 3:2, the 35 mm frame.
    #[serde(rename = "3:2")]
    Landscape3x2,
    /// Wide 16:9, for screens and banners.
    #[serde(rename = "16:9")]
    Wide16x9,
    /// Tall 9:16, for phone screens and stories.
    #[serde(rename = "9:16")]
    Tall9x16,
}

impl Orientation {
    /// Every orientation.
    pub const ALL: [Orientation; 5] = [
        Orientation::Portrait4x5,
        Orientation::Square,
        Orientation::Landscape3x2,
        Orientation::Wide16x9,
        Orientation::Tall9x16,
    ];

    /// `(width, height)` terms of the ratio, in lowest terms.
    pub fn ratio(self) -> (u32, u32) {
        match self {
            Orientation::Portrait4x5 => (4, 5),
            Orientation::Square => (1, 1),
            Orientation::Landscape3x2 => (3, 2),
            Orientation::Wide16x9 => (16, 9),
            Orientation::Tall9x16 => (9, 16),
        }
    }

    /// Width over height.
    pub fn aspect(self) -> f32 {
        let (w, h) = self.ratio();
        w as f32 / h as f32
    }

    /// The output size for `long_side`: exactly this ratio, and never longer
    /// than `long_side`, so the long side is the largest multiple of the
    /// ratio's larger term that fits (at least one): at 512, 4:5 is 408×510,
    /// 3:2 is 510×340 and 16:9 is 512×288.
    pub fn output_size(self, long_side: u32) -> (u32, u32) {
        let (w, h) = self.ratio();
        let k = (long_side / w.max(h)).max(1);
        (w * k, h * k)
    }

    /// The spelling used everywhere, e.g. `16:9`.
    pub fn as_str(self) -> &'static str {
        match self {
            Orientation::Portrait4x5 => "4:5",
            Orientation::Square => "1:1",
            Orientation::Landscape3x2 => "3:2",
            Orientation::Wide16x9 => "16:9",
            Orientation::Tall9x16 => "9:16",
        }
    }
}

impl fmt::Display for Orientation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Orientation {
    type Err = FramingError;

    /// Accept `4:5`, and `4x5` for shells where a colon is awkward.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('x', ":");
        Orientation::ALL
            .into_iter()
            .find(|o| o.as_str() == wanted)
            .ok_or_else(|| FramingError::Unknown {
                kind: "orientation",
                value: s.to_owned(),
            })
    }
}

/// The face a frame is anchored on, in the source photo's pixels. Kept on
/// the portrait's row (nothing else of the face is kept).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaceAnchor {
    /// `[x, y, width, height]`.
    pub bbox: [f32; 4],
    pub left_eye: [f32; 2],
    pub right_eye: [f32; 2],
}

impl FaceAnchor {
    /// The anchor for a face the moderator reported (box and eye landmarks are
    /// both in the original image's pixels).
    pub fn from_report(report: &FaceReport) -> Self {
        Self {
            bbox: report.bbox,
            left_eye: report.landmarks[0],
            right_eye: report.landmarks[1],
        }
    }

    /// The eye midpoint, or a point estimated from the box when the landmarks
    /// are not finite or lie well outside the box. Always inside the box.
    fn eyes(&self) -> [f32; 2] {
        let [x, y, w, h] = self.bbox;
        let mid = [
            (self.left_eye[0] + self.right_eye[0]) / 2.0,
            (self.left_eye[1] + self.right_eye[1]) / 2.0,
        ];
        let plausible = mid.iter().all(|v| v.is_finite())
            && (x - w / 2.0..=x + 1.5 * w).contains(&mid[0])
            && (y - h / 2.0..=y + 1.5 * h).contains(&mid[1]);
        if plausible {
            [mid[0].clamp(x, x + w), mid[1].clamp(y, y + h)]
        } else {
            [x + w / 2.0, y + FALLBACK_EYE_LINE * h]
        }
    }

    fn is_usable(&self) -> bool {
        let [x, y, w, h] = self.bbox;
        [x, y, w, h].iter().all(|v| v.is_finite()) && w >= MIN_FACE_SIDE && h >= MIN_FACE_SIDE
    }
}

/// A crop of the source photo, in its pixels; it may reach past the photo's
/// edges (negative `x`/`y`, or beyond the width/height). `w / h` is the
/// orientation's ratio.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Frame {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
    /// The ratio [`render`] produces exactly.
    pub orientation: Orientation,
}

impl Frame {
    /// Whether the frame lies within a `image_w`×`image_h` photo (to a
    /// hundredth of a pixel).
    pub fn is_inside(&self, image_w: u32, image_h: u32) -> bool {
        const EPS: f32 = 0.01;
        self.x >= -EPS
            && self.y >= -EPS
            && self.x + self.w <= image_w as f32 + EPS
            && self.y + self.h <= image_h as f32 + EPS
    }
}

/// Plan the frame for `framing` in `orientation` around `face` in an
/// `image_w`×`image_h` photo.
///
/// The ideal frame is `framing.face_heights()` face heights tall (taller when
/// the face is so wide that [`FACE_WIDTH_ROOM`] needs it), has its eye line
/// `framing.eye_depth()` face heights below the top, and is centred on the eye
/// midpoint. When it reaches past the photo it is moved towards the inside, by
/// at most [`HORIZONTAL_GIVE`] of its width and [`VERTICAL_GIVE`] face heights,
/// so the face keeps its place; whatever still reaches past the photo is left
/// for [`render`] to extend. When the frame is larger than the photo in one
/// direction it is moved to cover the photo that way, or, if it already does,
/// to line up with the nearer photo edge when that is within the same limits
/// (better one wider extension than a thin sliver on each side). Finally the
/// frame is kept around the whole face box.
pub fn plan(
    image_w: u32,
    image_h: u32,
    face: &FaceAnchor,
    framing: Framing,
    orientation: Orientation,
) -> Result<Frame, FramingError> {
    if image_w == 0 || image_h == 0 {
        return Err(FramingError::EmptyImage);
    }
    if !face.is_usable() {
        return Err(FramingError::DegenerateFace);
    }
    let [bx, by, bw, bh] = face.bbox;
    let [eye_x, eye_y] = face.eyes();
    let aspect = orientation.aspect();

    let h = (framing.face_heights() * bh).max(FACE_WIDTH_ROOM * bw / aspect);
    let w = h * aspect;
    let ideal_x = eye_x - w / 2.0;
    let ideal_y = eye_y - framing.eye_depth() * bh;

    let x = nudge_inside(ideal_x, w, image_w as f32, HORIZONTAL_GIVE * w);
    let y = nudge_inside(ideal_y, h, image_h as f32, VERTICAL_GIVE * bh);
    // Never cut the face box (the frame is always larger than it).
    let x = x.clamp(bx + bw - w, bx);
    let y = y.clamp(by + bh - h, by);
    Ok(Frame {
        x,
        y,
        w,
        h,
        orientation,
    })
}

/// Move a span of length `len` starting at `ideal` by at most `give` towards
/// lying inside `0..limit`. A span longer than the photo is moved towards
/// covering it, and when it already does, one of its ends is snapped to the
/// photo's nearer edge if that is within `give`, so no thin sliver of
/// extension is left on that side.
fn nudge_inside(ideal: f32, len: f32, limit: f32, give: f32) -> f32 {
    let target = if len <= limit {
        ideal.clamp(0.0, limit - len)
    } else {
        let (lo, hi) = (limit - len, 0.0);
        let nearer = if ideal - lo <= hi - ideal { lo } else { hi };
        if ideal < lo || ideal > hi || (nearer - ideal).abs() <= give {
            nearer
        } else {
            ideal
        }
    };
    target.clamp(ideal - give, ideal + give)
}

/// Render `frame` of `photo` with `long_side` pixels on its long side (rounded
/// as [`Orientation::output_size`] says), exactly in the frame's ratio.
///
/// Where the frame reaches past the photo the canvas is extended with the
/// nearest photo edge stretched outwards, heavily blurred and slightly
/// darkened with distance; the photo fades into it over a narrow band along
/// the extended edges, so there is no seam and no flat bar. The blur runs on a
/// canvas about 96 pixels long and is upscaled, so it costs little.
pub fn render(photo: &RgbImage, frame: &Frame, long_side: u32) -> Result<RgbImage, FramingError> {
    let (pw, ph) = photo.dimensions();
    if pw == 0 || ph == 0 {
        return Err(FramingError::EmptyImage);
    }
    let valid = [frame.x, frame.y, frame.w, frame.h]
        .iter()
        .all(|v| v.is_finite())
        && frame.w >= 1.0
        && frame.h >= 1.0;
    if !valid {
        return Err(FramingError::DegenerateFrame);
    }
    if long_side > MAX_LONG_SIDE {
        return Err(FramingError::OutputTooLarge(long_side));
    }
    let (ow, oh) = frame.orientation.output_size(long_side);
    // Output pixels per source pixel, per axis.
    let (sx, sy) = (ow as f32 / frame.w, oh as f32 / frame.h);

    // The photo within the frame (clamped to the photo; a frame wholly outside
    // it uses the nearest edge row or column), with a pixel of context, resampled
    // to the output scale.
    let span = |start: f32, len: f32, limit: u32| -> (u32, u32) {
        let lo = (start.floor() - 1.0).clamp(0.0, limit as f32 - 1.0) as u32;
        let hi = ((start + len).ceil() + 1.0).clamp(lo as f32 + 1.0, limit as f32) as u32;
        (lo, hi)
    };
    let (x0, x1) = span(frame.x, frame.w, pw);
    let (y0, y1) = span(frame.y, frame.h, ph);
    let crop = imageops::crop_imm(photo, x0, y0, x1 - x0, y1 - y0).to_image();
    // At most 4× the output: the frame is at least a pixel and the crop adds 3.
    let rw = (((x1 - x0) as f32 * sx).round() as u32).clamp(1, 4 * ow);
    let rh = (((y1 - y0) as f32 * sy).round() as u32).clamp(1, 4 * oh);
    let scaled = imageops::resize(&crop, rw, rh, FilterType::CatmullRom);
    // Where the scaled crop's top-left lands on the output.
    let off_x = ((x0 as f32 - frame.x) * sx).round() as i64;
    let off_y = ((y0 as f32 - frame.y) * sy).round() as i64;
    let sample = |u: i64, v: i64| -> Rgb<u8> {
        let i = (u - off_x).clamp(0, i64::from(rw) - 1) as u32;
        let j = (v - off_y).clamp(0, i64::from(rh) - 1) as u32;
        *scaled.get_pixel(i, j)
    };

    // The photo's edges on the output, and which of them the frame reaches past
    // (by more than half an output pixel).
    let left = -frame.x * sx;
    let top = -frame.y * sy;
    let right = (pw as f32 - frame.x) * sx;
    let bottom = (ph as f32 - frame.y) * sy;
    let reach = [
        left > 0.5,
        top > 0.5,
        right < ow as f32 - 0.5,
        bottom < oh as f32 - 0.5,
    ];
    if !reach.contains(&true) {
        return Ok(RgbImage::from_fn(ow, oh, |u, v| {
            sample(i64::from(u), i64::from(v))
        }));
    }

    let long = ow.max(oh) as f32;
    let fill = extension(&sample, ow, oh, [left, top, right, bottom]);
    let feather = (FEATHER * long).max(2.0);
    Ok(RgbImage::from_fn(ow, oh, |u, v| {
        let (cx, cy) = (u as f32 + 0.5, v as f32 + 0.5);
        // Distance inside the photo from the nearest edge that is extended.
        let inside = [cx - left, cy - top, right - cx, bottom - cy]
            .into_iter()
            .zip(reach)
            .filter(|&(_, r)| r)
            .map(|(d, _)| d)
            .fold(f32::INFINITY, f32::min);
        let alpha = smoothstep(inside / feather);
        let back = fill.get_pixel(u, v);
        if alpha <= 0.0 {
            return *back;
        }
        let front = sample(i64::from(u), i64::from(v));
        Rgb(std::array::from_fn(|c| {
            let mixed = f32::from(front[c]) * alpha + f32::from(back[c]) * (1.0 - alpha);
            mixed.round().clamp(0.0, 255.0) as u8
        }))
    }))
}

/// The extension canvas at output size: each point takes the photo colour at
/// the nearest point of the photo (edges stretched outwards), blurred heavily
/// at low resolution; with distance from the photo it fades part way to the
/// mean colour of the frame and darkens slightly; then it is upscaled.
fn extension(
    sample: &impl Fn(i64, i64) -> Rgb<u8>,
    ow: u32,
    oh: u32,
    [left, top, right, bottom]: [f32; 4],
) -> RgbImage {
    let long = ow.max(oh) as f32;
    let step = (long / FILL_LONG_SIDE).max(1.0);
    let (lw, lh) = (
        ((ow as f32 / step).ceil() as u32).max(1),
        ((oh as f32 / step).ceil() as u32).max(1),
    );
    // The photo's last whole output pixel on each side.
    let clamp_x = |x: f32| x.clamp(left, (right - 1.0).max(left));
    let clamp_y = |y: f32| y.clamp(top, (bottom - 1.0).max(top));
    let mut low: Vec<[f32; 3]> = Vec::with_capacity((lw * lh) as usize);
    for j in 0..lh {
        for i in 0..lw {
            let (x, y) = ((i as f32 + 0.5) * step, (j as f32 + 0.5) * step);
            let p = sample(clamp_x(x).floor() as i64, clamp_y(y).floor() as i64);
            low.push([f32::from(p[0]), f32::from(p[1]), f32::from(p[2])]);
        }
    }
    let mean = {
        let sum = low
            .iter()
            .fold([0.0f32; 3], |a, p| [a[0] + p[0], a[1] + p[1], a[2] + p[2]]);
        sum.map(|c| c / low.len() as f32)
    };
    let radius = ((FILL_BLUR * lw.max(lh) as f32).round() as usize).max(1);
    for _ in 0..3 {
        box_blur(&mut low, lw as usize, lh as usize, radius);
    }
    let reach = FILL_DARKEN_REACH * long;
    let small = RgbImage::from_fn(lw, lh, |i, j| {
        let (x, y) = ((i as f32 + 0.5) * step, (j as f32 + 0.5) * step);
        let dx = (left - x).max(x - right).max(0.0);
        let dy = (top - y).max(y - bottom).max(0.0);
        let far = smoothstep(dx.hypot(dy) / reach);
        let shade = 1.0 - FILL_DARKEN * far;
        let calm = FILL_CALM * far;
        let p = low[(j * lw + i) as usize];
        Rgb(std::array::from_fn(|c| {
            let v = (p[c] * (1.0 - calm) + mean[c] * calm) * shade;
            v.round().clamp(0.0, 255.0) as u8
        }))
    });
    imageops::resize(&small, ow, oh, FilterType::Triangle)
}

/// A separable box blur of `radius` in place, edges clamped.
fn box_blur(pixels: &mut [[f32; 3]], w: usize, h: usize, radius: usize) {
    let mut line = Vec::with_capacity(w.max(h));
    let blur_line = |line: &[[f32; 3]]| -> Vec<[f32; 3]> {
        let n = line.len();
        let at = |k: isize| line[k.clamp(0, n as isize - 1) as usize];
        let r = radius as isize;
        let norm = 1.0 / (2 * radius + 1) as f32;
        let mut acc = [0.0f32; 3];
        for k in -r..=r {
            let p = at(k);
            (0..3).for_each(|c| acc[c] += p[c]);
        }
        let mut out = Vec::with_capacity(n);
        for k in 0..n as isize {
            out.push(acc.map(|a| a * norm));
            let (add, sub) = (at(k + r + 1), at(k - r));
            (0..3).for_each(|c| acc[c] += add[c] - sub[c]);
        }
        out
    };
    for row in 0..h {
        line.clear();
        line.extend_from_slice(&pixels[row * w..(row + 1) * w]);
        let out = blur_line(&line);
        pixels[row * w..(row + 1) * w].copy_from_slice(&out);
    }
    for col in 0..w {
        line.clear();
        line.extend((0..h).map(|row| pixels[row * w + col]));
        let out = blur_line(&line);
        for (row, p) in out.into_iter().enumerate() {
            pixels[row * w + col] = p;
        }
    }
}

/// 0 at or below 0, 1 at or above 1, smooth in between.
fn smoothstep(t: f32) -> f32 {
    let t = t.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}
