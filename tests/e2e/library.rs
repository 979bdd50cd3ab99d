//! The Library, end to end, in the real app window: import through the file
//! picker input, see it, restart, see it again, delete it, and check the disk.

use fantoccini::{Client, Locator};
use likeness_e2e::*;

const CARD: &str = "[data-testid='portrait-card']";

/// The name shown on the first card. (WebKitWebDriver's "element text"
/// reports "" for a single-line ellipsised heading, so read the rendered text
/// node directly.)
async fn card_name(app: &Client) -> Result<String, NotYet> {
    let name = app
        .find(Locator::Css(
            "[data-testid='portrait-card'] [data-testid='portrait-name']",
        ))
        .await?;
    let text = app
        .execute(
            "return arguments[0].textContent.trim();",
            vec![serde_json::to_value(&name)?],
        )
        .await?;
    Ok(text.as_str().unwrap_or_default().to_owned())
}

/// Wait until the first card is named `expected`.
async fn wait_for_card_named(app: &Client, expected: &str, what: &str) {
    wait_until(what, DEADLINE, async || {
        let name = card_name(app).await?;
        check(name == expected, || format!("the card is named {name:?}"))
    })
    .await
}

#[tokio::test(flavor = "current_thread")]
async fn a_user_imports_a_portrait_sees_it_after_a_restart_and_deletes_it_from_disk() {
    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start(4444, data.path());

    let app = driver.launch().await;
    accept_consent(&app).await;
    pick_files(&app, &[&astronaut()]).await;
    wait_for(&app, CARD).await;
    wait_for_card_named(&app, "astronaut.png", "the card names the file").await;
    wait_until("the card shows the size", DEADLINE, async || {
        let text = app.find(Locator::Css(CARD)).await?.text().await?;
        check(text.contains("512 × 512"), || {
            format!("the card shows {text:?}")
        })
    })
    .await;
    wait_for_script(
        &app,
        "the thumbnail image loads from the vault",
        "const img = document.querySelector(\"[data-testid='portrait-thumb']\");\
         return img !== null && img.complete && img.naturalWidth > 0;",
    )
    .await;
    let originals = data.path().join("vault/originals");
    wait_for_files(&originals, 1).await; // the portrait is stored on disk
    app.close().await.unwrap();

    let app = driver.launch().await;
    wait_for_count(&app, CARD, 1).await;
    wait_for_card_named(&app, "astronaut.png", "still there after a restart").await;

    wait_for(&app, &format!("{CARD} [data-testid='delete-portrait']"))
        .await
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
    wait_for_files(&originals, 0).await; // the image is gone from disk
    wait_for_files(&data.path().join("vault/thumbs"), 0).await; // and its thumbnail
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
        let css = format!("[data-testid='import-error'][data-code='{code}']");
        wait_until(&format!("{name} shows {code}"), DEADLINE, async || {
            let text = app.find(Locator::Css(&css)).await?.text().await?;
            check(text.contains(name) && text.contains(words), || {
                format!("it says {text:?}")
            })
        })
        .await;
    }
    wait_for_count(&app, CARD, 0).await;
    wait_for_files(&data.path().join("vault"), 0).await; // nothing stored
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
    wait_until("the rejection says why", DEADLINE, async || {
        let text = rejection.text().await?;
        check(
            text.contains("We found 2 people. Use a photo of just you."),
            || format!("it says {text:?}"),
        )
    })
    .await;
    wait_for_count(&app, CARD, 1).await;
    screenshot(&app, "screenshot").await;
    // Only the accepted portrait is on disk; the group photo is gone.
    wait_for_files(&data.path().join("vault/originals"), 1).await;
    app.close().await.unwrap();
}
