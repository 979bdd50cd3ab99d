//! The Studio and History, end to end in the real window: generate a preview
//! from a portrait, watch its progress, find it in History, export it, and
//! check the exported file on disk.

use std::time::Duration;

use fantoccini::Locator;
use likeness_e2e::*;

#[tokio::test(flavor = "current_thread")]
async fn a_user_generates_a_preview_finds_it_in_history_and_exports_it() {
    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start(4452, data.path());
    let app = driver.launch().await;
    accept_consent(&app).await;
    pick_files(&app, &[&astronaut()]).await;
    wait_for(&app, "[data-testid='portrait-card']").await;

    click(&app, "[data-testid='nav-studio']").await;
    click(&app, "[data-testid='studio-portrait']").await;
    click(&app, "[data-testid='framing-headshot']").await;
    click(&app, "[data-testid='orientation-1x1']").await;
    click(&app, "[data-testid='background-blur']").await;
    click(&app, "[data-testid='style-style-03']").await;
    click(&app, "[data-testid='generate-preview']").await;

    // The job shows up in the queue with a progress bar, and finishes.
    wait_for(&app, "[data-testid='job'] [role='progressbar']").await;
    wait_for_within(
        &app,
        "[data-testid='job'][data-state='done']",
        Duration::from_secs(90),
    )
    .await;
    wait_until("the finished job's bar is full", DEADLINE, async || {
        let bar = app
            .find(Locator::Css("[data-testid='job'] [role='progressbar']"))
            .await?;
        let percent = bar.attr("aria-valuenow").await?;
        check(percent.as_deref() == Some("100"), || {
            format!("it is at {percent:?}")
        })
    })
    .await;
    wait_for(&app, "[data-testid='preview-image']").await;

    click(&app, "[data-testid='nav-history']").await;
    click(&app, "[data-testid='output-tile'] button").await;
    wait_for(&app, "[data-testid='output-detail']").await;
    let format = wait_for(&app, "[data-testid='export-format']").await;
    format.select_by_value("jpeg").await.unwrap();
    click(&app, "[data-testid='export-button']").await;
    wait_until("the export says where it saved", DEADLINE, async || {
        let result = app
            .find(Locator::Css("[data-testid='export-result']"))
            .await?;
        let text = result.text().await?;
        check(text.contains("Saved to"), || format!("it says {text:?}"))
    })
    .await;

    let exported = wait_for_files(&data.path().join("Pictures/Likeness"), 1).await;
    let image = image::open(&exported[0]).expect("the export decodes");
    assert_eq!(image.width(), image.height(), "the 1:1 preview");
    assert_eq!(image.width(), 512);
    assert_eq!(exported[0].extension().unwrap(), "jpg");

    // The exported file passes the reveal check (here, with no file manager
    // on the bus, the reveal itself may fail with `io`); the vault's never does.
    let file = exported[0].to_str().unwrap();
    let shown = invoke(&app, "show_in_folder", serde_json::json!({ "path": file })).await;
    if let Err(error) = &shown {
        assert_eq!(error["code"], "io", "{file} is revealed: {error}");
    }
    let vault = files_under(&data.path().join("vault/outputs"));
    assert!(!vault.is_empty(), "the preview is in the vault");
    let vault_file = vault[0].to_str().unwrap();
    let shown = invoke(
        &app,
        "show_in_folder",
        serde_json::json!({ "path": vault_file }),
    )
    .await;
    assert_eq!(refusal(shown), "not_exported");
    app.close().await.unwrap();
}

/// What the page is refused with: the error's `code`.
fn refusal(answer: Result<serde_json::Value, serde_json::Value>) -> String {
    let error = answer.expect_err("the backend refuses");
    error["code"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "current_thread")]
async fn the_window_can_neither_export_outside_a_chosen_folder_nor_reveal_a_file_it_did_not_export()
{
    let data = tempfile::tempdir().unwrap();
    let elsewhere = data.path().join("elsewhere");
    let driver = Driver::start(4454, data.path());
    let app = driver.launch().await;

    let export_to = |folder: serde_json::Value| {
        serde_json::json!({
            "request": { "outputIds": [1], "format": "png", "quality": 90, "folder": folder }
        })
    };
    let unchosen = invoke(&app, "export_outputs", export_to(elsewhere.to_str().into())).await;
    assert_eq!(refusal(unchosen), "folder_not_chosen");
    let sneaky = data.path().join("Pictures/Likeness/../../elsewhere");
    let sneaky = invoke(&app, "export_outputs", export_to(sneaky.to_str().into())).await;
    assert_eq!(refusal(sneaky), "folder_not_chosen");
    // The default folder is allowed: the request gets as far as the missing image.
    let default = invoke(&app, "export_outputs", export_to(serde_json::Value::Null)).await;
    assert_eq!(refusal(default), "output_not_found");
    assert!(
        !elsewhere.exists(),
        "nothing was written where the user did not choose"
    );

    for path in ["/etc/passwd", "/", data.path().to_str().unwrap()] {
        let shown = invoke(&app, "show_in_folder", serde_json::json!({ "path": path })).await;
        assert_eq!(refusal(shown), "not_exported", "{path}");
    }
    app.close().await.unwrap();
}

/// The ids of the History tiles on show (their output ids), once the grid
/// has settled after a filter change.
async fn history_tiles(app: &fantoccini::Client, what: &str, count: usize) -> Vec<String> {
    wait_for_count(app, "[data-testid='output-tile']", count).await;
    let mut ids = Vec::new();
    for tile in app
        .find_all(Locator::Css("[data-testid='output-tile']"))
        .await
        .unwrap()
    {
        ids.push(
            tile.attr("data-output-id")
                .await
                .unwrap()
                .unwrap_or_default(),
        );
    }
    assert_eq!(ids.len(), count, "{what}");
    ids
}

#[tokio::test(flavor = "current_thread")]
async fn a_creator_keeps_the_choices_across_pages_generates_with_ctrl_enter_sees_the_hd_and_finds_a_blend_under_both_styles(
) {
    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start(4458, data.path());
    let app = driver.launch().await;
    accept_consent(&app).await;
    pick_files(&app, &[&astronaut()]).await;
    wait_for(&app, "[data-testid='portrait-card']").await;

    // Choose everything, leave for History and come back: nothing is lost.
    click(&app, "[data-testid='nav-studio']").await;
    click(&app, "[data-testid='framing-headshot']").await;
    click(&app, "[data-testid='orientation-1x1']").await;
    click(&app, "[data-testid='style-style-03']").await;
    click(&app, "[data-testid='blend-toggle']").await;
    let second = wait_for(&app, "[data-testid='blend-style']").await;
    second.select_by_value("style-07").await.unwrap();
    click(&app, "[data-testid='nav-history']").await;
    wait_for(&app, "[data-testid='history']").await;
    click(&app, "[data-testid='nav-studio']").await;
    wait_for_script(
        &app,
        "the Studio shows the choices it was left with",
        "return document.querySelector(\"[data-testid='framing-headshot']\")?.checked === true
            && document.querySelector(\"[data-testid='orientation-1x1']\")?.checked === true
            && document.querySelector(\"[data-testid='style-style-03']\")?.getAttribute('aria-checked') === 'true'
            && document.querySelector(\"[data-testid='blend-style']\")?.value === 'style-07';",
    )
    .await;

    // Ctrl+Enter generates from the keyboard, with the focus anywhere.
    let slider = wait_for(&app, "[data-testid='strength-slider']").await;
    slider.send_keys("\u{E009}\u{E007}").await.unwrap();
    wait_for_within(
        &app,
        "[data-testid='job'][data-state='done']",
        Duration::from_secs(90),
    )
    .await;
    wait_for(&app, "[data-testid='preview-image']").await;

    // HD x2 of it replaces the preview in the Studio, at twice its size.
    click(&app, "[data-testid='hd-2']").await;
    wait_for_within(&app, "[data-testid='preview-hd']", Duration::from_secs(120)).await;
    wait_for_script(
        &app,
        "the Studio shows the 1024 px HD image",
        "const img = document.querySelector(\"[data-testid='preview-image']\");
         return img?.complete === true && img.naturalWidth === 1024;",
    )
    .await;
    if std::env::var_os("LIKENESS_SCREENSHOTS").is_some() {
        // The top of the Studio, with every picture on it drawn.
        app.execute("document.querySelector('main').scrollTo(0, 0);", vec![])
            .await
            .unwrap();
        wait_for_script(
            &app,
            "every picture in the Studio is drawn",
            "return [...document.querySelectorAll('main img')]
                .filter((img) => img.getBoundingClientRect().top < window.innerHeight)
                .every((img) => img.complete && img.naturalWidth > 0)
              && document.querySelectorAll(\"[data-testid^='style-style-'] img\").length === 26;",
        )
        .await;
    }
    screenshot(&app, "screenshot-studio").await;

    // History finds the blend (and its HD) under each of its two styles,
    // and not under a style it does not use.
    click(&app, "[data-testid='nav-history']").await;
    let all = history_tiles(&app, "the preview and its HD", 2).await;
    let filter = wait_for(&app, "[data-testid='filter-style']").await;
    for style in ["style-03", "style-07"] {
        filter.select_by_value(style).await.unwrap();
        let found = history_tiles(&app, style, 2).await;
        assert_eq!(sorted(found), sorted(all.clone()), "filed under {style}");
    }
    screenshot(&app, "screenshot-history").await;
    filter.select_by_value("style-10").await.unwrap();
    wait_for(&app, "[data-testid='history-no-match']").await;
    app.close().await.unwrap();
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[tokio::test(flavor = "current_thread")]
async fn a_full_body_of_the_waist_up_astronaut_is_marked_and_the_studio_offers_half_body_instead() {
    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start(4472, data.path());
    let app = driver.launch().await;
    accept_consent(&app).await;
    pick_files(&app, &[&astronaut()]).await;
    wait_for(&app, "[data-testid='portrait-card']").await;

    // The chosen crop is drawn on her photo before anything is made.
    click(&app, "[data-testid='nav-studio']").await;
    wait_for(
        &app,
        "[data-testid='framing-preview'] [data-testid='framing-frame']",
    )
    .await;
    wait_for_script(
        &app,
        "full body is marked as needing more of her than the photo shows, half body is not",
        "const note = (f) => document.querySelector(`[data-testid='framing-${f}']`)?.closest('label')?.textContent ?? '';
         return note('full_body').includes('needs more of the body than this photo shows')
             && note('three_quarter').includes('needs more of the body')
             && !note('half_body').includes('needs');",
    )
    .await;

    click(&app, "[data-testid='framing-full_body']").await;
    wait_for_script(
        &app,
        "choosing full body warns and does not offer Generate",
        "const warning = document.querySelector(\"[data-testid='framing-warning']\")?.textContent ?? '';
         return warning.includes('Full body needs more of the body than this photo shows')
             && document.querySelector(\"[data-testid='generate-preview']\")?.disabled === true;",
    )
    .await;

    click(&app, "[data-testid='framing-use-closest']").await;
    wait_for_script(
        &app,
        "half body is chosen instead and Generate is offered again",
        "return document.querySelector(\"[data-testid='framing-half_body']\")?.checked === true
            && document.querySelector(\"[data-testid='framing-warning']\") === null
            && document.querySelector(\"[data-testid='generate-preview']\")?.disabled === false;",
    )
    .await;
}
