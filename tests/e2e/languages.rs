//! Languages, end to end in the real window: a person picks Japanese on the
//! consent gate, agrees in it and has a group photo refused in it; then
//! switches to German in Settings, has the photo refused in German, and
//! agrees again, in German, after withdrawing consent. Each consent record
//! names the language its wording was shown in.

use fantoccini::{Client, Locator};
use likeness_e2e::*;
use serde_json::Value;

/// The message `id` in `locale`, from the catalogue the window reads.
fn message(locale: &str, id: &str) -> String {
    let path = repo_root().join(format!("ui/src/lib/i18n/messages/common/{locale}.json"));
    let catalogue: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    catalogue[id].as_str().unwrap().to_string()
}

/// Import the group photo and wait until its refusal reads `expected`.
async fn refused_in(app: &Client, pair: &std::path::Path, expected: &[&str]) {
    pick_files(app, &[pair]).await;
    wait_until(
        "the refusal is in the language on screen",
        DEADLINE,
        async || {
            let text = app
                .find(Locator::Css(
                    "[data-testid='import-rejection'][data-reason='multiple_people']",
                ))
                .await?
                .text()
                .await?;
            check(expected.iter().all(|part| text.contains(part)), || {
                format!("it says {text:?}")
            })
        },
    )
    .await;
}

/// The language of the newest granted consent record.
async fn last_consent_language(app: &Client) -> Value {
    let history = invoke(app, "consent_history", serde_json::json!({}))
        .await
        .unwrap();
    let granted: Vec<&Value> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["granted"] == true)
        .collect();
    granted
        .iter()
        .max_by_key(|r| r["id"].as_i64())
        .map(|r| r["language"].clone())
        .unwrap_or(Value::Null)
}

#[tokio::test(flavor = "current_thread")]
async fn a_person_agrees_and_is_refused_in_japanese_then_in_german_and_each_consent_names_its_language(
) {
    let data = tempfile::tempdir().unwrap();
    let inputs = tempfile::tempdir().unwrap();
    let pair = inputs.path().join("two of us.png");
    std::fs::write(&pair, side_by_side_png()).unwrap();
    let driver = Driver::start(4482, data.path());
    let app = driver.launch().await;

    // The gate offers the languages before anything is agreed to.
    let picker = wait_for(
        &app,
        "[data-testid='consent-gate'] [data-testid='language']",
    )
    .await;
    picker.select_by_value("ja").await.unwrap();
    let heading = message("ja", "consent.heading");
    wait_for_script(
        &app,
        "the gate speaks Japanese",
        &format!("return document.documentElement.lang === 'ja' && document.querySelector('h1').textContent.trim() === {heading:?};"),
    )
    .await;
    accept_consent(&app).await;
    assert_eq!(last_consent_language(&app).await, "ja");
    refused_in(&app, &pair, &["2人が写っています", "あなた1人だけ"]).await;

    click(&app, "[data-testid='nav-settings']").await;
    wait_for(&app, "[data-testid='language']")
        .await
        .select_by_value("de")
        .await
        .unwrap();
    let settings = message("de", "nav.settings");
    wait_for_script(
        &app,
        "the app speaks German at once",
        &format!("return document.documentElement.lang === 'de' && document.querySelector('h1').textContent.trim() === {settings:?};"),
    )
    .await;
    click(&app, "[data-testid='nav-library']").await;
    refused_in(
        &app,
        &pair,
        &["Es wurden 2 Personen gefunden", "nur Sie zu sehen"],
    )
    .await;

    click(&app, "[data-testid='nav-privacy']").await;
    click(&app, "[data-testid='withdraw-consent']").await;
    click(&app, "[data-testid='confirm-withdraw']").await;
    let heading = message("de", "consent.heading");
    wait_for_script(
        &app,
        "the gate asks again, in German",
        &format!("return document.querySelector(\"[data-testid='consent-gate'] h1\")?.textContent.trim() === {heading:?};"),
    )
    .await;
    accept_consent(&app).await;
    assert_eq!(last_consent_language(&app).await, "de");
    app.close().await.unwrap();
}
