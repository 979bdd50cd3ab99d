//! The privacy centre, end to end, in the real window: a user exports all
//! their data, deletes everything (and gets a receipt), and on the fresh
//! start imports the archive and sees their portrait again.

use fantoccini::{Client, Locator};
use likeness_e2e::*;

const CARD: &str = "[data-testid='portrait-card']";

/// The text of the first element matching `css`, once it has some.
async fn text_of(app: &Client, css: &str, what: &str) -> String {
    wait_until(what, DEADLINE, async || {
        let text = app.find(Locator::Css(css)).await?.text().await?;
        check(!text.trim().is_empty(), || format!("{css} is empty"))?;
        Ok(text)
    })
    .await
}

#[tokio::test(flavor = "current_thread")]
async fn a_user_exports_everything_deletes_it_all_and_imports_the_archive_to_get_their_portrait_back(
) {
    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start(4456, data.path());
    let app = driver.launch().await;
    accept_consent(&app).await;
    pick_files(&app, &[&astronaut()]).await;
    wait_for_count(&app, CARD, 1).await;

    click(&app, "[data-testid='nav-privacy']").await;
    wait_for(&app, "[data-testid='privacy-page']").await;
    let stored = text_of(
        &app,
        "[data-testid='inventory-portraits']",
        "the inventory lists the portrait",
    )
    .await;
    assert!(stored.contains('1'), "the inventory row says {stored:?}");

    click(&app, "[data-testid='privacy-export']").await;
    let done = text_of(
        &app,
        "[data-testid='privacy-export-done']",
        "the export says where it went",
    )
    .await;
    let archives = wait_for_files(&data.path().join("Pictures/Likeness"), 1).await;
    let archive = archives[0].clone();
    assert_eq!(archive.extension().unwrap(), "zip");
    assert!(
        done.contains("likeness-export-"),
        "the result names the archive: {done:?}"
    );

    click(&app, "[data-testid='privacy-delete-all']").await;
    click(&app, "[data-testid='delete-all-confirm']").await;
    let receipt = text_of(
        &app,
        "[data-testid='deletion-receipt']",
        "a receipt is shown",
    )
    .await;
    assert!(
        receipt.contains('1'),
        "the receipt counts the portrait: {receipt:?}"
    );
    let left: Vec<_> = files_under(&data.path().join("vault"));
    assert_eq!(
        left,
        Vec::<std::path::PathBuf>::new(),
        "no file is left in the vault"
    );
    click(&app, "[data-testid='deletion-receipt-close']").await;

    // Consent went too: the app starts over at the gate.
    accept_consent(&app).await;
    click(&app, "[data-testid='nav-privacy']").await;
    let input = wait_for(&app, "[data-testid='archive-import-input']").await;
    input.send_keys(archive.to_str().unwrap()).await.unwrap();
    let imported = text_of(
        &app,
        "[data-testid='archive-import-done']",
        "the import reports what came back",
    )
    .await;
    assert!(
        imported.contains("1 portrait"),
        "the import says {imported:?}"
    );

    click(&app, "[data-testid='nav-library']").await;
    wait_for_count(&app, CARD, 1).await;
    wait_for_script(
        &app,
        "the portrait's thumbnail loads again",
        "const img = document.querySelector(\"[data-testid='portrait-thumb']\");\
         return img !== null && img.complete && img.naturalWidth > 0;",
    )
    .await;
    app.close().await.unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn without_a_keyring_the_app_says_why_and_opens_no_library() {
    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start_without_keyring(4458, data.path());
    let app = driver.launch().await;
    let error = wait_for(
        &app,
        "[data-testid='startup-error'][data-code='keyring_unavailable']",
    )
    .await;
    let text = error.text().await.unwrap();
    assert!(text.contains("system keyring"), "the window says {text:?}");
    assert!(
        app.find(Locator::Css("[data-testid='consent-gate']"))
            .await
            .is_err(),
        "nothing else is offered"
    );
    app.close().await.unwrap();
    assert!(
        std::fs::metadata(data.path().join("likeness.db")).map_or(true, |m| m.len() == 0),
        "no library was made without its key"
    );
}
