//! The studio end to end in the core: an accepted portrait, framed and
//! restyled through the real job queue and engines, then upscaled.

use likeness_core::clock::SystemClock;
use likeness_core::Coded;
use std::cell::Cell;
use std::sync::Arc;

use likeness_core::framing::{self, FaceAnchor, Framing, Orientation, Shortfall};
use likeness_core::generation::{
    self, generate_once, Engines, GenerationSettings, OneOff, StyleChoice, PREVIEW_LONG_SIDE,
};
use likeness_core::history::OutputFilter;
use likeness_core::jobs::{JobFilter, JobKind, JobQueue, JobState};
use likeness_core::moderation::{Moderator, Reason, Thresholds};
use likeness_core::{ErrorCode, Services};

use crate::fixtures::*;
use crate::stand_in::wait_state;
use likeness_core::vault::Kind;

fn settings(style: &str, orientation: Orientation) -> GenerationSettings {
    GenerationSettings {
        framing: Framing::Shoulders,
        orientation,
        background: None,
        style: StyleChoice::Preset {
            mix: vec![(style.to_owned(), 1.0)],
        },
        strength: 1.0,
        seed: 7,
        hd_factor: None,
    }
}

/// A library with the astronaut accepted, and a queue running the real studio.
fn studio() -> (tempfile::TempDir, Arc<Services>, JobQueue, i64) {
    let (dir, lib) = library();
    let lib = Arc::new(lib);
    let portrait = lib
        .portraits
        .import_bytes("me.png", &astronaut_bytes(), &mut |_| {})
        .unwrap();
    let (store, vault) = (lib.db.clone(), lib.vault.clone());
    let runner = lib.studio.clone();
    let queue = JobQueue::start(
        store,
        vault,
        Arc::new(SystemClock),
        dir.path().join("staging"),
        runner,
        |_| {},
    )
    .unwrap();
    (dir, lib, queue, portrait.portrait.unwrap().id)
}

fn first_style() -> String {
    likeness_core::engines::Style::all()
        .next()
        .unwrap()
        .id()
        .to_owned()
}

#[test]
fn a_preview_has_the_chosen_aspect_ratio_and_differs_from_the_photo() {
    let (_dir, lib, queue, portrait) = studio();
    let s = settings(&first_style(), Orientation::Portrait4x5);
    let job = queue
        .enqueue(Some(portrait), JobKind::Preview, &s.to_job_json(), None)
        .unwrap();
    let job = wait_state(&queue, job, JobState::Done);
    let outputs = lib
        .history
        .list_outputs(&OutputFilter::default())
        .unwrap()
        .outputs;
    assert_eq!(outputs.len(), 1);
    let out = &outputs[0];
    assert_eq!(out.job_id, Some(job.id));
    assert_eq!(out.width * 5, out.height * 4, "4:5");
    assert_eq!(
        (out.width, out.height),
        Orientation::Portrait4x5.output_size(512)
    );
    assert_eq!(out.style_key.as_deref(), Some(first_style().as_str()));
    assert_eq!(out.engine, "on-device");
    let models: Vec<&str> = out.model_hashes.keys().map(String::as_str).collect();
    assert_eq!(
        models,
        ["multistyle26.onnx", "open_nsfw_fp32.onnx"],
        "the record names its models"
    );
    let image = image::load_from_memory(&out.image_bytes(&lib.vault))
        .unwrap()
        .to_rgb8();
    let photo = image::load_from_memory(&astronaut_bytes())
        .unwrap()
        .to_rgb8();
    let resized = image::imageops::resize(
        &photo,
        image.width(),
        image.height(),
        image::imageops::FilterType::Triangle,
    );
    let diff: f64 = image
        .iter()
        .zip(resized.iter())
        .map(|(a, b)| f64::from(a.abs_diff(*b)))
        .sum::<f64>()
        / image.len() as f64;
    assert!(
        diff > 10.0,
        "the styled preview looks different from the photo (mean diff {diff:.1})"
    );
}

#[test]
fn the_same_settings_and_seed_give_the_same_image() {
    let (_dir, lib, queue, portrait) = studio();
    let s = settings(&first_style(), Orientation::Square).to_job_json();
    for _ in 0..2 {
        let job = queue
            .enqueue(Some(portrait), JobKind::Preview, &s, None)
            .unwrap();
        wait_state(&queue, job, JobState::Done);
    }
    let outputs = lib
        .history
        .list_outputs(&OutputFilter::default())
        .unwrap()
        .outputs;
    assert_eq!(outputs.len(), 2);
    assert_eq!(outputs[0].sha256, outputs[1].sha256);
}

#[test]
fn an_hd_x2_upscale_doubles_the_preview_and_links_to_it() {
    let (_dir, lib, queue, portrait) = studio();
    let s = settings(&first_style(), Orientation::Landscape3x2);
    let job = queue
        .enqueue(Some(portrait), JobKind::Preview, &s.to_job_json(), None)
        .unwrap();
    wait_state(&queue, job, JobState::Done);
    let preview = lib
        .history
        .list_outputs(&OutputFilter::default())
        .unwrap()
        .outputs[0]
        .clone();
    let hd = GenerationSettings {
        hd_factor: Some(2),
        ..s.clone()
    };
    let job = queue
        .enqueue(None, JobKind::Hd, &hd.to_job_json(), Some(preview.id))
        .unwrap();
    wait_state(&queue, job, JobState::Done);
    let newest = lib
        .history
        .list_outputs(&OutputFilter::default())
        .unwrap()
        .outputs[0]
        .clone();
    assert_eq!(
        (newest.width, newest.height),
        (preview.width * 2, preview.height * 2)
    );
    assert_eq!(newest.width * 2, newest.height * 3, "still 3:2");
    let preview_crop = preview.source_crop.expect("the preview records its crop");
    assert_eq!(
        preview_crop.photo_width, 512,
        "the preview records where in the photo it was cut"
    );
    assert!(preview_crop.w > 0.0);
    assert_eq!(
        newest.source_crop,
        Some(preview_crop),
        "the HD image keeps its preview's crop"
    );
    assert_eq!(
        preview.settings.as_ref(),
        Some(&s),
        "the preview shows its settings"
    );
    assert_eq!(
        newest.settings,
        Some(hd),
        "the HD image shows its own, with its factor"
    );
    assert_eq!(
        newest.made_from,
        Some(preview.id),
        "it links to its preview"
    );
    assert_eq!(preview.made_from, None);
}

#[test]
fn withdrawing_consent_also_deletes_every_generated_image() {
    let (_dir, lib, queue, portrait) = studio();
    let s = settings(&first_style(), Orientation::Square);
    let job = queue
        .enqueue(Some(portrait), JobKind::Preview, &s.to_job_json(), None)
        .unwrap();
    wait_state(&queue, job, JobState::Done);
    let output = lib
        .history
        .list_outputs(&OutputFilter::default())
        .unwrap()
        .outputs[0]
        .clone();
    assert!(output.image_file(&lib.vault).exists());
    drop(queue);
    lib.privacy.withdraw_consent().unwrap();
    assert!(lib
        .history
        .list_outputs(&OutputFilter::default())
        .unwrap()
        .outputs
        .is_empty());
    assert!(!output.image_file(&lib.vault).exists());
}

#[test]
fn bad_settings_are_refused_before_anything_is_queued() {
    let mut s = settings("no-such-style", Orientation::Square);
    assert_eq!(s.validate().unwrap_err().code(), ErrorCode::InvalidInput);
    s = settings(&first_style(), Orientation::Square);
    s.strength = 1.5;
    assert_eq!(s.validate().unwrap_err().code(), ErrorCode::InvalidInput);
}

#[test]
fn every_style_is_previewed_from_the_users_own_portrait_and_removed_with_it() {
    let (_dir, lib, _queue, portrait) = studio();
    let runner = lib.studio.clone();
    let thumbs = runner.style_thumbnails(portrait).unwrap();
    assert_eq!(thumbs.len(), 26);
    let portrait_row = lib.portraits.get(portrait).unwrap();
    let file = |t: &likeness_core::generation::StyleThumbnail| {
        let key = format!("{}-{}", portrait_row.sha256, t.style_id);
        lib.vault.path(Kind::StyleThumbnail, &key)
    };
    for t in &thumbs {
        let key = format!("{}-{}", portrait_row.sha256, t.style_id);
        let thumb =
            image::load_from_memory(&lib.vault.read(Kind::StyleThumbnail, &key).unwrap()).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (160, 160));
    }
    let again = runner.style_thumbnails(portrait).unwrap();
    assert_eq!(again, thumbs, "made once, then served from the vault");
    lib.portraits.delete(portrait).unwrap();
    assert!(
        thumbs.iter().all(|t| !file(t).exists()),
        "deleting the portrait deletes them"
    );
}

#[test]
fn a_picture_of_the_users_own_can_be_the_style() {
    let (_dir, lib, queue, portrait) = studio();
    assert_eq!(
        lib.style_pictures
            .import(b"not a picture")
            .unwrap_err()
            .code(),
        ErrorCode::UnsupportedFormat
    );
    let sha = lib.style_pictures.import(&side_by_side()).unwrap();
    assert!(lib.vault.path(Kind::StylePicture, &sha).exists());
    let s = GenerationSettings {
        style: StyleChoice::Picture {
            picture_sha256: sha,
        },
        ..settings(&first_style(), Orientation::Square)
    };
    let job = queue
        .enqueue(Some(portrait), JobKind::Preview, &s.to_job_json(), None)
        .unwrap();
    wait_state(&queue, job, JobState::Done);
    let out = lib
        .history
        .list_outputs(&OutputFilter::default())
        .unwrap()
        .outputs[0]
        .clone();
    assert_eq!(out.style_key.as_deref(), Some("picture"));
    let models: Vec<&str> = out.model_hashes.keys().map(String::as_str).collect();
    assert!(models.contains(&"arbitrary_transform.onnx"), "{models:?}");
}

/// Make the recorded consent stale, as a new consent policy does: the
/// portraits stay, but consent no longer stands.
fn consent_lapses(dir: &tempfile::TempDir) {
    open_db_file(dir.path())
        .unwrap()
        .execute(
            "UPDATE consent_records SET policy_version = '2000-01-01'",
            (),
        )
        .unwrap();
}

#[test]
fn style_thumbnails_and_previews_are_refused_once_consent_no_longer_stands() {
    let (dir, lib, queue, portrait) = studio();
    consent_lapses(&dir);
    let runner = lib.studio.clone();
    let refused = runner.style_thumbnails(portrait).unwrap_err();
    assert_eq!(refused.code(), ErrorCode::ConsentRequired);
    let s = settings(&first_style(), Orientation::Square);
    let refused = queue
        .enqueue(Some(portrait), JobKind::Preview, &s.to_job_json(), None)
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::ConsentRequired);
    let picture = lib.style_pictures.import(&side_by_side()).unwrap_err();
    assert_eq!(picture.code(), ErrorCode::ConsentRequired);
    assert!(
        !vault_files(&lib)
            .iter()
            .any(|p| p.to_string_lossy().contains("style")),
        "no style thumbnail or picture was made"
    );
}

fn one_off_moderator() -> Moderator {
    Moderator::load(None, None, Thresholds::default()).unwrap()
}

#[test]
fn a_one_off_generation_is_made_from_the_very_pixels_that_passed_moderation() {
    let bytes = astronaut_bytes();
    let moderator = one_off_moderator();
    let s = GenerationSettings {
        strength: 0.0, // the photo itself, framed: comparable pixel for pixel
        ..settings(&first_style(), Orientation::Portrait4x5)
    };
    let made = generate_once(
        Ok(&moderator),
        Thresholds::default(),
        || Engines::load(None, None),
        &bytes,
        &s,
    )
    .unwrap();
    let OneOff::Made { image, verdict } = made else {
        panic!("the astronaut is accepted: {made:?}");
    };
    assert_eq!(verdict.reason, Reason::Accepted);

    // The same bytes, decoded and framed on the face moderation found.
    let photo = image::load_from_memory(&bytes).unwrap().to_rgb8();
    let face = FaceAnchor::from_report(&verdict.faces[0]);
    let frame = framing::plan(
        photo.width(),
        photo.height(),
        &face,
        s.framing,
        s.orientation,
    )
    .unwrap();
    let expected = framing::render(&photo, &frame, PREVIEW_LONG_SIDE).unwrap();
    assert_eq!(image.dimensions(), expected.dimensions());
    assert!(
        image == expected,
        "the output is cut from the moderated photo"
    );
}

#[test]
fn a_one_off_generation_of_a_refused_photo_makes_nothing_and_loads_no_engine() {
    let moderator = one_off_moderator();
    let s = settings(&first_style(), Orientation::Square);
    let loaded = Cell::new(false);
    let load = || {
        loaded.set(true);
        Engines::load(None, None)
    };
    let made = generate_once(
        Ok(&moderator),
        Thresholds::default(),
        load,
        &side_by_side(),
        &s,
    )
    .unwrap();
    let OneOff::Refused(verdict) = made else {
        panic!("a group photo is refused: {made:?}");
    };
    assert_eq!(verdict.reason, Reason::MultiplePeople);
    assert!(!loaded.get(), "no engine ran on a refused photo");

    let made = generate_once(
        Ok(&moderator),
        Thresholds::default(),
        || Engines::load(None, None),
        b"not a photo",
        &s,
    )
    .unwrap();
    assert!(matches!(made, OneOff::Refused(v) if v.reason == Reason::Unreadable));
}

#[test]
fn a_style_picture_named_by_a_path_instead_of_a_hash_is_refused_and_nothing_is_read() {
    let (_dir, lib, queue, portrait) = studio();
    let outside = astronaut_path().with_extension("");
    for key in [
        outside.to_string_lossy().into_owned(),
        "../../../../../../etc/passwd".to_owned(),
        "A".repeat(64),
    ] {
        let s = GenerationSettings {
            style: StyleChoice::Picture {
                picture_sha256: key.clone(),
            },
            ..settings(&first_style(), Orientation::Square)
        };
        assert_eq!(s.validate().unwrap_err().code(), ErrorCode::InvalidInput);
        assert_eq!(
            lib.style_pictures.read(&key).unwrap_err().code(),
            ErrorCode::InvalidInput
        );
        let job = queue
            .enqueue(Some(portrait), JobKind::Preview, &s.to_job_json(), None)
            .unwrap();
        let failed = wait_state(&queue, job, JobState::Failed);
        assert_eq!(failed.error.unwrap().code, ErrorCode::InvalidInput, "{key}");
    }
    assert!(lib
        .history
        .list_outputs(&OutputFilter::default())
        .unwrap()
        .outputs
        .is_empty());
}

#[test]
fn the_astronaut_photo_supports_headshot_to_half_body_and_offers_half_body_for_wider_framings() {
    let (_dir, lib, _queue, portrait) = studio();
    let fits =
        generation::framing_fits(&lib.portraits, portrait, Orientation::Portrait4x5).unwrap();
    assert_eq!((fits.photo_width, fits.photo_height), (512, 512));
    // She is shown down to the waist: the half body misses a thin band.
    assert_eq!(
        fits.supported(),
        [Framing::Headshot, Framing::Shoulders, Framing::HalfBody]
    );
    let half = fits.get(Framing::HalfBody);
    assert!((0.05..0.12).contains(&half.missing_below), "{half:?}");
    for framing in [Framing::ThreeQuarter, Framing::FullBody] {
        let fit = fits.get(framing);
        assert_eq!(fit.shortfall, Some(Shortfall::Body), "{fit:?}");
        assert!(fit.missing_below > 0.3, "{fit:?}");
        assert_eq!(fit.closest, Framing::HalfBody);
    }
    // A wide half body would be mostly streaks beside the square photo.
    let wide = generation::framing_fits(&lib.portraits, portrait, Orientation::Wide16x9).unwrap();
    assert_eq!(wide.supported(), [Framing::Headshot, Framing::Shoulders]);
    assert_eq!(wide.get(Framing::HalfBody).shortfall, Some(Shortfall::Room));
}

#[test]
fn a_preview_of_a_framing_the_photo_does_not_support_is_refused_and_nothing_is_queued() {
    let (_dir, lib, queue, portrait) = studio();
    let full_body = GenerationSettings {
        framing: Framing::FullBody,
        ..settings(&first_style(), Orientation::Portrait4x5)
    };
    let refused =
        generation::enqueue_preview(&queue, &lib.portraits, portrait, &full_body).unwrap_err();
    assert_eq!(refused.code(), ErrorCode::FramingBeyondPhoto);
    assert_eq!(
        refused.to_string(),
        "A full-body framing needs more of the body than this photo shows; \
         the closest framing it supports is half-body."
    );
    assert!(queue.list(&JobFilter::default()).unwrap().is_empty());

    let half_body = GenerationSettings {
        framing: Framing::HalfBody,
        ..full_body
    };
    let job = generation::enqueue_preview(&queue, &lib.portraits, portrait, &half_body).unwrap();
    let queued: Vec<i64> = queue
        .list(&JobFilter::default())
        .unwrap()
        .iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(queued, [job.id], "the closest framing is queued");
}

#[test]
fn a_queued_preview_of_an_unsupported_framing_fails_and_makes_nothing() {
    // Straight through the queue, as a job from an older version would come.
    let (_dir, lib, queue, portrait) = studio();
    let s = GenerationSettings {
        framing: Framing::ThreeQuarter,
        ..settings(&first_style(), Orientation::Square)
    };
    let job = queue
        .enqueue(Some(portrait), JobKind::Preview, &s.to_job_json(), None)
        .unwrap();
    let failed = wait_state(&queue, job, JobState::Failed);
    let error = failed.error.unwrap();
    assert_eq!(error.code, ErrorCode::FramingBeyondPhoto);
    assert!(
        error.message.ends_with("is half-body."),
        "{}",
        error.message
    );
    assert!(lib
        .history
        .list_outputs(&OutputFilter::default())
        .unwrap()
        .outputs
        .is_empty());
}

#[test]
fn a_one_off_generation_of_an_unsupported_framing_is_refused_before_any_engine_loads() {
    let moderator = one_off_moderator();
    let s = GenerationSettings {
        framing: Framing::FullBody,
        ..settings(&first_style(), Orientation::Portrait4x5)
    };
    let loaded = Cell::new(false);
    let load = || {
        loaded.set(true);
        Engines::load(None, None)
    };
    let refused = generate_once(
        Ok(&moderator),
        Thresholds::default(),
        load,
        &astronaut_bytes(),
        &s,
    )
    .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::FramingBeyondPhoto);
    assert!(refused.to_string().contains("half-body"), "{refused}");
    assert!(!loaded.get(), "no engine loaded for a refused framing");
}
