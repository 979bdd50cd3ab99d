//! Startup bench: cold start to first Library paint, and idle memory, of the
//! real app in a real window. Run under a display:
//! `xvfb-run -a cargo bench -p likeness-e2e --bench startup`.

use std::path::Path;
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
            let (rss, pss) = app_memory();
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

/// Sum RSS and PSS (MiB) over the app process and its WebKit children.
fn app_memory() -> (f64, f64) {
    let binary = app_binary().canonicalize().unwrap();
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if std::fs::read_link(entry.path().join("exe")).is_ok_and(|exe| exe == binary) {
            pids.push(pid);
        }
    }
    let children: Vec<u32> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse::<u32>().ok())
        .filter(|pid| parent_of(*pid).is_some_and(|ppid| pids.contains(&ppid)))
        .collect();
    pids.extend(children);
    let kib = |pid: u32, file: &str, key: &str| -> f64 {
        std::fs::read_to_string(Path::new("/proc").join(pid.to_string()).join(file))
            .unwrap_or_default()
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let rss: f64 = pids.iter().map(|&p| kib(p, "status", "VmRSS:")).sum();
    let pss: f64 = pids.iter().map(|&p| kib(p, "smaps_rollup", "Pss:")).sum();
    (rss / 1024.0, pss / 1024.0)
}

fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}
