//! The queue's own speed, and one real HD x4 job.
//!
//! `cargo bench -p likeness-cloud --bench queue` prints:
//! - submit latency p50 / p95 over 200 multipart submits (a quote each);
//! - jobs per second through the queue with 1, 2 and 4 in-process workers
//!   running the queue probe (no models), draining 200 queued jobs: once with
//!   zero-time jobs (the queue's own ceiling) and once with 50 ms jobs (a
//!   fixed per-job cost that does not use the CPU, as a GPU job would not),
//!   which shows how throughput scales with workers;
//! - the wall time of one HD x4 job of the test portrait on the real engines,
//!   submit to `succeeded`.
//!
//! It starts its own PostgreSQL like the tests. The machine is shared: read
//! the ratios within one run.

#[path = "../tests/cloud/harness.rs"]
#[allow(dead_code)]
mod harness;

use std::sync::Arc;
use std::time::{Duration, Instant};

use harness::{portrait, tiny_picture, Account, Cloud};
use likeness_cloud::backend::likeness::LikenessBackend;
use likeness_cloud::backend::probe::QueueProbe;
use likeness_core::inference::Accelerator;
use reqwest::StatusCode;
use serde_json::Value;

const JOBS: usize = 200;

async fn submit_all(cloud: &Cloud, accounts: &[Account]) -> Vec<Duration> {
    let picture = tiny_picture(32, 32);
    let mut latencies = Vec::with_capacity(JOBS);
    for n in 0..JOBS {
        let account = &accounts[n % accounts.len()];
        let (quote_id, _) = cloud.quote(account, "hd_x2", Value::Null, &picture).await;
        let started = Instant::now();
        let (status, body) = cloud
            .submit(account, Some(&format!("bench-{n}")), &quote_id, &picture)
            .await;
        latencies.push(started.elapsed());
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    latencies
}

async fn wait_until_all_ended(cloud: &Cloud) {
    loop {
        let open = cloud
            .count("SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')")
            .await;
        if open == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    for (delay, workers) in [0u64, 50]
        .into_iter()
        .flat_map(|ms| [1usize, 2, 4].map(|w| (Duration::from_millis(ms), w)))
    {
        let mut cloud = Cloud::start().await;
        let mut accounts = Vec::new();
        for _ in 0..4 {
            accounts.push(cloud.funded_account().await);
        }
        let mut latencies = submit_all(&cloud, &accounts).await;
        latencies.sort();
        if workers == 1 && delay.is_zero() {
            println!(
                "submit latency over {JOBS} submits: p50 {:.1} ms, p95 {:.1} ms",
                ms(latencies[JOBS / 2]),
                ms(latencies[JOBS * 95 / 100])
            );
        }
        let started = Instant::now();
        for _ in 0..workers {
            cloud.start_worker(Arc::new(QueueProbe { delay }), 1, 30.0);
        }
        wait_until_all_ended(&cloud).await;
        let elapsed = started.elapsed();
        let succeeded = cloud
            .count("SELECT count(*) FROM jobs WHERE state = 'succeeded'")
            .await;
        assert_eq!(succeeded, JOBS as i64);
        println!(
            "queue with {workers} worker(s), {} ms jobs: {JOBS} jobs in {:.2} s = {:.1} jobs/s",
            delay.as_millis(),
            elapsed.as_secs_f64(),
            JOBS as f64 / elapsed.as_secs_f64()
        );
    }

    let mut cloud = Cloud::start().await;
    let buyer = cloud.funded_account().await;
    let backend =
        Arc::new(LikenessBackend::load(None, None, Accelerator::Cpu).expect("the models load"));
    cloud.start_worker(backend, 1, 30.0);
    let photo = portrait();
    let (quote_id, credits) = cloud.quote(&buyer, "hd_x4", Value::Null, &photo).await;
    let started = Instant::now();
    let (_, body) = cloud.submit(&buyer, Some("hd"), &quote_id, &photo).await;
    let job_id = body["job_id"].as_str().unwrap().to_owned();
    let job = cloud.wait_for_job(&buyer, &job_id, "succeeded", 600).await;
    println!(
        "one HD x4 job on the engines (512 x 512 -> {} x {}, {credits} credits): {:.2} s submit to succeeded",
        job["output"]["width"],
        job["output"]["height"],
        started.elapsed().as_secs_f64()
    );
}
