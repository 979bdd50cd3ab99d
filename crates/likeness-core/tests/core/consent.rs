//! Consent: the gate before imports, the record, and withdrawal.

use likeness_core::consent::{
    ConsentAnswers, ConsentKind, ConsentRecord, ConsentStatus, ConsentWording, POLICY_VERSION,
};
use likeness_core::inference::InferenceError;
use likeness_core::moderation::ModerationError;
use likeness_core::moderation::Reason;
use likeness_core::Coded;
use likeness_core::{ErrorCode, Services};

use crate::fixtures::*;
use likeness_core::vault::Kind;

#[test]
fn imports_are_refused_until_all_three_consents_are_given() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Services::open(dir.path(), moderator).unwrap();
    assert!(!lib.consent.status().unwrap().complete);
    let refused = lib
        .portraits
        .import_bytes("me.png", &astronaut_bytes(), &mut |_| {})
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::ConsentRequired);

    let partial = ConsentAnswers {
        adult: true,
        photo_rights: true,
        face_processing: false,
    };
    assert!(
        !lib.privacy
            .record_consent(partial, &crate::fixtures::wording())
            .unwrap()
            .complete
    );
    let refused = lib
        .portraits
        .import_bytes("me.png", &astronaut_bytes(), &mut |_| {})
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::ConsentRequired);
    assert!(vault_files(&lib).is_empty());

    assert!(
        lib.privacy
            .record_consent(ALL_CONSENT, &crate::fixtures::wording())
            .unwrap()
            .complete
    );
    assert!(lib
        .portraits
        .import_bytes("me.png", &astronaut_bytes(), &mut |_| {})
        .unwrap()
        .portrait
        .is_some());
}

#[test]
fn each_consent_answer_is_kept_with_its_policy_version_and_time() {
    let (_dir, lib) = library();
    let history = lib.consent.history().unwrap();
    assert_eq!(history.len(), 3);
    let kinds: Vec<ConsentKind> = history.iter().map(|r| r.kind).collect();
    for kind in ConsentKind::ALL {
        assert!(kinds.contains(&kind));
    }
    assert!(history.iter().all(|r| r.granted));
    assert!(history
        .iter()
        .all(|r| r.policy_version == likeness_core::consent::POLICY_VERSION));
    assert!(history.iter().all(|r| r.recorded_at.ends_with('Z')));
}

#[test]
fn consent_given_to_words_the_app_no_longer_shows_asks_again_and_the_words_it_shows_count() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Services::open(dir.path(), moderator).unwrap();
    // Agreed to in German, to a wording since changed.
    let old = ConsentWording {
        language: "de".into(),
        text: "Ich bin volljährig.\nIch darf die Fotos verwenden.\nGesichtsanalyse: ja.".into(),
    };
    let status = lib.privacy.record_consent(ALL_CONSENT, &old).unwrap();
    assert!(!status.complete, "an old wording does not count");
    let refused = lib
        .portraits
        .import_bytes("me.png", &astronaut_bytes(), &mut |_| {})
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::ConsentRequired);

    // The words the app shows in German today (ui/src/consent/wording.test.ts
    // keeps wordings.json equal to them) count, as do the command line's.
    let shown: std::collections::BTreeMap<String, String> =
        serde_json::from_str(include_str!("../../src/consent/wordings.json")).unwrap();
    assert_eq!(shown.len(), 8, "a wording for each of the app's languages");
    let agreed_in_german: Vec<ConsentRecord> = ConsentKind::ALL
        .iter()
        .enumerate()
        .map(|(i, &kind)| ConsentRecord {
            id: i as i64 + 1,
            kind,
            granted: true,
            policy_version: POLICY_VERSION.into(),
            recorded_at: "2026-12-06T10:00:00Z".into(),
            language: Some("de".into()),
            wording_sha256: Some(shown["de"].clone()),
        })
        .collect();
    assert!(ConsentStatus::from_history(&agreed_in_german).complete);
    assert!(
        lib.privacy
            .record_consent(ALL_CONSENT, &ConsentWording::command_line())
            .unwrap()
            .complete
    );
}

#[test]
fn withdrawing_consent_deletes_every_portrait_and_keeps_the_records() {
    let (_dir, lib) = library();
    let p = lib
        .portraits
        .import_bytes("me.png", &astronaut_bytes(), &mut |_| {})
        .unwrap()
        .portrait
        .unwrap();
    lib.portraits
        .import_bytes("friends.png", &side_by_side(), &mut |_| {})
        .unwrap();

    let outcome = lib.privacy.withdraw_consent().unwrap();
    assert_eq!(outcome.portraits_deleted, 1);
    assert!(lib.portraits.list().unwrap().is_empty());
    assert!(!p.image_file(&lib.vault).exists());
    assert!(
        vault_files(&lib).is_empty(),
        "no image or thumbnail is left"
    );
    assert!(!lib.consent.status().unwrap().complete);
    let history = lib.consent.history().unwrap();
    assert_eq!(history.len(), 6, "three grants and three withdrawals");
    assert!(
        history[..3].iter().all(|r| !r.granted),
        "the newest records are withdrawals"
    );
    assert_eq!(
        lib.portraits.moderation_count(None).unwrap(),
        2,
        "moderation records stay"
    );
    let refused = lib
        .portraits
        .import_bytes("me.png", &astronaut_bytes(), &mut |_| {})
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::ConsentRequired);
}

#[test]
fn portraits_from_before_moderation_are_checked_and_rejected_ones_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Services::open(dir.path(), moderator).unwrap();
    lib.privacy
        .record_consent(ALL_CONSENT, &crate::fixtures::wording())
        .unwrap();
    let kept = lib
        .portraits
        .import_bytes("me.png", &astronaut_bytes(), &mut |_| {})
        .unwrap()
        .portrait
        .unwrap();
    // A portrait stored by the first release: no moderation, two people.
    let pair = side_by_side();
    let sha = likeness_core::vault::sha256_hex(&pair);
    // Sealed in the vault, as every file from then is once the folder opens.
    lib.vault
        .put_with(Kind::Original, &sha, || {
            Ok::<_, std::io::Error>(pair.clone())
        })
        .unwrap();
    let path = lib.vault.path(Kind::Original, &sha);
    let db = open_db_file(dir.path()).unwrap();
    db.execute_batch(&format!(
        "UPDATE portraits SET moderation_id = NULL;
         INSERT INTO portraits (sha256, original_name, format, width, height, bytes, imported_at)
         VALUES ('{sha}', 'old.png', 'png', 1024, 512, {}, '2026-01-01T00:00:00Z');",
        pair.len()
    ))
    .unwrap();

    assert_eq!(lib.portraits.check_unmoderated().unwrap(), 1);
    let left = lib.portraits.list().unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].id, kept.id);
    assert!(!path.exists(), "the rejected legacy image is deleted");
    assert_eq!(
        lib.portraits
            .moderation_count(Some(Reason::MultiplePeople))
            .unwrap(),
        1
    );
    assert_eq!(
        lib.portraits.check_unmoderated().unwrap(),
        0,
        "nothing left to check"
    );
}

#[test]
fn answering_no_to_any_consent_deletes_every_portrait_like_a_withdrawal() {
    let (_dir, lib) = library();
    let p = lib
        .portraits
        .import_bytes("me.png", &astronaut_bytes(), &mut |_| {})
        .unwrap()
        .portrait
        .unwrap();
    let style = lib.style_pictures.import(&side_by_side()).unwrap();

    let no_face_processing = ConsentAnswers {
        face_processing: false,
        ..ALL_CONSENT
    };
    let status = lib
        .privacy
        .record_consent(no_face_processing, &crate::fixtures::wording())
        .unwrap();

    assert!(!status.complete);
    assert!(status.adult && status.photo_rights && !status.face_processing);
    assert!(
        lib.portraits.list().unwrap().is_empty(),
        "the portrait is gone"
    );
    assert!(!p.image_file(&lib.vault).exists());
    assert!(!lib.vault.path(Kind::StylePicture, &style).exists());
    assert!(
        vault_files(&lib).is_empty(),
        "nothing made from consent is left"
    );
    let newest = &lib.consent.history().unwrap()[..3];
    assert_eq!(
        newest.iter().filter(|r| r.granted).count(),
        2,
        "the answers are recorded as given: {newest:?}"
    );
}

#[test]
fn a_style_picture_is_refused_without_consent_and_not_stored() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Services::open(dir.path(), moderator).unwrap();
    let refused = lib.style_pictures.import(&side_by_side()).unwrap_err();
    assert_eq!(refused.code(), ErrorCode::ConsentRequired);
    assert!(vault_files(&lib).is_empty());
}

#[test]
fn a_style_picture_is_refused_as_moderation_unavailable_when_the_checks_cannot_load() {
    let dir = tempfile::tempdir().unwrap();
    let lib = Services::open(dir.path(), || {
        Err(ModerationError::Inference(
            InferenceError::RuntimeNotFound {
                searched: Vec::new(),
            },
        ))
    })
    .unwrap();
    lib.privacy
        .record_consent(ALL_CONSENT, &crate::fixtures::wording())
        .unwrap();
    let refused = lib.style_pictures.import(&side_by_side()).unwrap_err();
    assert_eq!(refused.code(), ErrorCode::ModerationUnavailable);
    assert!(refused.to_string().contains("Safety checks couldn't run"));
    assert!(vault_files(&lib).is_empty(), "nothing is stored");
}

#[test]
fn a_style_picture_the_nsfw_check_refuses_is_not_stored() {
    let (_dir, lib) = library();
    let refused = lib
        .style_pictures
        .import(&nsfw_scoring_picture())
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::UnsafeStylePicture);
    assert!(refused.to_string().contains("can't be used as a style"));
    assert!(vault_files(&lib).is_empty(), "nothing is stored");
    // An ordinary picture still is.
    let sha = lib.style_pictures.import(&side_by_side()).unwrap();
    assert!(lib.vault.path(Kind::StylePicture, &sha).exists());
}
