//! The History: filters, pages and deletes what the queue made.

use std::path::Path;
use std::sync::Arc;

use likeness_core::db::Db;
use likeness_core::history::OutputFilter;
use likeness_core::jobs::{JobQueue, JobState};
use likeness_core::{Coded, ErrorCode};

use crate::fixtures::Stored;
use crate::stand_in::{
    accepted_portrait, all_outputs, page_through, preview, wait_state, Data, Probe,
};

/// Made by the History tests: (id, portrait, style, created_at, favourite).
struct Made {
    id: i64,
    portrait: i64,
    style: Option<&'static str>,
    created_at: String,
    favourite: bool,
}

/// Twelve outputs over two portraits, three styles (one given as an object,
/// one missing), four days (three outputs a day, sharing one timestamp), and
/// every third a favourite.
fn made_history(data: &Data, queue: &JobQueue, store: &Db) -> Vec<Made> {
    let portraits = [
        accepted_portrait(store, "a.png"),
        accepted_portrait(store, "b.png"),
    ];
    let styles = [Some("oil"), Some("ink"), None];
    let mut made = Vec::new();
    for i in 0..12 {
        let style = styles[i % 3];
        let settings = match (i % 2, style) {
            (0, Some(s)) => serde_json::json!({ "style": s, "shade": i }),
            (_, Some(s)) => {
                serde_json::json!({ "style": { "key": s, "strength": 0.5 }, "shade": i })
            }
            (_, None) => serde_json::json!({ "shade": i }),
        };
        let portrait = portraits[i % 2];
        let job = preview(queue, portrait, settings);
        wait_state(queue, job, JobState::Done);
        let output = queue
            .history()
            .list_outputs(&OutputFilter {
                limit: 1,
                ..Default::default()
            })
            .unwrap()
            .outputs
            .remove(0);
        assert_eq!(output.job_id, Some(job));
        let created_at = format!("2026-03-0{}T10:00:00Z", 1 + i / 3);
        data.sql(
            "UPDATE outputs SET created_at = ?2 WHERE id = ?1",
            (output.id, &created_at),
        );
        let favourite = i % 3 == 1;
        if favourite {
            assert!(
                queue
                    .history()
                    .set_favourite(output.id, true)
                    .unwrap()
                    .favourite
            );
        }
        made.push(Made {
            id: output.id,
            portrait,
            style,
            created_at,
            favourite,
        });
    }
    // Newest first; ties by id, newest first.
    made.sort_by(|a, b| (&b.created_at, b.id).cmp(&(&a.created_at, a.id)));
    made
}

fn expected(made: &[Made], keep: impl Fn(&Made) -> bool) -> Vec<i64> {
    made.iter().filter(|m| keep(m)).map(|m| m.id).collect()
}

#[test]
fn a_blend_is_found_under_each_of_its_styles_and_an_own_picture_under_picture() {
    let data = Data::new();
    let (queue, store, _) = data.start(&Arc::new(Probe::default()));
    let portrait = accepted_portrait(&store, "a.png");
    let preset = |mix: serde_json::Value, key: &str| serde_json::json!({ "style": { "kind": "preset", "mix": mix }, "styleKey": key });
    let made = [
        preset(
            serde_json::json!([["style-01", 0.5], ["style-13", 0.5]]),
            "style-13",
        ),
        preset(serde_json::json!([["style-13", 1.0]]), "style-13"),
        serde_json::json!({
            "style": { "kind": "picture", "pictureSha256": "ab" },
            "styleKey": "picture"
        }),
    ]
    .map(|settings| {
        let job = preview(&queue, portrait, settings);
        wait_state(&queue, job, JobState::Done);
        let outputs = queue
            .history()
            .list_outputs(&OutputFilter::default())
            .unwrap();
        outputs
            .outputs
            .into_iter()
            .find(|o| o.job_id == Some(job))
            .unwrap()
            .id
    });
    let under = |style: &str| {
        let filter = OutputFilter {
            style_key: Some(style.into()),
            ..Default::default()
        };
        let mut ids = page_through(queue.history(), filter, 100);
        ids.sort();
        ids
    };

    assert_eq!(under("style-01"), [made[0]]);
    assert_eq!(under("style-13"), [made[0], made[1]]);
    assert_eq!(under("picture"), [made[2]]);
    assert!(under("style-02").is_empty());
}

#[test]
fn history_filters_by_portrait_style_date_and_favourite() {
    let data = Data::new();
    let (queue, store, _) = data.start(&Arc::new(Probe::default()));
    let made = made_history(&data, &queue, &store);
    let history = queue.history();
    let list = |filter: OutputFilter| page_through(history, filter, 100);

    let portrait = made[0].portrait;
    assert_eq!(
        list(OutputFilter {
            portrait_id: Some(portrait),
            ..Default::default()
        }),
        expected(&made, |m| m.portrait == portrait)
    );
    assert_eq!(
        list(OutputFilter {
            style_key: Some("ink".into()),
            ..Default::default()
        }),
        expected(&made, |m| m.style == Some("ink"))
    );
    assert_eq!(
        list(OutputFilter {
            since: Some("2026-03-02".into()),
            until: Some("2026-03-04T00:00:00+00:00".into()),
            ..Default::default()
        }),
        expected(&made, |m| {
            m.created_at.as_str() >= "2026-03-02" && m.created_at.as_str() < "2026-03-04"
        })
    );
    assert_eq!(
        list(OutputFilter {
            favourites_only: true,
            ..Default::default()
        }),
        expected(&made, |m| m.favourite)
    );
    assert_eq!(
        list(OutputFilter {
            portrait_id: Some(portrait),
            style_key: Some("oil".into()),
            since: Some("2026-03-02T00:00:00Z".into()),
            ..Default::default()
        }),
        expected(&made, |m| {
            m.portrait == portrait
                && m.style == Some("oil")
                && m.created_at.as_str() >= "2026-03-02"
        })
    );

    history.set_favourite(made[0].id, false).unwrap();
    assert!(!list(OutputFilter {
        favourites_only: true,
        ..Default::default()
    })
    .contains(&made[0].id));
    let bad_date = history
        .list_outputs(&OutputFilter {
            since: Some("last tuesday".into()),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(bad_date.code(), ErrorCode::InvalidInput);
    assert_eq!(
        history.set_favourite(9999, true).unwrap_err().code(),
        ErrorCode::OutputNotFound
    );
}

#[test]
fn history_pages_without_duplicates_or_gaps_even_as_new_images_arrive() {
    let data = Data::new();
    let (queue, store, _) = data.start(&Arc::new(Probe::default()));
    let made = made_history(&data, &queue, &store);
    let history = queue.history();
    let all = expected(&made, |_| true);

    for size in [1, 5, 12, 13] {
        assert_eq!(
            page_through(history, OutputFilter::default(), size),
            all,
            "pages of {size}"
        );
    }
    let portrait = made[0].portrait;
    let filter = OutputFilter {
        portrait_id: Some(portrait),
        ..Default::default()
    };
    assert_eq!(
        page_through(history, filter, 4),
        expected(&made, |m| m.portrait == portrait)
    );

    // A new image arrives between page 1 and page 2: it is newer than both,
    // so page 2 neither repeats nor skips anything.
    let first = history
        .list_outputs(&OutputFilter {
            limit: 5,
            ..Default::default()
        })
        .unwrap();
    let job = preview(&queue, portrait, serde_json::json!({ "shade": 99 }));
    wait_state(&queue, job, JobState::Done);
    let rest = page_through(
        history,
        OutputFilter {
            after: first.next,
            ..Default::default()
        },
        5,
    );
    let mut seen: Vec<i64> = first.outputs.iter().map(|o| o.id).collect();
    seen.extend(rest);
    assert_eq!(seen, all);
}

#[test]
fn deleting_an_output_removes_its_file_unless_another_output_shares_it() {
    let data = Data::new();
    let (queue, store, _) = data.start(&Arc::new(Probe::default()));
    let portrait = accepted_portrait(&store, "me.png");
    // The same settings paint the very same image twice: one file, two outputs.
    for _ in 0..2 {
        let id = preview(&queue, portrait, serde_json::json!({ "shade": 5 }));
        wait_state(&queue, id, JobState::Done);
    }
    let history = queue.history();
    let outputs = history
        .list_outputs(&OutputFilter::default())
        .unwrap()
        .outputs;
    assert_eq!(outputs.len(), 2);
    assert_eq!(outputs[0].sha256, outputs[1].sha256);
    assert_eq!(data.vault_output_files().len(), 1);
    let vault = data.vault();
    let (image, thumb) = (
        &outputs[0].image_file(&vault),
        &outputs[0].thumb_file(&vault),
    );

    history.delete_output(outputs[0].id).unwrap();
    assert_eq!(
        history.get_output(outputs[0].id).unwrap_err().code(),
        ErrorCode::OutputNotFound
    );
    assert!(
        Path::new(image).is_file(),
        "the other output still shows it"
    );
    assert!(Path::new(thumb).is_file());
    assert_eq!(
        history
            .get_output(outputs[1].id)
            .unwrap()
            .image_file(&vault),
        *image
    );

    history.delete_output(outputs[1].id).unwrap();
    assert!(!Path::new(image).exists());
    assert!(!Path::new(thumb).exists());
    assert!(all_outputs(history).is_empty());
    assert_eq!(
        history.delete_output(outputs[1].id).unwrap_err().code(),
        ErrorCode::OutputNotFound
    );
}

#[test]
fn an_output_whose_thumbnail_cannot_be_removed_is_still_deleted() {
    let data = Data::new();
    let (queue, store, _) = data.start(&Arc::new(Probe::default()));
    let portrait = accepted_portrait(&store, "me.png");
    let id = preview(&queue, portrait, serde_json::json!({ "shade": 9 }));
    wait_state(&queue, id, JobState::Done);
    let history = queue.history();
    let output = history.get_output(all_outputs(history)[0]).unwrap();
    // Removing the thumbnail fails: a folder stands where the file was.
    let thumb = &output.thumb_file(&data.vault());
    std::fs::remove_file(thumb).unwrap();
    std::fs::create_dir(thumb).unwrap();
    std::fs::write(thumb.join("keep"), b"x").unwrap();

    history
        .delete_output(output.id)
        .expect("the deletion stands once its row is gone");
    assert_eq!(
        history.get_output(output.id).unwrap_err().code(),
        ErrorCode::OutputNotFound
    );
    assert!(
        !output.image_file(&data.vault()).exists(),
        "its image is removed"
    );
    assert!(all_outputs(history).is_empty());
}
