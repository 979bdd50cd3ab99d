//! The layout a newcomer found broken, in the real window at 1200×800 and
//! 760×520: the window itself never scrolls (only the main pane does),
//! Settings never scrolls sideways, and in the dark theme an unchosen radio
//! does not look chosen; and long German words widen no page at 760×520.

use fantoccini::Client;
use likeness_e2e::*;

/// The pixel at the middle of `css`'s element, as the window draws it (from
/// a screenshot of the window: WebKitWebDriver's element shots come out black).
async fn middle_pixel(app: &Client, css: &str) -> [u8; 3] {
    let middle = app
        .execute(
            "const r = document.querySelector(arguments[0]).getBoundingClientRect();
             const s = window.devicePixelRatio;
             return [Math.round((r.left + r.width / 2) * s), Math.round((r.top + r.height / 2) * s)];",
            vec![css.into()],
        )
        .await
        .unwrap();
    let at = |i: usize| middle[i].as_u64().unwrap() as u32;
    let png = app.screenshot().await.unwrap();
    let window = image::load_from_memory(&png).unwrap().to_rgb8();
    window.get_pixel(at(0), at(1)).0
}

fn luminance([r, g, b]: [u8; 3]) -> f32 {
    0.2126 * f32::from(r) + 0.7152 * f32::from(g) + 0.0722 * f32::from(b)
}

#[tokio::test(flavor = "current_thread")]
async fn the_window_never_scrolls_settings_fits_760_px_and_an_unchosen_radio_looks_unchosen_in_the_dark(
) {
    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start(4462, data.path());
    let app = driver.launch().await;
    accept_consent(&app).await;
    pick_files(&app, &[&astronaut()]).await;
    wait_for(&app, "[data-testid='portrait-card']").await;

    for (width, height) in [(1200, 800), (760, 520)] {
        app.set_window_size(width, height).await.unwrap();
        wait_for_script(
            &app,
            &format!("the window is {width} px wide"),
            &format!("return window.innerWidth <= {width};"),
        )
        .await;
        click(&app, "[data-testid='nav-studio']").await;
        wait_for(&app, "[data-testid='style-style-00']").await;
        // Nothing on the page (hidden inputs included) stretches the window,
        // and a scroll of the window moves nothing.
        wait_for_script(
            &app,
            &format!("the Studio fits the window at {width}×{height}"),
            "window.scrollTo(0, 900);
             return document.scrollingElement.scrollHeight <= window.innerHeight + 1
                 && window.scrollY === 0;",
        )
        .await;
        click(&app, "[data-testid='nav-settings']").await;
        wait_for(&app, "input[name='theme']").await;
        wait_for_script(
            &app,
            &format!("Settings has no sideways scroll at {width}×{height}"),
            "const pane = document.querySelector('main');
             return pane.scrollWidth <= pane.clientWidth + 1
                 && document.scrollingElement.scrollWidth <= window.innerWidth + 1;",
        )
        .await;
    }

    click(&app, "input[name='theme'][value='dark']").await;
    wait_for_script(
        &app,
        "the dark theme is on",
        "return document.documentElement.dataset.theme === 'dark';",
    )
    .await;
    // A screenshot can lag the page by a paint: wait for the dark one.
    wait_until(
        "an unchosen radio is dark inside (not a white disc) and the chosen one shows its dot",
        DEADLINE,
        async || {
            let unchosen = middle_pixel(&app, "input[name='theme'][value='light']").await;
            let chosen = middle_pixel(&app, "input[name='theme'][value='dark']").await;
            check(
                luminance(unchosen) < 100.0
                    && (luminance(chosen) - luminance(unchosen)).abs() > 30.0,
                || format!("unchosen {unchosen:?}, chosen {chosen:?}"),
            )
        },
    )
    .await;
    app.close().await.unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn in_german_at_760_by_520_no_page_scrolls_sideways() {
    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start(4484, data.path());
    let app = driver.launch().await;
    let inputs = tempfile::tempdir().unwrap();
    let pair = inputs.path().join("zwei.png");
    std::fs::write(&pair, side_by_side_png()).unwrap();
    accept_consent(&app).await;
    click(&app, "[data-testid='nav-settings']").await;
    // Chosen without opening the list: after a native popup, WebKitWebDriver's
    // screenshots never come back (languages.rs picks from the open list).
    wait_for(&app, "[data-testid='language']").await;
    app.execute(
        "const picker = document.querySelector(\"[data-testid='language']\");
         picker.value = 'de';
         picker.dispatchEvent(new Event('change', { bubbles: true }));",
        vec![],
    )
    .await
    .unwrap();
    wait_for_script(
        &app,
        "the app speaks German",
        "return document.documentElement.lang === 'de';",
    )
    .await;
    screenshot(&app, "screenshot-de").await;
    click(&app, "[data-testid='nav-library']").await;
    pick_files(&app, &[&astronaut()]).await;
    wait_for(&app, "[data-testid='portrait-card']").await;
    pick_files(&app, &[&pair]).await;
    wait_for(&app, "[data-testid='import-rejection']").await;
    app.set_window_size(760, 520).await.unwrap();
    wait_for_script(
        &app,
        "the window is 760 px wide",
        "return window.innerWidth <= 760;",
    )
    .await;

    for page in [
        "library", "studio", "history", "store", "privacy", "settings",
    ] {
        click(&app, &format!("[data-testid='nav-{page}']")).await;
        wait_for_script(
            &app,
            &format!("the German {page} page has no sideways scroll at 760×520"),
            "const pane = document.querySelector('main');
             return document.querySelector('main h1') !== null
                 && pane.scrollWidth <= pane.clientWidth + 1
                 && document.scrollingElement.scrollWidth <= window.innerWidth + 1;",
        )
        .await;
    }
    app.close().await.unwrap();
}
