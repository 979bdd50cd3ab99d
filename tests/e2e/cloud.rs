//! Likeness Cloud in the real window, against the local reference cloud
//! (`scripts/cloud.sh`: its own PostgreSQL, local payments, one worker on
//! the real engines): turn cloud on in Settings, buy a pack in the checkout
//! window (which has no IPC), see the balance and a valid receipt, then make
//! an HD image in the cloud after picking its quote, and find it in History
//! with what it cost. And the same purchase in the system browser instead,
//! back through a `likeness://` link handed to the running app by a second
//! start, as the OS does; a hostile link is refused in plain words.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, Locator};
use likeness_e2e::*;

/// For a step that may be the first of a cold run.
const SLOW: Duration = Duration::from_secs(90);

/// `scripts/cloud.sh` on a free port; stopped (and its cluster deleted) on drop.
struct LocalCloud {
    child: Child,
    url: String,
}

impl LocalCloud {
    /// `workers`: jobs its worker runs at once; with 0 no worker runs and
    /// cloud jobs wait on the server.
    async fn start(workers: u8) -> LocalCloud {
        use std::os::unix::process::CommandExt;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("bash")
            .arg("scripts/cloud.sh")
            .current_dir(repo_root())
            .env("LIKENESS_CLOUD_PORT", port.to_string())
            .env("LIKENESS_CLOUD_WORKERS", workers.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("scripts/cloud.sh runs");
        let cloud = LocalCloud {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let packs = format!("{}/v1/packs", cloud.url);
        // The script may build the server first.
        wait_until(
            "the local cloud answers",
            Duration::from_secs(300),
            async || {
                let answered = Command::new("curl")
                    .args(["-fsS", "-o", "/dev/null", &packs])
                    .stderr(Stdio::null())
                    .status()?;
                check(answered.success(), || "not yet".into())
            },
        )
        .await;
        cloud
    }
}

impl Drop for LocalCloud {
    fn drop(&mut self) {
        stop_group(&mut self.child);
    }
}

async fn wait_for_text(app: &Client, css: &str, text: &str, deadline: Duration) {
    wait_until(&format!("{css} says {text:?}"), deadline, async || {
        let shown = app.find(Locator::Css(css)).await?.text().await?;
        check(shown.contains(text), || format!("it says {shown:?}"))
    })
    .await;
}

/// Settings: cloud is off until the user turns it on for this server.
async fn turn_cloud_on(app: &Client, cloud: &LocalCloud) {
    click(app, "[data-testid='nav-settings']").await;
    wait_for_text(app, "[data-testid='cloud-state']", "Off", DEADLINE).await;
    let server = wait_for(app, "[data-testid='cloud-server-url']").await;
    server.clear().await.unwrap();
    server.send_keys(&cloud.url).await.unwrap();
    click(app, "[data-testid='enable-cloud']").await;
    wait_for_text(app, "[data-testid='cloud-state']", "On", DEADLINE).await;
}

/// Import the astronaut, make a preview here, and open HD x2's two choices
/// with the cloud's quote on screen.
async fn preview_then_hd_choices(app: &Client) {
    click(app, "[data-testid='nav-library']").await;
    pick_files(app, &[&astronaut()]).await;
    wait_for(app, "[data-testid='portrait-card']").await;
    click(app, "[data-testid='nav-studio']").await;
    click(app, "[data-testid='studio-portrait']").await;
    // A style that keeps the face at its full default strength, so the
    // server's own adult check sees a face it can judge (a half-painted face
    // can read as youthful to the age model, and the server then refuses it).
    click(app, "[data-testid='style-style-10']").await;
    click(app, "[data-testid='generate-preview']").await;
    let done = "[data-testid='job'][data-state='done']";
    wait_for_within(app, done, SLOW).await;
    click(app, "[data-testid='hd-2']").await;
    wait_for_text(
        app,
        "[data-testid='choice-cloud-terms']",
        "credits",
        DEADLINE,
    )
    .await;
}

/// The Store reads the balance and ledger as it opens: leave it and come
/// back until it shows `css` (a change the server makes a moment later).
async fn store_shows(app: &Client, css: &str) {
    wait_until(&format!("the Store shows {css}"), DEADLINE, async || {
        click(app, "[data-testid='nav-history']").await;
        click(app, "[data-testid='nav-store']").await;
        wait_for(app, "[data-testid='cloud-balance']").await;
        app.find(Locator::Css(css)).await?;
        Ok(())
    })
    .await;
}

/// The Store says the starter pack's 100 credits came, and shows them.
async fn starter_pack_bought(app: &Client) {
    let outcome = "[data-testid='order-outcome']";
    wait_for_text(app, outcome, "100 credits added", DEADLINE).await;
    wait_for_text(
        app,
        "[data-testid='cloud-balance']",
        "100 credits",
        DEADLINE,
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_user_turns_cloud_on_buys_credits_in_the_checkout_window_and_upscales_in_the_cloud() {
    let cloud = LocalCloud::start(1).await;
    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start(4460, data.path());
    let app = driver.launch().await;
    accept_consent(&app).await;

    turn_cloud_on(&app, &cloud).await;

    // The Store: buy the starter pack in the checkout window.
    click(&app, "[data-testid='nav-store']").await;
    let main = app.window().await.unwrap();
    click(&app, "[data-testid='buy-starter']").await;
    wait_for(&app, "[data-testid='checkout-waiting']").await;
    let checkout = wait_until("the checkout window opens", DEADLINE, async || {
        let windows = app.windows().await?;
        let other = windows.into_iter().find(|w| *w != main);
        check(other.is_some(), || "only the main window".into())?;
        Ok(other.unwrap())
    })
    .await;
    app.switch_to_window(checkout).await.unwrap();
    wait_for(&app, "form button").await;
    let ipc = app
        .execute_async(
            "const done = arguments[0];\
             try {\
               window.__TAURI_INTERNALS__.invoke('cloud_balance', {})\
                 .then(() => done('allowed'), (e) => done('refused: ' + e));\
             } catch (e) { done('no ipc: ' + e); }",
            vec![],
        )
        .await
        .unwrap();
    let ipc = ipc.as_str().unwrap_or_default().to_owned();
    assert!(
        ipc.starts_with("refused") || ipc.starts_with("no ipc"),
        "the checkout window must not reach the app: {ipc}"
    );
    eprintln!("from the checkout window, invoke: {ipc}");
    app.find(Locator::XPath("//button[normalize-space()='Pay']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    app.switch_to_window(main).await.unwrap();
    starter_pack_bought(&app).await;
    wait_for_text(
        &app,
        "[data-testid='receipt-signature']",
        "Signature valid",
        DEADLINE,
    )
    .await;
    wait_until("the checkout window is closed", DEADLINE, async || {
        let windows = app.windows().await?;
        check(windows.len() == 1, || format!("{} windows", windows.len()))
    })
    .await;

    // A preview here, then HD x2 in the cloud at the price shown.
    preview_then_hd_choices(&app).await;
    let mut problems = serious_accessibility_problems(&app, "dark").await;
    problems.extend(serious_accessibility_problems(&app, "light").await);
    assert!(problems.is_empty(), "the HD choice dialog: {problems:#?}");
    click(&app, "[data-testid='hd-cloud']").await;
    wait_until("both jobs are done", Duration::from_secs(120), async || {
        let done = app
            .find_all(Locator::Css("[data-testid='job'][data-state='done']"))
            .await?;
        check(done.len() == 2, || format!("{} done", done.len()))
    })
    .await;

    // History: the HD image, made in the cloud, with its cost.
    click(&app, "[data-testid='nav-history']").await;
    wait_until("the HD image is in History", DEADLINE, async || {
        let tiles = app
            .find_all(Locator::Css("[data-testid='output-tile'] button"))
            .await?;
        check(tiles.len() == 2, || format!("{} tiles", tiles.len()))
    })
    .await;
    let tiles = app
        .find_all(Locator::Css("[data-testid='output-tile'] button"))
        .await
        .unwrap();
    tiles[0].click().await.unwrap();
    wait_for_text(
        &app,
        "[data-testid='output-settings']",
        "Likeness Cloud",
        DEADLINE,
    )
    .await;
    wait_for_text(&app, "[data-testid='output-settings']", "credit", DEADLINE).await;
    app.close().await.unwrap();
}

/// What the system browser does with the checkout page: press `label`,
/// follow the redirect to the server's return page, and read the link it
/// offers back to the app.
fn pay_in_browser(checkout_url: &str, label: &str) -> String {
    let curl = |args: &[&str]| -> String {
        let out = Command::new("curl")
            .args(["-fsS"])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "curl {args:?}: {:?}", out);
        String::from_utf8(out.stdout).unwrap()
    };
    let page = curl(&[checkout_url]);
    let form = page
        .split("<form ")
        .find(|form| form.contains(&format!(">{label}</button>")))
        .unwrap_or_else(|| panic!("no {label:?} on the checkout page:\n{page}"));
    let action = form
        .split("action=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let origin = checkout_url.split("/checkout/").next().unwrap();
    let back = curl(&[
        "-o",
        "/dev/null",
        "-w",
        "%{redirect_url}",
        "-d",
        "delivery=&late_ms=0",
        &format!("{origin}{action}"),
    ]);
    let page = curl(&[&back]);
    let start = page
        .find("href=\"likeness://")
        .expect("a link back to the app")
        + 6;
    page[start..start + page[start..].find('"').unwrap()].to_owned()
}

/// Start the app a second time with `link`, as the OS does for a
/// `likeness://` link: it hands the link to the running app and exits.
async fn open_link(data: &std::path::Path, link: &str) {
    let mut second = Command::new(app_binary())
        .arg(link)
        .env("LIKENESS_DATA_DIR", data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let status = wait_until(
        "the second start hands its link over",
        DEADLINE,
        async || {
            let status = second.try_wait()?;
            check(status.is_some(), || "still running".into())?;
            Ok(status.unwrap())
        },
    )
    .await;
    assert!(status.success(), "the second start exits cleanly: {status}");
}

#[tokio::test(flavor = "current_thread")]
async fn a_purchase_in_the_browser_comes_back_through_a_likeness_link_a_hostile_link_does_nothing_and_a_cancelled_cloud_job_gives_its_credits_back(
) {
    let cloud = LocalCloud::start(0).await;
    let data = tempfile::tempdir().unwrap();
    // The "system browser": xdg-open hands web pages to $BROWSER when no
    // desktop is set. It lives outside the app's data folder, which is the app's own.
    let browser_dir = tempfile::tempdir().unwrap();
    let opened = browser_dir.path().join("opened.txt");
    let browser = browser_dir.path().join("browser.sh");
    std::fs::write(
        &browser,
        format!("#!/bin/sh\necho \"$1\" >> '{}'\n", opened.display()),
    )
    .unwrap();
    std::fs::set_permissions(
        &browser,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let driver = Driver::start_with(4462, data.path(), &[("BROWSER", &browser)]);
    let app = driver.launch().await;
    accept_consent(&app).await;
    turn_cloud_on(&app, &cloud).await;

    click(&app, "[data-testid='nav-store']").await;
    click(&app, "[data-testid='pay-in-browser']").await;
    wait_until("the browser box is ticked", DEADLINE, async || {
        let ticked = app
            .find(Locator::Css("[data-testid='pay-in-browser']"))
            .await?;
        check(ticked.is_selected().await?, || "not ticked".into())
    })
    .await;
    click(&app, "[data-testid='buy-starter']").await;
    // The first test of a run starts everything cold: give the checkout
    // longer, and say what the page showed if it never came.
    let waiting = wait_until("the browser checkout starts", SLOW, async || {
        let found = app
            .find(Locator::Css(
                "[data-testid='browser-waiting'], [data-testid='buy-error']",
            ))
            .await;
        match found {
            Ok(element) => Ok(element),
            Err(_) => {
                let shown = app.find(Locator::Css("[data-testid='buy-packs']")).await?;
                let windows = app.windows().await?.len();
                Err(NotYet::from(format!(
                    "{windows} window(s); the packs read {:?}",
                    shown.text().await?
                )))
            }
        }
    })
    .await;
    assert_eq!(
        waiting.attr("data-testid").await.unwrap().as_deref(),
        Some("browser-waiting"),
        "the checkout opened in the browser: {}",
        waiting.text().await.unwrap()
    );
    let checkout_url = wait_until(
        "the browser was asked to open the checkout",
        DEADLINE,
        async || {
            let opened = std::fs::read_to_string(&opened).unwrap_or_default();
            check(!opened.trim().is_empty(), || "not yet".into())?;
            Ok(opened.trim().to_owned())
        },
    )
    .await;
    assert_eq!(
        app.windows().await.unwrap().len(),
        1,
        "no checkout window this time"
    );

    // A hostile link first: well formed, but for no order of this app's.
    open_link(
        data.path(),
        "likeness://checkout/return?order=ord_000000000000000000000000",
    )
    .await;
    wait_for_text(
        &app,
        "[data-testid='buy-error']",
        "didn't use that link",
        DEADLINE,
    )
    .await;
    wait_for_text(&app, "[data-testid='cloud-balance']", "0 credits", DEADLINE).await;
    wait_for(&app, "[data-testid='browser-waiting']").await;

    let link = pay_in_browser(&checkout_url, "Pay");
    open_link(data.path(), &link).await;
    starter_pack_bought(&app).await;
    assert_eq!(
        app.windows().await.unwrap().len(),
        1,
        "the link opened no second app"
    );

    // No worker runs on this cloud, so an HD job waits there with its
    // credits held; cancelling it in the queue gives them back.
    preview_then_hd_choices(&app).await;
    click(&app, "[data-testid='hd-cloud']").await;
    store_shows(&app, "[data-testid='cloud-held']").await;
    click(&app, "[data-testid='nav-studio']").await;
    click(&app, "[data-testid='cancel-job']").await;
    wait_for(&app, "[data-testid='job'][data-state='cancelled']").await;
    // The server releases the hold once the app's cancel reaches it. The
    // Store reads the balance and the ledger side by side, so one visit can
    // catch the one before the release and the other after it: look again
    // until both show it.
    wait_until(
        "the Store shows the release and 100 credits",
        DEADLINE,
        async || {
            click(&app, "[data-testid='nav-history']").await;
            click(&app, "[data-testid='nav-store']").await;
            let balance = wait_for(&app, "[data-testid='cloud-balance']")
                .await
                .text()
                .await?;
            let released = app
                .find_all(Locator::Css(
                    "[data-testid='ledger-entry'][data-kind='release']",
                ))
                .await?
                .len();
            check(released == 1 && balance.contains("100 credits"), || {
                format!("{released} releases, {balance:?}")
            })
        },
    )
    .await;
    app.close().await.unwrap();
}
