//! The privacy centre's rules, run on a real data folder with a fixed clock:
//! retention deletes what expired (and only that), the inventory counts what
//! is stored, moderation records read in plain words and can be deleted,
//! each consent can be withdrawn on its own, and a portrait's images can go
//! with it.

use std::path::Path;
use std::sync::Arc;

use likeness_core::clock::{self, FixedClock};
use likeness_core::consent::{ConsentKind, ConsentWording};
use likeness_core::history::{Output, OutputFilter};
use likeness_core::jobs::{JobKind, JobQueue, JobState};
use likeness_core::library::{ConfidenceBand, Portrait};
use likeness_core::moderation::{Decision, Reason};
use likeness_core::privacy::inventory::{ExpiryRule, StoredKind};
use likeness_core::services::Options;
use likeness_core::settings::RetentionPolicy;
use likeness_core::vault::sha256_hex;
use likeness_core::{Coded, ErrorCode, Services};
use time::{Duration, OffsetDateTime};

use crate::fixtures::*;
use crate::stand_in::{painter, wait_state, Probe};
use likeness_core::vault::Kind;

/// The moment every test starts at.
pub(crate) fn start() -> OffsetDateTime {
    time::macros::datetime!(2026-03-01 09:00 UTC)
}

/// A data folder whose clock the test moves, with consent given at [`start`].
pub(crate) struct Folder {
    pub dir: tempfile::TempDir,
    pub clock: Arc<FixedClock>,
    pub lib: Services,
}

impl Folder {
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(FixedClock::new(start()));
        let lib = open(dir.path(), &clock);
        lib.privacy.record_consent(ALL_CONSENT, &wording()).unwrap();
        Self { dir, clock, lib }
    }

    /// Move the clock `days` after [`start`].
    pub(crate) fn at_day(&self, days: i64) {
        self.clock.set(start() + Duration::days(days));
    }

    pub(crate) fn import(&self, name: &str, bytes: &[u8]) -> Portrait {
        self.lib
            .portraits
            .import_bytes(name, bytes, &mut |_| {})
            .unwrap()
            .portrait
            .expect("the astronaut is accepted")
    }

    /// Make one image from `portrait` with the stand-in painter, at the clock's time.
    pub(crate) fn make_image(&self, portrait: &Portrait, shade: u8) -> Output {
        let queue = JobQueue::start(
            self.lib.db.clone(),
            self.lib.vault.clone(),
            self.clock.clone(),
            self.lib.staging_dir(),
            Arc::new(painter(Arc::new(Probe::default()))),
            |_| {},
        )
        .unwrap();
        let settings = serde_json::json!({ "shade": shade }).to_string();
        let job = queue
            .enqueue(Some(portrait.id), JobKind::Preview, &settings, None)
            .unwrap();
        wait_state(&queue, job, JobState::Done);
        self.outputs()
            .into_iter()
            .find(|o| o.job_id == Some(job))
            .unwrap()
    }

    pub(crate) fn outputs(&self) -> Vec<Output> {
        self.lib
            .history
            .list_outputs(&OutputFilter::default())
            .unwrap()
            .outputs
    }

    pub(crate) fn count(&self, table: &str) -> i64 {
        self.lib
            .db
            .read(|c| {
                c.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
                    .map_err(likeness_core::db::DbError::from)
            })
            .unwrap()
    }
}

pub(crate) fn open(dir: &Path, clock: &Arc<FixedClock>) -> Services {
    let options = Options {
        clock: clock.clone(),
        ..Options::default()
    };
    Services::open_with(dir, moderator, options).unwrap()
}

#[test]
fn a_portrait_unused_for_thirty_days_is_deleted_with_its_files_and_one_kept_in_time_stays() {
    let f = Folder::new();
    let forgotten = f.import("forgotten.png", &astronaut_variant(1));
    let kept = f.import("kept.png", &astronaut_variant(2));
    assert_eq!(
        kept.expires_at.as_deref(),
        Some("2026-03-31T09:00:00Z"),
        "30 days after its last use"
    );

    f.at_day(28);
    let kept = f.lib.portraits.keep(kept.id).unwrap();
    assert_eq!(kept.expires_at.as_deref(), Some("2026-04-28T09:00:00Z"));
    f.at_day(31);
    let expired = f.lib.privacy.expire().unwrap();

    assert_eq!(expired.portraits, 1);
    let left: Vec<String> = f
        .lib
        .portraits
        .list()
        .unwrap()
        .into_iter()
        .map(|p| p.original_name)
        .collect();
    assert_eq!(left, ["kept.png"]);
    assert!(!forgotten.image_file(&f.lib.vault).exists());
    assert!(!forgotten.thumb_file(&f.lib.vault).exists());
    assert!(kept.image_file(&f.lib.vault).is_file());
}

#[test]
fn an_image_expires_ninety_days_after_it_was_made_unless_it_is_a_favourite() {
    let f = Folder::new();
    let portrait = f.import("me.png", &astronaut_bytes());
    let plain = f.make_image(&portrait, 10);
    let favourite = f.make_image(&portrait, 20);
    let favourite = f.lib.history.set_favourite(favourite.id, true).unwrap();
    assert_eq!(plain.expires_at.as_deref(), Some("2026-05-30T09:00:00Z"));
    assert_eq!(
        favourite.expires_at, None,
        "a favourite is kept until deleted"
    );

    // The portrait is kept until deleted here, so only the images' rule applies.
    let policy = RetentionPolicy {
        portrait_days: None,
        ..RetentionPolicy::default()
    };
    f.lib.privacy.set_retention(policy).unwrap();
    f.at_day(89);
    assert_eq!(f.lib.privacy.expire().unwrap().outputs, 0);
    f.at_day(91);
    assert_eq!(f.lib.privacy.expire().unwrap().outputs, 1);

    let left: Vec<i64> = f.outputs().iter().map(|o| o.id).collect();
    assert_eq!(left, [favourite.id]);
    assert!(!plain.image_file(&f.lib.vault).exists());
    assert!(!plain.thumb_file(&f.lib.vault).exists());
    assert!(favourite.image_file(&f.lib.vault).is_file());
}

#[test]
fn records_expire_after_three_years_but_the_current_consent_and_a_kept_portraits_record_stay() {
    let f = Folder::new();
    let keep_portraits = RetentionPolicy {
        portrait_days: None,
        ..RetentionPolicy::default()
    };
    f.lib.privacy.set_retention(keep_portraits).unwrap();
    f.import("me.png", &astronaut_bytes());
    let refused = f
        .lib
        .portraits
        .import_bytes("two.png", &side_by_side(), &mut |_| {});
    assert!(refused.unwrap().portrait.is_none());
    f.at_day(10);
    f.lib
        .privacy
        .record_consent(ALL_CONSENT, &wording())
        .unwrap();
    assert_eq!(f.count("consent_records"), 6);
    assert_eq!(f.count("moderation_records"), 2);

    f.at_day(3 * 365 + 1);
    let expired = f.lib.privacy.expire().unwrap();

    assert_eq!(expired.moderation_records, 1, "the refusal went");
    assert_eq!(expired.consent_records, 3, "the first answers went");
    let records = f.lib.portraits.moderation_records().unwrap();
    assert_eq!(records.len(), 1);
    assert!(
        records[0].in_use,
        "the portrait's own record stays while it does"
    );
    assert!(
        f.lib.consent.status().unwrap().complete,
        "the gate still stands"
    );

    f.at_day(3 * 365 + 11);
    assert_eq!(
        f.lib.privacy.expire().unwrap().consent_records,
        0,
        "current answers are never expired"
    );
}

#[test]
fn a_finished_job_is_deleted_after_its_period_and_its_image_stays() {
    let f = Folder::new();
    let portrait = f.import("me.png", &astronaut_bytes());
    let image = f.make_image(&portrait, 10);
    let policy = RetentionPolicy {
        job_days: 1,
        ..RetentionPolicy::default()
    };
    f.lib.privacy.set_retention(policy).unwrap();
    f.at_day(2);
    f.lib.portraits.keep(portrait.id).unwrap();

    assert_eq!(f.lib.privacy.expire().unwrap().jobs, 1);
    assert_eq!(f.count("jobs"), 0);
    let left = f.outputs();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].id, image.id);
    assert_eq!(left[0].job_id, None);
}

#[test]
fn a_shorter_retention_deletes_older_items_at_once_and_a_longer_one_than_allowed_is_refused() {
    let f = Folder::new();
    f.import("me.png", &astronaut_bytes());
    f.at_day(8);

    let longer = RetentionPolicy {
        portrait_days: Some(31),
        ..RetentionPolicy::default()
    };
    let refused = f.lib.privacy.set_retention(longer).unwrap_err();
    assert_eq!(refused.code(), ErrorCode::InvalidInput);
    assert!(refused.to_string().contains("1 to 30 days"), "{refused}");
    let records_forever = RetentionPolicy {
        moderation_record_days: 0,
        ..RetentionPolicy::default()
    };
    assert_eq!(
        f.lib
            .privacy
            .set_retention(records_forever)
            .unwrap_err()
            .code(),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        f.lib.privacy.retention().unwrap(),
        RetentionPolicy::default()
    );

    let week = RetentionPolicy {
        portrait_days: Some(7),
        ..RetentionPolicy::default()
    };
    assert_eq!(f.lib.privacy.set_retention(week).unwrap(), week);
    assert!(
        f.lib.portraits.list().unwrap().is_empty(),
        "8 days unused is past 7"
    );
}

#[test]
fn retention_runs_when_the_data_folder_opens() {
    let f = Folder::new();
    f.import("me.png", &astronaut_bytes());
    drop(f.lib);
    f.clock.set(start() + Duration::days(31));

    let lib = open(f.dir.path(), &f.clock);

    assert_eq!(lib.privacy.opening_expiry().unwrap().portraits, 1);
    assert!(lib.portraits.list().unwrap().is_empty());
    assert_eq!(vault_files(&lib).len(), 0);
}

#[test]
fn the_inventory_counts_sizes_dates_and_expiry_for_every_kind() {
    let f = Folder::new();
    let portrait = f.import("me.png", &astronaut_bytes());
    f.make_image(&portrait, 10);
    f.lib.style_pictures.import(&astronaut_variant(3)).unwrap();

    let inventory = f.lib.privacy.inventory().unwrap();
    let item = |kind| inventory.items.iter().find(|i| i.kind == kind).unwrap();

    assert_eq!(inventory.data_dir, f.dir.path().display().to_string());
    assert!(inventory.database_bytes > 0);
    let portraits = item(StoredKind::Portraits);
    assert_eq!(
        (portraits.count, portraits.bytes),
        (1, portrait.bytes as u64)
    );
    assert_eq!(portraits.rule, ExpiryRule::AfterLastUse);
    assert_eq!(portraits.kept_for_days, Some(30));
    assert_eq!(
        portraits.next_expiry.as_deref(),
        Some("2026-03-31T09:00:00Z")
    );
    assert_eq!(portraits.oldest.as_deref(), Some("2026-03-01T09:00:00Z"));
    assert!(portraits.location.ends_with("originals"));
    assert_eq!(item(StoredKind::Outputs).count, 1);
    assert_eq!(
        item(StoredKind::Outputs).next_expiry.as_deref(),
        Some("2026-05-30T09:00:00Z")
    );
    assert_eq!(item(StoredKind::StylePictures).count, 1);
    assert_eq!(item(StoredKind::StylePictures).rule, ExpiryRule::WhileUsed);
    assert_eq!(
        item(StoredKind::Thumbnails).count,
        2,
        "the portrait's and the image's"
    );
    assert_eq!(item(StoredKind::ModerationRecords).count, 1);
    assert_eq!(item(StoredKind::ConsentRecords).count, 3);
    assert_eq!(item(StoredKind::Jobs).count, 1);
    assert_eq!(item(StoredKind::Settings).rule, ExpiryRule::UntilDeleted);
    for i in &inventory.items {
        if i.count > 0 {
            assert!(i.bytes > 0, "{:?} has a size", i.kind);
        }
    }

    let until_deleted = RetentionPolicy {
        portrait_days: None,
        ..RetentionPolicy::default()
    };
    f.lib.privacy.set_retention(until_deleted).unwrap();
    let inventory = f.lib.privacy.inventory().unwrap();
    let portraits = inventory
        .items
        .iter()
        .find(|i| i.kind == StoredKind::Portraits)
        .unwrap();
    assert_eq!(
        (portraits.rule, portraits.next_expiry.as_deref()),
        (ExpiryRule::UntilDeleted, None)
    );
}

#[test]
fn a_refusal_is_listed_in_plain_terms_and_can_be_deleted_but_a_kept_portraits_record_cannot() {
    let f = Folder::new();
    let outcome = f
        .lib
        .portraits
        .import_bytes("me.png", &astronaut_bytes(), &mut |_| {});
    let band = ConfidenceBand::of(outcome.unwrap().moderation.unwrap().confidence);
    f.at_day(1);
    f.lib
        .portraits
        .import_bytes("two.png", &side_by_side(), &mut |_| {})
        .unwrap();

    let records = f.lib.portraits.moderation_records().unwrap();
    assert_eq!(records.len(), 2);
    let (refusal, accepted) = (&records[0], &records[1]);
    assert_eq!(
        (refusal.decision, refusal.reason),
        (Decision::Reject, Reason::MultiplePeople)
    );
    assert_eq!(refusal.age_limit, 25.0);
    assert_eq!(refusal.decided_at, "2026-03-02T09:00:00Z");
    assert_eq!(refusal.expires_at.as_deref(), Some("2029-03-01T09:00:00Z"));
    assert!(!refusal.in_use);
    assert_eq!(accepted.decision, Decision::Accept);
    assert_eq!(
        accepted.confidence_band, band,
        "kept as a band, not a score"
    );
    assert!(accepted.in_use);
    assert_eq!(accepted.expires_at, None, "it goes with its portrait");

    let in_use = f
        .lib
        .portraits
        .delete_moderation_record(accepted.id)
        .unwrap_err();
    assert_eq!(in_use.code(), ErrorCode::RecordInUse);
    f.lib
        .portraits
        .delete_moderation_record(refusal.id)
        .unwrap();
    let left: Vec<i64> = f
        .lib
        .portraits
        .moderation_records()
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(left, [accepted.id]);
    let gone = f
        .lib
        .portraits
        .delete_moderation_record(refusal.id)
        .unwrap_err();
    assert_eq!(gone.code(), ErrorCode::NotFound);
}

#[test]
fn withdrawing_one_consent_keeps_the_other_answers_and_deletes_every_portrait_and_image() {
    let f = Folder::new();
    let portrait = f.import("me.png", &astronaut_bytes());
    f.make_image(&portrait, 10);

    let outcome = f
        .lib
        .privacy
        .withdraw_purpose(ConsentKind::FaceProcessing)
        .unwrap();

    assert_eq!(outcome.portraits_deleted, 1);
    let status = f.lib.consent.status().unwrap();
    assert!(status.adult && status.photo_rights);
    assert!(!status.face_processing && !status.complete);
    assert!(f.outputs().is_empty());
    assert_eq!(vault_files(&f.lib).len(), 0);
}

#[test]
fn a_consent_record_keeps_the_language_and_the_hash_of_the_exact_wording_shown() {
    let f = Folder::new();
    let history = f.lib.consent.history().unwrap();
    let expected = sha256_hex(wording().text.as_bytes());
    assert_eq!(history.len(), 3);
    for record in &history {
        assert_eq!(record.language.as_deref(), Some("en"));
        assert_eq!(record.wording_sha256.as_deref(), Some(expected.as_str()));
    }

    let no_language = ConsentWording {
        language: "English please".into(),
        text: wording().text,
    };
    let refused = f
        .lib
        .privacy
        .record_consent(ALL_CONSENT, &no_language)
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::InvalidInput);
    let nothing_shown = ConsentWording {
        language: "de".into(),
        text: "  ".into(),
    };
    assert_eq!(
        f.lib
            .privacy
            .record_consent(ALL_CONSENT, &nothing_shown)
            .unwrap_err()
            .code(),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        f.lib.consent.history().unwrap().len(),
        3,
        "a refused answer records nothing"
    );
}

#[test]
fn deleting_a_portrait_can_take_the_images_made_from_it_or_leave_them_in_the_history() {
    let f = Folder::new();
    let with_images = f.import("with.png", &astronaut_variant(1));
    let without = f.import("without.png", &astronaut_variant(2));
    let gone = f.make_image(&with_images, 10);
    let stays = f.make_image(&without, 20);
    assert_eq!(f.lib.privacy.images_made_from(with_images.id).unwrap(), 1);

    f.lib.privacy.delete_portrait(with_images.id, true).unwrap();
    f.lib.privacy.delete_portrait(without.id, false).unwrap();

    let left = f.outputs();
    assert_eq!(left.len(), 1);
    assert_eq!((left[0].id, left[0].portrait_id), (stays.id, None));
    assert!(!gone.image_file(&f.lib.vault).exists());
    assert!(stays.image_file(&f.lib.vault).is_file());
    assert!(!with_images.image_file(&f.lib.vault).exists());
    let missing = f
        .lib
        .privacy
        .delete_portrait(with_images.id, true)
        .unwrap_err();
    assert_eq!(missing.code(), ErrorCode::NotFound);
}

#[test]
fn style_pictures_are_listed_with_their_use_and_can_be_deleted() {
    let f = Folder::new();
    let sha = f.lib.style_pictures.import(&astronaut_variant(5)).unwrap();

    let listed = f.lib.style_pictures.list().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].sha256.as_str(), listed[0].used_by),
        (sha.as_str(), 0)
    );
    assert!(listed[0].bytes > 0);
    assert!(clock::parse_stored(&listed[0].stored_at).is_some());

    f.lib.style_pictures.delete(&sha).unwrap();
    assert!(f.lib.style_pictures.list().unwrap().is_empty());
    assert!(!f.lib.vault.path(Kind::StylePicture, &sha).exists());
    assert_eq!(
        f.lib.style_pictures.delete(&sha).unwrap_err().code(),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        f.lib.style_pictures.delete("../../etc").unwrap_err().code(),
        ErrorCode::InvalidInput
    );
}

/// The sweep is batched: a backlog larger than one batch is deleted whole.
#[test]
fn retention_deletes_a_backlog_larger_than_one_batch() {
    let f = Folder::new();
    let portrait = f.import("me.png", &astronaut_bytes());
    let image = f.make_image(&portrait, 10);
    let rows = likeness_core::privacy::expiry::BATCH as i64 * 2 + 7;
    f.lib
        .db
        .write(|tx| {
            for n in 0..rows {
                tx.execute(
                    "INSERT INTO outputs (sha256, format, width, height, bytes, settings_json, engine,
                         model_hashes_json, created_at)
                     VALUES (?1, 'png', 1, 1, 1, '{}', 'test', '{}', '2026-03-01T09:00:00Z')",
                    [sha256_hex(&n.to_le_bytes())],
                )?;
            }
            Ok::<_, likeness_core::db::DbError>(())
        })
        .unwrap();
    f.at_day(91);
    f.lib.portraits.keep(portrait.id).unwrap();

    assert_eq!(f.lib.privacy.expire().unwrap().outputs as i64, rows + 1);
    assert!(!image.image_file(&f.lib.vault).exists());
}
