//! Scale: two `serve` and three `work` processes, each in its own working
//! folder, sharing only PostgreSQL and the object store. 300 jobs end once
//! each, any node serves any job's output, and credits are conserved.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{free_port, tiny_picture, Cloud, Process};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_jobs_through_two_servers_and_three_workers_each_end_once_with_credits_conserved(
) {
    let cloud = Cloud::start().await;
    let folders: Vec<tempfile::TempDir> = (0..5).map(|_| tempfile::tempdir().unwrap()).collect();
    let ports = [free_port(), free_port()];
    let _servers: Vec<Process> = ports
        .iter()
        .zip(&folders)
        .map(|(port, folder)| {
            cloud.spawn(
                &["serve"],
                &[("LIKENESS_CLOUD_PORT", port.to_string())],
                folder.path(),
            )
        })
        .collect();
    let _workers: Vec<Process> = folders[2..]
        .iter()
        .map(|folder| {
            let args = [
                "work",
                "--backend",
                "queue-probe",
                "--concurrency",
                "2",
                "--lease-secs",
                "5",
            ];
            cloud.spawn(&args, &[], folder.path())
        })
        .collect();
    let nodes: Vec<String> = ports
        .iter()
        .map(|p| format!("http://127.0.0.1:{p}"))
        .collect();
    for node in &nodes {
        cloud.wait_until_serving(node).await;
    }

    let picture = tiny_picture(32, 32);
    let mut accounts = Vec::new();
    for _ in 0..6 {
        accounts.push(cloud.funded_account().await);
    }
    let mut jobs = Vec::new();
    for n in 0..300usize {
        let account = &accounts[n % accounts.len()];
        let node = &nodes[n % 2];
        let (status, quote) = cloud
            .post(
                &format!("{node}/v1/quotes"),
                Some(&account.token),
                &json!({"kind": "hd_x2", "input": {"width": 32, "height": 32}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{quote}");
        let form = reqwest::multipart::Form::new()
            .text("quote_id", quote["quote_id"].as_str().unwrap().to_owned())
            .part("image", reqwest::multipart::Part::bytes(picture.clone()));
        let answer = cloud
            .http
            .post(format!("{node}/v1/jobs"))
            .bearer_auth(&account.token)
            .header("Idempotency-Key", format!("job-{n}"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::ACCEPTED);
        let body: Value = answer.json().await.unwrap();
        let job_id = body["job_id"].as_str().unwrap().to_owned();
        if n % 10 == 0 {
            // Some are cancelled at once; a worker may have finished them first.
            let _ = cloud
                .post(
                    &format!("{}/v1/jobs/{job_id}/cancel", nodes[(n + 1) % 2]),
                    Some(&account.token),
                    &json!({}),
                )
                .await;
        }
        jobs.push((n % accounts.len(), job_id));
    }

    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let open = cloud
            .count("SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')")
            .await;
        if open == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{open} jobs never ended");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(cloud.count("SELECT count(*) FROM jobs").await, 300);
    let succeeded = cloud
        .count("SELECT count(*) FROM jobs WHERE state = 'succeeded'")
        .await;
    let cancelled = cloud
        .count("SELECT count(*) FROM jobs WHERE state = 'cancelled'")
        .await;
    assert_eq!(succeeded + cancelled, 300);
    // Each job ended once: one hold each, and exactly one charge or one release.
    assert_eq!(
        cloud
            .count("SELECT count(*) FROM ledger WHERE kind = 'hold'")
            .await,
        300
    );
    assert_eq!(
        cloud
            .count("SELECT count(*) FROM ledger WHERE kind = 'charge'")
            .await,
        succeeded
    );
    assert_eq!(
        cloud
            .count("SELECT count(*) FROM ledger WHERE kind = 'release'")
            .await,
        cancelled
    );
    assert_eq!(
        cloud
            .count("SELECT count(*) FROM receipts WHERE kind = 'job'")
            .await,
        succeeded
    );
    // Credits are conserved: grants = balances + charges (nothing is held any more).
    let grants = cloud
        .count("SELECT sum(credits)::bigint FROM ledger WHERE kind = 'grant'")
        .await;
    let charges = cloud
        .count("SELECT sum(credits)::bigint FROM ledger WHERE kind = 'charge'")
        .await;
    let balances = cloud
        .count("SELECT sum(balance)::bigint FROM accounts")
        .await;
    let held = cloud.count("SELECT sum(held)::bigint FROM accounts").await;
    assert_eq!((grants, held), (balances + charges, 0));
    // Any node returns any job's output, whichever node took the submit.
    for (index, job_id) in jobs.iter().filter(|(_, id)| !id.is_empty()).take(20) {
        let state: String = cloud
            .db
            .query_one("SELECT state FROM jobs WHERE job_id = $1", &[job_id])
            .await
            .unwrap()
            .get(0);
        if state != "succeeded" {
            continue;
        }
        for node in &nodes {
            let (status, _) = cloud
                .get_bytes(
                    &format!("{node}/v1/jobs/{job_id}/output"),
                    &accounts[*index].token,
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{node} {job_id}");
        }
    }
    for folder in &folders {
        assert_eq!(
            std::fs::read_dir(folder.path()).unwrap().count(),
            0,
            "no process wrote beside itself"
        );
    }
}
