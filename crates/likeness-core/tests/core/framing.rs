//! Face-anchored framing: every output has exactly its ratio, the face sits
//! where a portrait photographer would put it, and frames that reach past the
//! photo are extended softly instead of failing or showing bars.

use image::{Rgb, RgbImage};
use likeness_core::framing::{plan, render, FaceAnchor, Frame, Framing, FramingError, Orientation};

use crate::fixtures::*;

/// A face box `w`×`h` at (`x`, `y`) with the eyes 42% down it, as CenterFace
/// places them.
fn face_at(x: f32, y: f32, w: f32, h: f32) -> FaceAnchor {
    let eye_y = y + 0.42 * h;
    FaceAnchor {
        bbox: [x, y, w, h],
        left_eye: [x + 0.3 * w, eye_y],
        right_eye: [x + 0.7 * w, eye_y],
    }
}

/// A textured, mid-bright photo (no pixel darker than 60): diagonal stripes
/// over a colour gradient, so a seam or a black bar would show.
fn textured_photo(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let stripe = if (x + y) / 6 % 2 == 0 { 0 } else { 40 };
        Rgb([
            (60 + x * 120 / w + stripe) as u8,
            (60 + y * 120 / h + stripe) as u8,
            (140 + stripe) as u8,
        ])
    })
}

fn eye_line(face: &FaceAnchor) -> f32 {
    (face.left_eye[1] + face.right_eye[1]) / 2.0
}

fn contains(outer: &Frame, inner: &Frame) -> bool {
    const EPS: f32 = 0.01;
    outer.x <= inner.x + EPS
        && outer.y <= inner.y + EPS
        && outer.x + outer.w >= inner.x + inner.w - EPS
        && outer.y + outer.h >= inner.y + inner.h - EPS
}

/// The face height as a share of the frame height a user sees, per framing.
fn face_share_band(framing: Framing) -> (f32, f32) {
    match framing {
        Framing::Headshot => (0.40, 0.46),
        Framing::Shoulders => (0.28, 0.32),
        Framing::HalfBody => (0.18, 0.21),
        Framing::ThreeQuarter => (0.13, 0.15),
        Framing::FullBody => (0.095, 0.11),
    }
}

#[test]
fn every_orientation_renders_exactly_its_aspect_ratio_for_every_framing() {
    let photo = textured_photo(600, 800);
    let face = face_at(250.0, 150.0, 100.0, 125.0);
    for framing in Framing::ALL {
        for orientation in Orientation::ALL {
            let frame = plan(600, 800, &face, framing, orientation).unwrap();
            let (rw, rh) = orientation.ratio();
            assert!(
                (frame.w / frame.h - rw as f32 / rh as f32).abs() < 1e-4,
                "{framing} {orientation}: {frame:?}"
            );
            for long_side in [512, 1000] {
                let out = render(&photo, &frame, long_side).unwrap();
                let (w, h) = out.dimensions();
                assert_eq!(w * rh, h * rw, "{framing} {orientation}: {w}×{h}");
                let term = rw.max(rh);
                assert!(
                    w.max(h) <= long_side && w.max(h) > long_side - term,
                    "{framing} {orientation} at {long_side}: {w}×{h}"
                );
                assert_eq!((w, h), orientation.output_size(long_side));
            }
        }
    }
}

#[test]
fn the_face_sits_inside_the_frame_where_a_photographer_would_put_it() {
    // The same face in a roomy photo, near the top-left corner and near the
    // bottom-right corner of a small one (where frames shift or extend).
    let cases = [
        (4000, 4000, face_at(1950.0, 1000.0, 100.0, 125.0)),
        (500, 400, face_at(5.0, 3.0, 100.0, 125.0)),
        (500, 400, face_at(395.0, 270.0, 100.0, 125.0)),
    ];
    for (iw, ih, face) in cases {
        let [bx, by, bw, bh] = face.bbox;
        for framing in Framing::ALL {
            for orientation in Orientation::ALL {
                let f = plan(iw, ih, &face, framing, orientation).unwrap();
                let what = format!("{framing} {orientation} in {iw}×{ih}: {f:?}");
                assert!(
                    f.x <= bx && f.y <= by && f.x + f.w >= bx + bw && f.y + f.h >= by + bh,
                    "face box outside the frame, {what}"
                );
                let eyes = (eye_line(&face) - f.y) / f.h;
                let share = bh / f.h;
                let (lo, hi) = face_share_band(framing);
                assert!((lo..=hi).contains(&share), "face share {share}, {what}");
                let eyes_x = (face.left_eye[0] + face.right_eye[0]) / 2.0;
                let centred = (eyes_x - f.x) / f.w;
                assert!(
                    (0.39..=0.61).contains(&centred),
                    "eyes at {centred} of width, {what}"
                );
                match framing {
                    Framing::Headshot | Framing::Shoulders => {
                        assert!((0.25..=0.45).contains(&eyes), "eye line at {eyes}, {what}");
                    }
                    _ => {
                        // The head near the top: about half a face height of
                        // room above the face box.
                        let headroom = (by - f.y) / bh;
                        assert!(
                            (0.4..=0.75).contains(&headroom),
                            "headroom {headroom}, {what}"
                        );
                        assert!(eyes < 0.25, "eye line at {eyes}, {what}");
                    }
                }
            }
        }
    }
}

#[test]
fn wider_framings_contain_the_tighter_ones_around_the_same_face() {
    let face = face_at(1950.0, 1000.0, 100.0, 125.0);
    for orientation in Orientation::ALL {
        let frames: Vec<Frame> = Framing::ALL
            .iter()
            .map(|&f| plan(4000, 4000, &face, f, orientation).unwrap())
            .collect();
        for (i, tight) in frames.iter().enumerate() {
            for wide in &frames[i + 1..] {
                assert!(contains(wide, tight), "{orientation}: {wide:?} ⊉ {tight:?}");
            }
        }
    }
}

#[test]
fn a_face_near_the_edge_is_framed_by_shifting_inside_the_photo_when_it_can() {
    // The ideal headshot would start 8 px left of the photo; shifting it keeps
    // the eyes within the central band, so nothing needs extending.
    let face = face_at(40.0, 300.0, 80.0, 100.0);
    let frame = plan(
        1000,
        1000,
        &face,
        Framing::Headshot,
        Orientation::Portrait4x5,
    )
    .unwrap();
    assert!(frame.is_inside(1000, 1000), "{frame:?}");
    assert_eq!(frame.x, 0.0);
    // Far past the edge, shifting would push the face off-centre: the frame
    // stays put and reaches past the photo instead.
    let face = face_at(0.0, 300.0, 80.0, 100.0);
    let frame = plan(1000, 1000, &face, Framing::Shoulders, Orientation::Wide16x9).unwrap();
    assert!(frame.x < 0.0, "{frame:?}");
}

/// Where the photo's edges land on a render of `frame` (output pixels).
fn photo_edges_on_output(frame: &Frame, out: &RgbImage, photo: &RgbImage) -> [f32; 4] {
    let sx = out.width() as f32 / frame.w;
    let sy = out.height() as f32 / frame.h;
    [
        -frame.x * sx,
        -frame.y * sy,
        (photo.width() as f32 - frame.x) * sx,
        (photo.height() as f32 - frame.y) * sy,
    ]
}

fn diff(a: &Rgb<u8>, b: &Rgb<u8>) -> u32 {
    (0..3)
        .map(|c| u32::from(a[c].abs_diff(b[c])))
        .max()
        .unwrap()
}

/// Assert the extended area of `out` has no near-black pixel and that the
/// photo meets it without a seam on every extended side.
fn assert_soft_extension(frame: &Frame, out: &RgbImage, photo: &RgbImage, what: &str) {
    let [left, top, right, bottom] = photo_edges_on_output(frame, out, photo);
    let (w, h) = out.dimensions();
    let mut extended = 0;
    for (x, y, p) in out.enumerate_pixels() {
        let (cx, cy) = (x as f32 + 0.5, y as f32 + 0.5);
        if cx < left || cx > right || cy < top || cy > bottom {
            extended += 1;
            assert!(
                p.0.iter().any(|&c| c > 40),
                "black at ({x}, {y}) {p:?}, {what}"
            );
        }
    }
    assert!(extended > 0, "nothing was extended, {what}");

    // Across each extended edge, neighbours two pixels apart (one inside the
    // photo, one outside) differ little: no hard seam.
    let mut worst = 0;
    let mut checked = 0;
    let mut across = |a: (i64, i64), b: (i64, i64)| {
        let inside = |(x, y): (i64, i64)| x >= 0 && y >= 0 && x < w as i64 && y < h as i64;
        if inside(a) && inside(b) {
            let pa = out.get_pixel(a.0 as u32, a.1 as u32);
            let pb = out.get_pixel(b.0 as u32, b.1 as u32);
            worst = worst.max(diff(pa, pb));
            checked += 1;
        }
    };
    let (l, t, r, b) = (
        left.round() as i64,
        top.round() as i64,
        right.round() as i64,
        bottom.round() as i64,
    );
    let (y_span, x_span) = (t.max(0)..b.min(h as i64), l.max(0)..r.min(w as i64));
    if left > 1.0 {
        y_span.clone().for_each(|y| across((l - 1, y), (l + 1, y)));
    }
    if right < w as f32 - 1.0 {
        y_span.clone().for_each(|y| across((r - 2, y), (r, y)));
    }
    if top > 1.0 {
        x_span.clone().for_each(|x| across((x, t - 1), (x, t + 1)));
    }
    if bottom < h as f32 - 1.0 {
        x_span.clone().for_each(|x| across((x, b - 2), (x, b)));
    }
    assert!(checked > 0, "no edge checked, {what}");
    assert!(worst <= 12, "seam: neighbours differ by {worst}, {what}");
}

#[test]
fn a_frame_reaching_past_the_photo_is_extended_softly_without_black_bars_or_a_seam() {
    // A face close to the left edge, framed wide; and a full body planned
    // from a photo that only holds the head and shoulders.
    let near_edge = textured_photo(800, 600);
    let face = face_at(0.0, 200.0, 100.0, 125.0);
    let frame = plan(800, 600, &face, Framing::Shoulders, Orientation::Wide16x9).unwrap();
    assert!(!frame.is_inside(800, 600));
    let out = render(&near_edge, &frame, 640).unwrap();
    assert_soft_extension(&frame, &out, &near_edge, "face near the left edge");

    let headshot_photo = textured_photo(400, 500);
    let face = face_at(140.0, 120.0, 120.0, 150.0);
    for orientation in Orientation::ALL {
        let frame = plan(400, 500, &face, Framing::FullBody, orientation).unwrap();
        let out = render(&headshot_photo, &frame, 512).unwrap();
        assert_soft_extension(
            &frame,
            &out,
            &headshot_photo,
            &format!("full body {orientation}"),
        );
    }
}

#[test]
fn the_photo_itself_is_reproduced_away_from_the_extended_edges() {
    let photo = textured_photo(400, 500);
    let face = face_at(140.0, 120.0, 120.0, 150.0);
    let frame = plan(400, 500, &face, Framing::FullBody, Orientation::Portrait4x5).unwrap();
    // One output pixel per source pixel, so the middle of the photo comes
    // through unchanged (up to resampling of the stripes).
    let long = (frame.h.round() as u32 / 5) * 5;
    let out = render(&photo, &frame, long).unwrap();
    let sx = out.width() as f32 / frame.w;
    let (px, py) = (200.0, 250.0);
    let (u, v) = (((px - frame.x) * sx) as u32, ((py - frame.y) * sx) as u32);
    let mean = |img: &RgbImage, x: u32, y: u32| -> [f32; 3] {
        let mut sum = [0.0; 3];
        for dy in 0..12 {
            for dx in 0..12 {
                let p = img.get_pixel(x + dx, y + dy);
                (0..3).for_each(|c| sum[c] += f32::from(p[c]) / 144.0);
            }
        }
        sum
    };
    let (a, b) = (mean(&out, u, v), mean(&photo, px as u32, py as u32));
    for c in 0..3 {
        assert!((a[c] - b[c]).abs() < 6.0, "{a:?} vs {b:?}");
    }
}

#[test]
fn framings_and_orientations_read_their_cli_and_json_spellings() {
    for (text, framing) in [
        ("headshot", Framing::Headshot),
        ("shoulders", Framing::Shoulders),
        ("half-body", Framing::HalfBody),
        ("half_body", Framing::HalfBody),
        ("three-quarter", Framing::ThreeQuarter),
        ("three_quarter", Framing::ThreeQuarter),
        ("full-body", Framing::FullBody),
        ("full_body", Framing::FullBody),
    ] {
        assert_eq!(text.parse::<Framing>().unwrap(), framing);
    }
    assert_eq!(
        serde_json::to_string(&Framing::HalfBody).unwrap(),
        "\"half_body\""
    );
    assert_eq!(
        serde_json::from_str::<Framing>("\"full_body\"").unwrap(),
        Framing::FullBody
    );
    for orientation in Orientation::ALL {
        let text = orientation.to_string();
        assert_eq!(text.parse::<Orientation>().unwrap(), orientation);
        let json = serde_json::to_string(&orientation).unwrap();
        assert_eq!(json, format!("\"{text}\""));
        assert_eq!(
            serde_json::from_str::<Orientation>(&json).unwrap(),
            orientation
        );
    }
    assert_eq!(Orientation::Wide16x9.ratio(), (16, 9));
    assert!(matches!(
        "waist-up".parse::<Framing>(),
        Err(FramingError::Unknown { .. })
    ));
    assert!("5:4".parse::<Orientation>().is_err());
}

#[test]
fn degenerate_faces_and_photos_are_refused_or_handled_without_panicking() {
    let flat = face_at(10.0, 10.0, 0.0, 0.0);
    assert_eq!(
        plan(100, 100, &flat, Framing::Headshot, Orientation::Square),
        Err(FramingError::DegenerateFace)
    );
    let nan = FaceAnchor {
        bbox: [f32::NAN, 0.0, 10.0, 10.0],
        ..face_at(0.0, 0.0, 10.0, 10.0)
    };
    assert_eq!(
        plan(100, 100, &nan, Framing::Headshot, Orientation::Square),
        Err(FramingError::DegenerateFace)
    );
    let face = face_at(10.0, 10.0, 20.0, 20.0);
    assert_eq!(
        plan(0, 100, &face, Framing::Headshot, Orientation::Square),
        Err(FramingError::EmptyImage)
    );

    // Eyes missing: the frame is placed from the box alone.
    let blind = FaceAnchor {
        left_eye: [f32::NAN; 2],
        right_eye: [f32::NAN; 2],
        ..face
    };
    let frame = plan(100, 100, &blind, Framing::Headshot, Orientation::Square).unwrap();
    assert!(frame.x <= 10.0 && frame.x + frame.w >= 30.0, "{frame:?}");

    // A one-pixel face in the very corner, and a frame wholly off the photo,
    // still render at the asked size.
    let photo = textured_photo(64, 48);
    let corner = face_at(63.0, 47.0, 1.0, 1.0);
    for framing in Framing::ALL {
        let frame = plan(64, 48, &corner, framing, Orientation::Tall9x16).unwrap();
        assert_eq!(render(&photo, &frame, 160).unwrap().dimensions(), (90, 160));
    }
    let away = Frame {
        x: 500.0,
        y: -300.0,
        w: 40.0,
        h: 40.0,
        orientation: Orientation::Square,
    };
    let out = render(&photo, &away, 50).unwrap();
    assert_eq!(out.dimensions(), (50, 50));
    assert!(out.pixels().all(|p| p.0.iter().any(|&c| c > 40)));

    assert_eq!(
        render(&RgbImage::new(0, 0), &away, 50),
        Err(FramingError::EmptyImage)
    );
    let empty = Frame { w: 0.0, ..away };
    assert_eq!(
        render(&photo, &empty, 50),
        Err(FramingError::DegenerateFrame)
    );
    assert_eq!(
        render(&photo, &away, 100_000),
        Err(FramingError::OutputTooLarge(100_000))
    );
}

#[test]
fn the_astronaut_is_framed_from_her_moderation_landmarks() {
    let moderator = moderator().expect("ONNX Runtime and the models load (run scripts/setup.sh)");
    let verdict = moderator.moderate_bytes(&astronaut_bytes());
    assert!(verdict.is_accepted(), "{verdict:?}");
    let face = &verdict.faces[0];
    let [x, y, w, h] = face.bbox;
    for [lx, ly] in face.landmarks {
        assert!(
            (x..=x + w).contains(&lx) && (y..=y + h).contains(&ly),
            "landmark ({lx}, {ly}) outside {:?}",
            face.bbox
        );
    }
    let [left_eye, right_eye] = [face.landmarks[0], face.landmarks[1]];
    assert!(left_eye[0] < right_eye[0], "{:?}", face.landmarks);
    for eye in [left_eye, right_eye] {
        assert!(
            eye[1] < y + h / 2.0,
            "eye {eye:?} not in the upper half of {:?}",
            face.bbox
        );
    }
    // The mouth corners are below the eyes and the nose between them.
    assert!(face.landmarks[3][1] > left_eye[1] && face.landmarks[4][1] > right_eye[1]);

    let photo = image::load_from_memory(&astronaut_bytes())
        .unwrap()
        .to_rgb8();
    let anchor = FaceAnchor::from_report(face);
    let frame = plan(
        photo.width(),
        photo.height(),
        &anchor,
        Framing::Headshot,
        Orientation::Portrait4x5,
    )
    .unwrap();
    let out = render(&photo, &frame, 1024).unwrap();
    assert_eq!(out.dimensions(), (816, 1020));
}

#[test]
fn previews_of_every_orientation_keep_their_exact_ratio_and_none_is_over_512_pixels() {
    let sizes: Vec<_> = Orientation::ALL
        .iter()
        .map(|o| (o.as_str(), o.output_size(512)))
        .collect();
    assert_eq!(
        sizes,
        [
            ("4:5", (408, 510)),
            ("1:1", (512, 512)),
            ("3:2", (510, 340)),
            ("16:9", (512, 288)),
            ("9:16", (288, 512)),
        ]
    );
}
