//! Memory over one sitting, in the real app and its WebKit processes: a
//! fresh start, one import, 20 jobs through the window's own commands (16
//! previews in 16 styles, 2 HD x2, 2 HD x4, each shown in History), then
//! the idle spell after which the models are let go. Prints the total PSS
//! at each step. Run under a display and a keyring (about 5 minutes):
//! `bash scripts/with-keyring.sh xvfb-run -a cargo bench -p likeness-e2e --bench session_memory`.
//! Goals (issue 12): a fresh start under 300 MiB; back under 450 MiB after use.

use std::time::Duration;

use fantoccini::Client;
use likeness_e2e::*;
use serde_json::{json, Value};

/// A little over the app's idle release (`likeness_core::idle::RELEASE_AFTER`)
/// and the check that runs every quarter of it.
const IDLE: Duration = Duration::from_secs(160);

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start(4470, data.path());
    let app = driver.launch().await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    print("a fresh start, after 5 s");
    accept_consent(&app).await;
    pick_files(&app, &[&astronaut()]).await;
    wait_for(&app, "[data-testid='portrait-card']").await;
    let portrait = invoke(&app, "list_portraits", json!({})).await.unwrap()[0]["id"].clone();
    let styles = invoke(&app, "list_styles", json!({})).await.unwrap();
    for (seed, style) in styles.as_array().unwrap().iter().take(16).enumerate() {
        let settings = json!({
            "framing": "shoulders", "orientation": "4:5", "strength": 1.0, "seed": seed,
            "style": { "kind": "preset", "mix": [[style["id"], 1.0]] },
        });
        let job = invoke(
            &app,
            "enqueue_preview",
            json!({ "portraitId": portrait, "settings": settings }),
        )
        .await
        .unwrap();
        finished(&app, &job).await;
    }
    let outputs = invoke(
        &app,
        "list_outputs",
        json!({ "filter": {
        "portraitId": null, "styleKey": null, "since": null, "until": null,
        "favouritesOnly": false, "limit": 4, "after": null,
    } }),
    )
    .await
    .unwrap();
    for (output, factor) in outputs["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .zip([2, 2, 4, 4])
    {
        let job = invoke(
            &app,
            "enqueue_hd",
            json!({ "outputId": output["id"], "factor": factor }),
        )
        .await
        .unwrap();
        finished(&app, &job).await;
    }
    // Every result shown once, as a user looking through them would.
    click(&app, "[data-testid='nav-history']").await;
    wait_for(&app, "[data-testid='output-tile']").await;
    print("after 20 jobs, History open");
    tokio::time::sleep(IDLE).await;
    print(&format!("after {} s idle", IDLE.as_secs()));
    app.close().await.unwrap();
}

/// Wait until the job is done (an HD x4 takes a while on 2 cores).
async fn finished(app: &Client, job: &Value) {
    let id = job["id"].clone();
    wait_until("the job is done", Duration::from_secs(600), async || {
        let jobs = invoke(app, "list_jobs", json!({}))
            .await
            .unwrap_or_default();
        let state = jobs
            .as_array()
            .and_then(|all| all.iter().find(|j| j["id"] == id))
            .map(|j| j["state"].clone());
        check(state == Some(json!("done")), || format!("it is {state:?}"))
    })
    .await;
}

fn print(step: &str) {
    let Memory { rss, pss, app_pss } = app_memory();
    println!(
        "{step}: PSS {pss:.0} MiB (RSS {rss:.0} MiB), app + WebKit processes; the app alone {app_pss:.0} MiB"
    );
}
