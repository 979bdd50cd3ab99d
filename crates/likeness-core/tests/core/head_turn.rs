//! Which way the head is turned, through the real face mesh, on faces found by
//! the real detector: the astronaut faces the camera, and so does her mirror
//! image; the man in `camera.png` looks towards the picture's right, and in
//! his mirror image towards its left. In the library, an imported portrait
//! says which way it faces, and says nothing when the model is missing.

use std::sync::OnceLock;

use image::{imageops, DynamicImage, RgbImage};
use likeness_core::engines::{FaceMesh, Facing, HeadTurn};
use likeness_core::services::Options;
use likeness_core::{Coded, ErrorCode, Services};

use crate::fixtures::{astronaut_bytes, camera_bytes, library, moderator, wording, ALL_CONSENT};

fn face_mesh() -> &'static FaceMesh {
    static FACE_MESH: OnceLock<FaceMesh> = OnceLock::new();
    FACE_MESH.get_or_init(|| FaceMesh::load(None, None).expect("runtime and face mesh model"))
}

/// The head turn of the main face the moderator finds in `photo`.
fn head_turn(photo: &RgbImage) -> HeadTurn {
    let verdict = moderator()
        .unwrap()
        .moderate(&DynamicImage::ImageRgb8(photo.clone()));
    let face = &verdict.faces[0];
    face_mesh()
        .head_turn(photo, face.bbox, [face.landmarks[0], face.landmarks[1]])
        .unwrap()
        .expect("the mesh finds the face")
}

fn photo(bytes: &[u8]) -> RgbImage {
    image::load_from_memory(bytes).unwrap().to_rgb8()
}

#[test]
fn the_astronaut_and_her_mirror_image_face_the_camera() {
    let astronaut = photo(&astronaut_bytes());
    for photo in [imageops::flip_horizontal(&astronaut), astronaut] {
        let turn = head_turn(&photo);
        assert_eq!(turn.facing, Facing::Frontal);
        assert!(turn.yaw_degrees.abs() < 5.0, "{turn:?}");
    }
}

#[test]
fn a_large_photo_reads_as_its_smaller_copy_does() {
    // Four times the size: the crop is sampled from a shrunk copy of the face.
    let astronaut = photo(&astronaut_bytes());
    let (w, h) = astronaut.dimensions();
    let large = imageops::resize(&astronaut, 4 * w, 4 * h, imageops::FilterType::Triangle);
    let (small, large) = (head_turn(&astronaut), head_turn(&large));
    assert_eq!(large.facing, Facing::Frontal);
    assert!(
        (small.yaw_degrees - large.yaw_degrees).abs() < 2.0,
        "{small:?} {large:?}"
    );
}

#[test]
fn the_cameraman_looks_to_the_right_and_his_mirror_image_to_the_left() {
    let camera = photo(&camera_bytes());
    let right = head_turn(&camera);
    let left = head_turn(&imageops::flip_horizontal(&camera));
    assert_eq!(right.facing, Facing::TurnedRight, "{right:?}");
    assert_eq!(left.facing, Facing::TurnedLeft, "{left:?}");
    assert!(
        (right.yaw_degrees + left.yaw_degrees).abs() < 5.0,
        "a mirror image turns as far the other way: {right:?} {left:?}"
    );
}

/// Import the astronaut into `lib`; her portrait's id.
fn import_astronaut(lib: &Services) -> i64 {
    let outcome = lib
        .portraits
        .import_bytes("me.png", &astronaut_bytes(), &mut |_| {})
        .unwrap();
    outcome.portrait.expect("the astronaut is accepted").id
}

#[test]
fn an_imported_portrait_says_it_faces_the_camera() {
    let (_dir, lib) = library();
    let id = import_astronaut(&lib);
    let turn = lib.studio.portrait_facing(id).unwrap().expect("a face");
    assert_eq!(turn.facing, Facing::Frontal, "{turn:?}");
}

#[test]
fn without_the_face_mesh_model_a_portrait_s_facing_is_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let no_models = tempfile::tempdir().unwrap();
    let options = Options {
        models_dir: Some(no_models.path().to_owned()),
        ..Options::default()
    };
    // The moderator still loads its own models, so the import goes through.
    let lib = Services::open_with(dir.path(), moderator, options).unwrap();
    lib.privacy.record_consent(ALL_CONSENT, &wording()).unwrap();
    let id = import_astronaut(&lib);
    let err = lib.studio.portrait_facing(id).unwrap_err();
    assert_eq!(err.code(), ErrorCode::EngineUnavailable, "{err}");
}
