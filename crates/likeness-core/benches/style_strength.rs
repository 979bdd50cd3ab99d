//! The default strength of each built-in style: the highest of 100, 90, …,
//! 50 % at which the face detector still finds the person in the styled
//! preview where she is in the photo (one face, its box overlapping the
//! photo's by at least [`SAME_FACE_IOU`], scored at least [`MIN_SCORE`]). A
//! style that paints over the face gets a lower default, so a first preview
//! still looks like the person. Prints each style's scores and the defaults
//! kept in `engines/styles.rs`, which `every_style_at_its_default_strength_
//! keeps_the_face_where_it_was` checks. Run:
//! `cargo bench -p likeness-core --bench style_strength --profile dev`.

use image::RgbImage;
use likeness_core::engines::{apply_strength, Style, StyleMix, Stylist};
use likeness_core::moderation::detect::iou;
use likeness_core::moderation::{Moderator, Thresholds};

/// The styled face must sit where the photo's is.
const SAME_FACE_IOU: f32 = 0.5;
/// The detector must be this sure of the styled face.
const MIN_SCORE: f32 = 0.7;
const STRENGTHS: [u8; 6] = [100, 90, 80, 70, 60, 50];

fn main() {
    let stylist = Stylist::load(None, None).expect("runtime and models (run scripts/setup.sh)");
    let moderator = Moderator::load(None, None, Thresholds::default()).expect("runtime and models");
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/astronaut.png");
    let photo = image::open(&fixture).expect("shared fixture").to_rgb8();
    let face = moderator.moderate(&photo.clone().into()).faces[0].corners();
    println!("face score per strength (- = not found where the photo's face is)");
    let mut defaults = Vec::new();
    for style in Style::all() {
        let full = stylist
            .stylize(
                &photo,
                &StyleMix::single(style),
                1.0,
                &|| false,
                &mut |_| {},
            )
            .unwrap();
        let mut row = format!("{} {:<20}", style.id(), style.name());
        let mut chosen = None;
        for strength in STRENGTHS {
            let mut styled: RgbImage = full.clone();
            apply_strength(&photo, &mut styled, f32::from(strength) / 100.0);
            let verdict = moderator.moderate(&styled.into());
            let score = match verdict.faces.as_slice() {
                [one] if iou(&one.corners(), &face) >= SAME_FACE_IOU => Some(one.score),
                _ => None,
            };
            row += &match score {
                Some(s) => format!(" {strength}%:{s:.2}"),
                None => format!(" {strength}%:-"),
            };
            if chosen.is_none() && score.is_some_and(|s| s >= MIN_SCORE) {
                chosen = Some(strength);
            }
        }
        let chosen = chosen.unwrap_or(*STRENGTHS.last().unwrap());
        println!("{row}  -> {chosen}%");
        defaults.push(chosen);
    }
    println!("defaults in slot order: {defaults:?}");
}
