//! The axe-core checker, inside the real window, on every page and dialog a
//! user meets, in the light and the dark theme: no serious or critical
//! problem anywhere.

use fantoccini::Client;
use likeness_e2e::*;

/// A dialog on show (the app's dialogs are `Dialog.svelte`'s).
const DIALOG: &str = "[role='dialog'], [role='alertdialog']";

/// Problems found so far, each with where it was found.
#[derive(Default)]
struct Findings(Vec<String>);

impl Findings {
    /// Check the window as it is now, in both themes.
    async fn check(&mut self, app: &Client, place: &str) {
        for theme in ["light", "dark"] {
            for problem in serious_accessibility_problems(app, theme).await {
                self.0.push(format!("{place} ({theme}): {problem}"));
            }
        }
    }
}

/// Close the dialog on show with Escape, as a keyboard user would.
async fn escape(app: &Client) {
    app.active_element()
        .await
        .unwrap()
        .send_keys("\u{E00C}")
        .await
        .unwrap();
    wait_for_script(
        app,
        "the dialog has closed",
        &format!("return document.querySelector({DIALOG:?}) === null;"),
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn every_page_and_dialog_passes_the_axe_checker_in_the_light_and_the_dark_theme() {
    let data = tempfile::tempdir().unwrap();
    let inputs = tempfile::tempdir().unwrap();
    let pair = inputs.path().join("two of us.png");
    std::fs::write(&pair, side_by_side_png()).unwrap();
    let driver = Driver::start(4480, data.path());
    let app = driver.launch().await;
    let mut found = Findings::default();

    wait_for(&app, "[data-testid='consent-gate']").await;
    found.check(&app, "the consent gate").await;
    accept_consent(&app).await;
    found.check(&app, "the empty Library").await;

    pick_files(&app, &[&astronaut()]).await;
    wait_for(&app, "[data-testid='portrait-card']").await;
    pick_files(&app, &[&pair]).await;
    wait_for(&app, "[data-testid='import-rejection']").await;
    found
        .check(&app, "the Library with a portrait and a refusal")
        .await;
    click(&app, "[data-testid='portrait-thumb']").await;
    wait_for(&app, DIALOG).await;
    found.check(&app, "the portrait viewer").await;
    escape(&app).await;
    click(&app, "[data-testid='delete-portrait']").await;
    wait_for(&app, DIALOG).await;
    found.check(&app, "the delete-portrait dialog").await;
    escape(&app).await;

    click(&app, "[data-testid='nav-studio']").await;
    click(&app, "[data-testid='studio-portrait']").await;
    click(&app, "[data-testid='style-style-10']").await;
    click(&app, "[data-testid='generate-preview']").await;
    wait_for_within(
        &app,
        "[data-testid='job'][data-state='done']",
        std::time::Duration::from_secs(90),
    )
    .await;
    wait_for(&app, "[data-testid='preview-image']").await;
    found.check(&app, "the Studio with a preview").await;

    click(&app, "[data-testid='nav-history']").await;
    wait_for(&app, "[data-testid='output-tile']").await;
    found.check(&app, "History").await;
    click(&app, "[data-testid='output-tile'] button").await;
    wait_for(&app, "[data-testid='output-detail']").await;
    found.check(&app, "a result's detail, with export").await;
    escape(&app).await;

    click(&app, "[data-testid='nav-store']").await;
    wait_for(&app, "[data-testid='store-page']").await;
    found.check(&app, "the Store").await;

    click(&app, "[data-testid='nav-privacy']").await;
    wait_for(&app, "[data-testid='privacy-inventory']").await;
    found.check(&app, "the privacy centre").await;
    click(&app, "[data-testid='withdraw-consent']").await;
    wait_for(&app, DIALOG).await;
    found.check(&app, "the withdraw-consent dialog").await;
    escape(&app).await;
    click(&app, "[data-testid='privacy-delete-all']").await;
    wait_for(&app, DIALOG).await;
    found.check(&app, "the delete-everything dialog").await;
    escape(&app).await;

    click(&app, "[data-testid='nav-settings']").await;
    wait_for(&app, "[data-testid='language']").await;
    found.check(&app, "Settings").await;

    assert!(
        found.0.is_empty(),
        "axe-core found serious or critical problems:\n{}",
        found.0.join("\n")
    );
    app.close().await.unwrap();
}
