//! The Library, end to end, in the real app window: import through the file
//! picker input, see it, restart, see it again, delete it, and check the disk.

use fantoccini::Locator;
use likeness_e2e::*;

const CARD: &str = "[data-testid='portrait-card']";

/// The name shown on a card. (WebKitWebDriver's "element text" reports "" for
/// a single-line ellipsised heading, so read the rendered text node directly.)
async fn card_name(app: &fantoccini::Client, card: &fantoccini::elements::Element) -> String {
    let name = card
        .find(Locator::Css("[data-testid='portrait-name']"))
        .await
        .unwrap();
    let arg = serde_json::to_value(&name).unwrap();
    let text = app
        .execute("return arguments[0].textContent.trim();", vec![arg])
        .await
        .unwrap();
    text.as_str().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "current_thread")]
async fn a_user_imports_a_portrait_sees_it_after_a_restart_and_deletes_it_from_disk() {
    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start(4444, data.path());

    let app = driver.launch().await;
    accept_consent(&app).await;
    pick_files(&app, &[&astronaut()]).await;
    let card = wait_for(&app, CARD).await;
    assert_eq!(card_name(&app, &card).await, "astronaut.png");
    let text = card.text().await.unwrap();
    assert!(text.contains("512 × 512"), "card shows: {text}");
    let loaded: bool = app
        .execute(
            "const img = document.querySelector(\"[data-testid='portrait-thumb']\");\
             return img.complete && img.naturalWidth > 0;",
            vec![],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap();
    assert!(loaded, "the thumbnail image loads from the vault");
    let originals = data.path().join("vault/originals");
    assert_eq!(
        files_under(&originals).len(),
        1,
        "the portrait is stored on disk"
    );
    app.close().await.unwrap();

    let app = driver.launch().await;
    wait_for_count(&app, CARD, 1).await;
    let card = app.find(Locator::Css(CARD)).await.unwrap();
    assert_eq!(
        card_name(&app, &card).await,
        "astronaut.png",
        "still there after a restart"
    );

    card.find(Locator::Css("[data-testid='delete-portrait']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&app, "[data-testid='confirm-delete']")
        .await
        .click()
        .await
        .unwrap();
    wait_for_count(&app, CARD, 0).await;
    wait_for(&app, "[data-testid='library-empty']").await;
    assert!(
        files_under(&originals).is_empty(),
        "the image is gone from disk"
    );
    assert!(
        files_under(&data.path().join("vault/thumbs")).is_empty(),
        "and its thumbnail"
    );
    app.close().await.unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn bad_files_show_their_error_in_plain_words_and_nothing_is_stored() {
    let data = tempfile::tempdir().unwrap();
    let inputs = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = inputs.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let png = std::fs::read(astronaut()).unwrap();
    let mut damaged = png.clone();
    let mid = damaged.len() / 2;
    damaged[100..mid]
        .iter_mut()
        .for_each(|b| *b = b.wrapping_mul(31).wrapping_add(7));
    let oversized = inputs.path().join("huge.jpg");
    std::fs::File::create(&oversized)
        .unwrap()
        .set_len(51 * 1024 * 1024)
        .unwrap();
    let cases = [
        (write("empty.png", b""), "empty_file", "empty"),
        (
            write("notes.jpg", b"just some text, renamed"),
            "unsupported_format",
            "isn't a JPEG, PNG or WebP",
        ),
        (
            write("cut.png", &png[..png.len() / 2]),
            "truncated_image",
            "incomplete",
        ),
        (oversized, "file_too_large", "50 MB"),
        (write("damaged.png", &damaged), "corrupt_image", "damaged"),
    ];

    let driver = Driver::start(4446, data.path());
    let app = driver.launch().await;
    accept_consent(&app).await;
    let paths: Vec<&std::path::Path> = cases.iter().map(|c| c.0.as_path()).collect();
    pick_files(&app, &paths).await;
    wait_for_count(&app, "[data-testid='import-error']", cases.len()).await;

    for (path, code, words) in &cases {
        let name = path.file_name().unwrap().to_str().unwrap();
        let error = app
            .find(Locator::Css(&format!(
                "[data-testid='import-error'][data-code='{code}']"
            )))
            .await
            .unwrap_or_else(|_| panic!("{name} shows {code}"));
        let text = error.text().await.unwrap();
        assert!(
            text.contains(name) && text.contains(words),
            "{name}: {text}"
        );
    }
    assert!(app.find_all(Locator::Css(CARD)).await.unwrap().is_empty());
    assert!(
        files_under(&data.path().join("vault")).is_empty(),
        "nothing stored"
    );
    app.close().await.unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn a_new_user_consents_then_an_adult_portrait_is_accepted_and_a_group_photo_is_refused() {
    let data = tempfile::tempdir().unwrap();
    let inputs = tempfile::tempdir().unwrap();
    let pair = inputs.path().join("two of us.png");
    std::fs::write(&pair, side_by_side_png()).unwrap();

    let driver = Driver::start(4448, data.path());
    let app = driver.launch().await;
    accept_consent(&app).await;

    pick_files(&app, &[&astronaut()]).await;
    wait_for_count(&app, CARD, 1).await;

    pick_files(&app, &[&pair]).await;
    let rejection = wait_for(
        &app,
        "[data-testid='import-rejection'][data-reason='multiple_people']",
    )
    .await;
    let text = rejection.text().await.unwrap();
    assert!(
        text.contains("We found 2 people. Use a photo of just you."),
        "shows: {text}"
    );
    wait_for_count(&app, CARD, 1).await;
    assert_eq!(
        files_under(&data.path().join("vault/originals")).len(),
        1,
        "only the accepted portrait is on disk; the group photo is gone"
    );
    app.close().await.unwrap();
}
