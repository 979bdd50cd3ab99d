//! On-device moderation: what is accepted, what is refused and why, and that
//! it fails closed when the runtime or a model is missing or tampered with.

use std::path::Path;
use std::sync::OnceLock;

use image::{imageops::FilterType, DynamicImage, ImageFormat, RgbImage};
use likeness_core::inference::{self, InferenceError};
use likeness_core::moderation::detect::{nms, Detection};
use likeness_core::moderation::{
    is_safe_score, judge_scores, moderate_with, Analysis, Decision, ModerationError, Moderator,
    Reason, Thresholds, Verdict,
};

use crate::fixtures::*;

/// One moderator for the whole test binary (loading verifies ~42 MB of models).
fn moderator() -> &'static Moderator {
    static MODERATOR: OnceLock<Moderator> = OnceLock::new();
    MODERATOR.get_or_init(|| {
        Moderator::load(None, None, Thresholds::default())
            .expect("ONNX Runtime and the models load (run scripts/setup.sh)")
    })
}

fn astronaut() -> DynamicImage {
    image::load_from_memory(&astronaut_bytes()).unwrap()
}

fn rejected_for(verdict: &Verdict, reason: Reason) {
    assert_eq!(verdict.reason, reason, "{verdict:?}");
    assert_eq!(verdict.decision, Decision::Reject);
    assert!((0.0..=1.0).contains(&verdict.confidence), "{verdict:?}");
}

#[test]
fn the_astronaut_portrait_is_accepted_with_one_face_and_an_adult_age() {
    let verdict = moderator().moderate(&astronaut());
    assert_eq!(verdict.reason, Reason::Accepted, "{verdict:?}");
    assert_eq!(verdict.decision, Decision::Accept);
    assert_eq!(verdict.faces.len(), 1);
    let face = &verdict.faces[0];
    let age = face.age.expect("the main face has an age");
    assert!((20.0..50.0).contains(&age), "estimated age {age}");
    // The face is in the upper middle of the 512×512 portrait.
    let [x, y, w, h] = face.bbox;
    assert!(
        (150.0..230.0).contains(&x) && (30.0..110.0).contains(&y),
        "{:?}",
        face.bbox
    );
    assert!(
        (60.0..140.0).contains(&w) && (80.0..160.0).contains(&h),
        "{:?}",
        face.bbox
    );
    assert!(verdict.nsfw_score.unwrap() < 0.2);
    assert!(verdict.confidence > 0.0 && verdict.confidence <= 1.0);
    assert_eq!(verdict.model_hashes.len(), 3);
    assert_eq!(verdict.message, "This photo can be used.");
}

#[test]
fn the_verdict_serializes_with_the_stable_codes_and_a_box_per_face() {
    let verdict = moderator().moderate(&astronaut());
    let json = serde_json::to_value(&verdict).unwrap();
    assert_eq!(json["decision"], "accept");
    assert_eq!(json["reason"], "accepted");
    assert_eq!(json["faces"][0]["box"].as_array().unwrap().len(), 4);
    assert_eq!(json["thresholds"]["youthfulAge"], 25.0);
    assert_eq!(
        json["modelHashes"]["centerface_dynamic.onnx"],
        inference::CENTERFACE.sha256
    );
    assert!(json["elapsedMs"].as_f64().unwrap() > 0.0);
}

#[test]
fn two_copies_side_by_side_are_multiple_people() {
    let one = astronaut().to_rgb8();
    let mut two = RgbImage::new(1024, 512);
    image::imageops::replace(&mut two, &one, 0, 0);
    image::imageops::replace(&mut two, &one, 512, 0);
    let verdict = moderator().moderate(&DynamicImage::ImageRgb8(two));
    rejected_for(&verdict, Reason::MultiplePeople);
    assert_eq!(verdict.people, 2);
    assert_eq!(
        verdict.message,
        "We found 2 people. Use a photo of just you."
    );
}

#[test]
fn a_crop_without_the_face_has_no_face() {
    // The bottom-right quarter: suit, helmet and the flag's edge, no face.
    let crop = astronaut().crop_imm(256, 256, 256, 256);
    let verdict = moderator().moderate(&crop);
    rejected_for(&verdict, Reason::NoFace);
    assert!(verdict.faces.is_empty());
    assert!(verdict.message.contains("couldn't find a face"));
}

#[test]
fn a_tiny_downscale_is_an_unclear_face() {
    let tiny = astronaut().resize_exact(48, 48, FilterType::Triangle);
    rejected_for(&moderator().moderate(&tiny), Reason::UnclearFace);
}

#[test]
fn a_face_too_small_in_the_photo_is_an_unclear_face() {
    // 256×256: the face box is about 42×55 px, under the 48 px minimum.
    let small = astronaut().resize_exact(256, 256, FilterType::Triangle);
    let verdict = moderator().moderate(&small);
    rejected_for(&verdict, Reason::UnclearFace);
    assert_eq!(verdict.faces.len(), 1, "the face is found, just too small");
}

#[test]
fn a_blurred_portrait_is_an_unclear_face_and_a_slightly_soft_one_is_not() {
    let blurry = moderator().moderate(&astronaut().blur(3.0));
    rejected_for(&blurry, Reason::UnclearFace);
    assert!(blurry.message.contains("too small or blurry"));
    let soft = moderator().moderate(&astronaut().blur(1.0));
    assert_ne!(soft.reason, Reason::UnclearFace, "{soft:?}");
}

#[test]
fn a_corrupt_file_is_unreadable() {
    rejected_for(
        &moderator().moderate_bytes(b"not a photo at all"),
        Reason::Unreadable,
    );
    let png = astronaut_bytes();
    rejected_for(
        &moderator().moderate_bytes(&png[..png.len() / 3]),
        Reason::Unreadable,
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.jpg");
    std::fs::write(&path, "hello").unwrap();
    rejected_for(&moderator().moderate_file(&path), Reason::Unreadable);
    rejected_for(
        &moderator().moderate_file(&dir.path().join("missing.jpg")),
        Reason::Unreadable,
    );
}

#[test]
fn a_large_jpeg_is_decoded_at_reduced_scale_and_boxes_are_in_original_pixels() {
    let big = astronaut().resize_exact(2048, 2048, FilterType::Triangle);
    let jpeg = encode(&big, ImageFormat::Jpeg);
    let verdict = moderator().moderate_bytes(&jpeg);
    assert_eq!(verdict.reason, Reason::Accepted, "{verdict:?}");
    let [x, _, w, _] = verdict.faces[0].bbox;
    assert!(
        (600.0..920.0).contains(&x) && (240.0..560.0).contains(&w),
        "{:?}",
        verdict.faces[0].bbox
    );
}

#[test]
fn a_raised_youthful_threshold_refuses_the_astronaut_as_too_young_looking() {
    let strict = Thresholds::new(60.0).unwrap();
    let m = Moderator::load(None, None, strict).unwrap();
    let verdict = m.moderate(&astronaut());
    rejected_for(&verdict, Reason::AmbiguousYouthful);
    assert!(verdict.message.contains("Only photos of adults"));
    assert_eq!(verdict.thresholds.youthful_age(), 60.0);
}

#[test]
fn the_youthful_threshold_cannot_be_set_below_21() {
    assert!(matches!(
        Thresholds::new(20.9),
        Err(ModerationError::YouthfulAgeTooLow(_))
    ));
    assert!(Thresholds::new(f32::NAN).is_err());
    assert_eq!(Thresholds::new(21.0).unwrap().youthful_age(), 21.0);
    assert_eq!(Thresholds::default().youthful_age(), 25.0);
}

#[test]
fn a_missing_runtime_library_makes_moderation_unavailable() {
    let missing = Path::new("/nonexistent/libonnxruntime.so.1");
    let err = Moderator::load(Some(missing), None, Thresholds::default()).unwrap_err();
    assert!(matches!(
        &err,
        ModerationError::Inference(InferenceError::RuntimeNotFound { searched }) if searched == &[missing.to_path_buf()]
    ));
    let verdict = moderate_with(
        Err(&err),
        &Analysis::of(&astronaut()),
        Thresholds::default(),
    );
    rejected_for(&verdict, Reason::ModerationUnavailable);
    assert_eq!(
        verdict.message,
        "Safety checks couldn't run on this computer, so the photo wasn't accepted."
    );
}

#[test]
fn a_model_with_the_wrong_hash_makes_moderation_unavailable() {
    let models = tempfile::tempdir().unwrap();
    let source = inference::locate_models_dir(None).unwrap();
    for model in inference::MODELS {
        std::fs::copy(source.join(model.file), models.path().join(model.file)).unwrap();
    }
    let tampered = models.path().join(inference::AGE.file);
    let mut bytes = std::fs::read(&tampered).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&tampered, bytes).unwrap();

    let result = Moderator::load(None, Some(models.path()), Thresholds::default());
    let err = result.as_ref().unwrap_err();
    assert!(
        matches!(err, ModerationError::Inference(InferenceError::ModelHashMismatch { file, .. }) if file == "age-v1.onnx"),
        "{err:?}"
    );
    rejected_for(
        &moderate_with(
            result.as_ref(),
            &Analysis::of(&astronaut()),
            Thresholds::default(),
        ),
        Reason::ModerationUnavailable,
    );
}

#[test]
fn a_missing_models_folder_is_a_typed_error() {
    let err = inference::locate_models_dir(Some(Path::new("/nonexistent/models"))).unwrap_err();
    assert!(matches!(err, InferenceError::ModelsDirNotFound { .. }));
}

#[test]
fn nms_merges_overlapping_boxes_and_keeps_separate_faces() {
    let det = |bbox: [f32; 4], score: f32| Detection {
        bbox,
        score,
        landmarks: [(0.0, 0.0); 5],
    };
    let kept = nms(
        vec![
            det([10.0, 10.0, 110.0, 110.0], 0.8),
            det([14.0, 12.0, 114.0, 112.0], 0.95), // same face, better score
            det([300.0, 10.0, 400.0, 110.0], 0.7), // another face
            det([60.0, 60.0, 160.0, 160.0], 0.6),  // IoU ≈ 0.14 with the first: kept
        ],
        0.3,
    );
    let scores: Vec<f32> = kept.iter().map(|d| d.score).collect();
    assert_eq!(scores, [0.95, 0.7, 0.6]);
}

/// The score checks with a detector score of 0.9 and an NSFW score of `nsfw`.
fn judge(age: f32, nsfw: f32) -> Result<(Reason, f32, Option<f32>), InferenceError> {
    judge_scores(0.9, age, || Ok(nsfw), Thresholds::default())
}

#[test]
fn a_nan_or_infinite_age_estimate_makes_moderation_unavailable_never_accepted() {
    for age in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        assert!(judge(age, 0.01).is_err(), "age {age} must not decide");
    }
}

#[test]
fn a_nan_or_infinite_nsfw_score_makes_moderation_unavailable_never_accepted() {
    for nsfw in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        assert!(judge(30.0, nsfw).is_err(), "nsfw {nsfw} must not decide");
    }
}

#[test]
fn a_nan_detector_score_makes_moderation_unavailable_never_accepted() {
    let judged = judge_scores(f32::NAN, 30.0, || Ok(0.01), Thresholds::default());
    assert!(judged.is_err());
}

#[test]
fn the_score_checks_refuse_minors_and_youthful_faces_before_nsfw_then_accept_adults() {
    let never = || -> Result<f32, InferenceError> { panic!("NSFW need not run") };
    let t = Thresholds::default();
    let (reason, _, nsfw) = judge_scores(0.9, 15.0, never, t).unwrap();
    assert_eq!((reason, nsfw), (Reason::Minor, None));
    let (reason, _, nsfw) = judge_scores(0.9, 22.0, never, t).unwrap();
    assert_eq!((reason, nsfw), (Reason::AmbiguousYouthful, None));
    let (reason, confidence, nsfw) = judge(30.0, 0.95).unwrap();
    assert_eq!((reason, confidence, nsfw), (Reason::Nsfw, 0.95, Some(0.95)));
    let (reason, confidence, nsfw) = judge(30.0, 0.01).unwrap();
    assert_eq!((reason, nsfw), (Reason::Accepted, Some(0.01)));
    assert!(
        (confidence - 0.5).abs() < 1e-6,
        "the age margin is the weakest link"
    );
}

#[test]
fn an_output_with_a_nan_or_infinite_nsfw_score_is_unsafe() {
    let t = Thresholds::default();
    assert!(is_safe_score(0.1, t));
    assert!(!is_safe_score(0.9, t));
    for score in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        assert!(!is_safe_score(score, t), "score {score} is not safe");
    }
}
