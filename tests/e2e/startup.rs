//! Startup bench: cold start to first Library paint, and idle memory, of the
//! real app in a real window. Run under a display:
//! `xvfb-run -a cargo bench -p likeness-e2e --bench startup`.

use std::time::{Duration, Instant};

use likeness_e2e::*;

const RUNS: usize = 5;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start(4450, data.path());
    let mut wall = Vec::new();
    let mut in_page = Vec::new();
    for run in 0..=RUNS {
        let start = Instant::now();
        let app = driver.launch().await; // returns once html[data-ready] is set
        let elapsed = start.elapsed();
        let page_ms = app
            .execute("return performance.now();", vec![])
            .await
            .unwrap()
            .as_f64()
            .unwrap_or(f64::NAN);
        if run == RUNS {
            tokio::time::sleep(Duration::from_secs(5)).await;
            let Memory { rss, pss, .. } = app_memory();
            println!("idle memory after 5 s (app + WebKit helper processes): RSS {rss:.0} MiB, PSS {pss:.0} MiB");
        } else if run > 0 {
            // run 0 warms the page cache; the rest are measured
            wall.push(elapsed.as_secs_f64() * 1e3);
            in_page.push(page_ms);
        }
        app.close().await.unwrap();
    }
    report(
        "launch request -> Library painted (includes WebDriver session set-up)",
        &mut wall,
    );
    report(
        "webview navigation start -> Library painted (performance.now)",
        &mut in_page,
    );
}

fn report(label: &str, values: &mut [f64]) {
    values.sort_by(f64::total_cmp);
    println!(
        "{label}: median {:.0} ms, min {:.0} ms, max {:.0} ms ({} runs)",
        values[values.len() / 2],
        values[0],
        values[values.len() - 1],
        values.len()
    );
}
