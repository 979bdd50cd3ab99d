//! The background option on the astronaut, through the real segmentation
//! model: her mask, a studio colour and a gradient behind her, and a blur,
//! each leaving her face as it was.

use std::sync::OnceLock;

use image::{imageops, imageops::FilterType, RgbImage};
use likeness_core::engines::{Background, Segmenter};

use crate::fixtures::{astronaut_bytes, moderator};

fn segmenter() -> &'static Segmenter {
    static SEGMENTER: OnceLock<Segmenter> = OnceLock::new();
    SEGMENTER.get_or_init(|| Segmenter::load(None, None).expect("runtime and segmentation model"))
}

/// The 512 px astronaut and the centre of her face, from moderation.
fn astronaut() -> (RgbImage, (u32, u32)) {
    let photo = image::load_from_memory(&astronaut_bytes())
        .unwrap()
        .to_rgb8();
    let photo = imageops::resize(&photo, 512, 512, FilterType::Triangle);
    let verdict = moderator().unwrap().moderate_bytes(&astronaut_bytes());
    let [x, y, w, h] = verdict.faces[0].bbox;
    let scale = 512.0 / image::load_from_memory(&astronaut_bytes()).unwrap().width() as f32;
    let centre = (
        ((x + w / 2.0) * scale) as u32,
        ((y + h / 2.0) * scale) as u32,
    );
    (photo, centre)
}

/// Where the backdrop shows in the astronaut photo: its top-right corner.
const BACKDROP: (u32, u32) = (500, 12);

fn distance(a: [u8; 3], b: [u8; 3]) -> u32 {
    a.iter()
        .zip(b)
        .map(|(&x, y)| u32::from(x.abs_diff(y)))
        .sum()
}

#[test]
fn the_mask_covers_her_face_and_not_the_backdrop() {
    let (photo, face) = astronaut();
    let mask = segmenter().mask(&photo).unwrap();
    assert_eq!(mask.dimensions(), photo.dimensions());
    let at = |(x, y): (u32, u32)| mask.get_pixel(x, y)[0];
    assert!(at(face) > 0.9, "face {}", at(face));
    assert!(at(BACKDROP) < 0.1, "backdrop {}", at(BACKDROP));
}

#[test]
fn a_studio_colour_or_gradient_goes_behind_her_and_leaves_her_face_as_it_was() {
    let (photo, face) = astronaut();
    let colour = Background::Colour {
        colour: "#20c040".into(),
    };
    let gradient = Background::Gradient {
        top: "#ffffff".into(),
        bottom: "#000000".into(),
    };
    for (background, backdrop) in [(colour, [0x20, 0xc0, 0x40]), (gradient, [249, 249, 249])] {
        let out = segmenter().apply(&photo, &background).unwrap();
        let (fx, fy) = face;
        assert!(
            distance(out.get_pixel(fx, fy).0, photo.get_pixel(fx, fy).0) <= 6,
            "{background:?}: her face changed"
        );
        let (bx, by) = BACKDROP;
        assert!(
            distance(out.get_pixel(bx, by).0, backdrop) <= 24,
            "{background:?}: the backdrop is {:?}",
            out.get_pixel(bx, by)
        );
    }
}

#[test]
fn a_blurred_background_is_smoother_and_her_face_stays_sharp() {
    let (photo, (fx, fy)) = astronaut();
    let out = segmenter().apply(&photo, &Background::Blur).unwrap();
    // Neighbour differences: how much fine detail a patch has.
    let detail = |image: &RgbImage, (x0, y0): (u32, u32)| -> u32 {
        let mut total = 0;
        for y in y0..y0 + 16 {
            for x in x0..x0 + 16 {
                total += distance(image.get_pixel(x, y).0, image.get_pixel(x + 1, y).0);
            }
        }
        total
    };
    let behind = (440, 20);
    assert!(
        detail(&out, behind) * 2 < detail(&photo, behind),
        "the backdrop keeps its detail: {} vs {}",
        detail(&out, behind),
        detail(&photo, behind)
    );
    let face = (fx - 8, fy - 8);
    assert!(
        detail(&out, face) * 10 >= detail(&photo, face) * 9,
        "her face lost its detail: {} vs {}",
        detail(&out, face),
        detail(&photo, face)
    );
}
