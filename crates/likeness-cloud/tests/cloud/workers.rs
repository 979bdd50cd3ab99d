//! Workers: leases, heartbeats and fencing, a worker killed mid-job, and the
//! server's retention of job images.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use likeness_cloud::backend::probe::QueueProbe;
use likeness_cloud::jobs::{queue, retention};
use likeness_cloud::storage::Storage;
use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::{kinds, tiny_picture, Account, Cloud};

/// A funded account with one queued HD x2 job on a small picture.
async fn queued_job(cloud: &Cloud) -> (Account, String, i64) {
    let buyer = cloud.funded_account().await;
    let picture = tiny_picture(64, 48);
    let (quote_id, credits) = cloud.quote(&buyer, "hd_x2", Value::Null, &picture).await;
    let (status, body) = cloud.submit(&buyer, Some("k"), &quote_id, &picture).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    (buyer, body["job_id"].as_str().unwrap().to_owned(), credits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_job_leaves_it_to_another_worker_which_finishes_it_charged_once() {
    let mut cloud = Cloud::start().await;
    let (buyer, job_id, credits) = queued_job(&cloud).await;
    let mut doomed = Command::new(env!("CARGO_BIN_EXE_likeness-cloud"))
        .args([
            "work",
            "--backend",
            "queue-probe",
            "--probe-ms",
            "60000",
            "--lease-secs",
            "2",
        ])
        .env("LIKENESS_CLOUD_DATABASE_URL", &cloud.database_url)
        .env("LIKENESS_CLOUD_STORAGE", cloud.storage.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    cloud.wait_for_job(&buyer, &job_id, "running", 30).await;
    doomed.kill().unwrap(); // SIGKILL: no goodbye, the lease just stops being renewed
    doomed.wait().unwrap();

    cloud.start_worker(
        Arc::new(QueueProbe {
            delay: Duration::from_millis(100),
        }),
        1,
        2.0,
    );
    let job = cloud.wait_for_job(&buyer, &job_id, "succeeded", 60).await;
    assert!(job["receipt"]["signature"].is_string(), "{job}");
    let claims: i32 = cloud
        .db
        .query_one("SELECT claims FROM jobs WHERE job_id = $1", &[&job_id])
        .await
        .unwrap()
        .get(0);
    assert_eq!(claims, 2);
    assert_eq!(
        kinds(&cloud.ledger(&buyer).await),
        ["grant", "hold", "charge"]
    );
    assert_eq!(cloud.balance(&buyer).await, 500 - credits);
    assert_eq!(
        cloud.stored("outputs").len(),
        1,
        "{:?}",
        cloud.stored("outputs")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_that_lost_its_lease_can_neither_finish_nor_charge() {
    let cloud = Cloud::start().await;
    let (buyer, job_id, credits) = queued_job(&cloud).await;
    let pool = likeness_cloud::db::pool(&cloud.database_url, 2).unwrap();
    let mut client = pool.get().await.unwrap();
    let signer = likeness_cloud::receipts::load_signer(&**client, None)
        .await
        .unwrap();

    let zombie = queue::claim(&**client, "zombie", 30.0)
        .await
        .unwrap()
        .unwrap();
    cloud
        .db
        .execute(
            "UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE job_id = $1",
            &[&job_id],
        )
        .await
        .unwrap();
    let heir = queue::claim(&**client, "heir", 30.0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(heir.job_id, zombie.job_id);
    assert!(!queue::heartbeat(&**client, &zombie, 30.0, 0.5)
        .await
        .unwrap());

    let made = |lease: &str| queue::Made {
        key: likeness_cloud::storage::output_key(&job_id, lease),
        sha256: "00".repeat(32),
        width: 128,
        height: 96,
        bytes: 10,
    };
    assert!(
        !queue::succeed(&mut client, &signer, &zombie, &made(&zombie.lease_id))
            .await
            .unwrap()
    );
    let failed = queue::end_unsuccessfully(
        &mut client,
        &zombie,
        queue::Unsuccessful::Failed,
        "engine_failed",
        "late",
    );
    assert!(!failed.await.unwrap());
    assert_eq!(cloud.job(&buyer, &job_id).await["state"], "running");
    assert!(
        queue::succeed(&mut client, &signer, &heir, &made(&heir.lease_id))
            .await
            .unwrap()
    );
    assert_eq!(
        kinds(&cloud.ledger(&buyer).await),
        ["grant", "hold", "charge"]
    );
    assert_eq!(cloud.balance(&buyer).await, 500 - credits);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_three_workers_lost_fails_as_worker_lost_and_is_released() {
    let mut cloud = Cloud::start().await;
    let (buyer, job_id, _) = queued_job(&cloud).await;
    cloud
        .db
        .execute(
            "UPDATE jobs SET state = 'running', lease_id = 'lease_gone', claims = 3,
                             lease_expires_at = now() - interval '1 second'
             WHERE job_id = $1",
            &[&job_id],
        )
        .await
        .unwrap();
    cloud.start_worker(
        Arc::new(QueueProbe {
            delay: Duration::ZERO,
        }),
        1,
        5.0,
    );
    let job = cloud.wait_for_job(&buyer, &job_id, "failed", 30).await;
    assert_eq!(job["error"]["code"], "worker_lost");
    assert_eq!(
        kinds(&cloud.ledger(&buyer).await),
        ["grant", "hold", "release"]
    );
    assert_eq!(cloud.balance(&buyer).await, 500);
    assert!(cloud.stored("inputs").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_output_is_deleted_shortly_after_its_download_and_within_a_day_at_most() {
    let mut cloud = Cloud::start().await;
    let (buyer, job_id, _) = queued_job(&cloud).await;
    let picture = tiny_picture(64, 48);
    let (quote_id, _) = cloud.quote(&buyer, "hd_x2", Value::Null, &picture).await;
    let _unused = cloud.quote(&buyer, "hd_x2", Value::Null, &picture).await;
    let (_, second) = cloud.submit(&buyer, Some("k2"), &quote_id, &picture).await;
    let never_fetched = second["job_id"].as_str().unwrap().to_owned();
    cloud.start_worker(
        Arc::new(QueueProbe {
            delay: Duration::ZERO,
        }),
        2,
        5.0,
    );
    cloud.wait_for_job(&buyer, &job_id, "succeeded", 30).await;
    cloud
        .wait_for_job(&buyer, &never_fetched, "succeeded", 30)
        .await;
    let output = format!("/v1/jobs/{job_id}/output");
    let (status, png) = cloud.get_bytes(&output, &buyer.token).await;
    assert_eq!(status, StatusCode::OK);
    let png = image::load_from_memory(&png).unwrap();
    assert_eq!(
        (png.width(), png.height()),
        (64, 48),
        "the probe inverts, it does not scale"
    );

    let storage = Storage::open(&cloud.storage.path().display().to_string())
        .await
        .unwrap();
    let now = time::OffsetDateTime::now_utc();
    let swept = retention::sweep(&cloud.db, &storage, now).await.unwrap();
    assert_eq!(
        swept.outputs, 0,
        "a download can be retried for a few minutes"
    );
    let swept = retention::sweep(&cloud.db, &storage, now + retention::DOWNLOAD_GRACE * 2)
        .await
        .unwrap();
    assert_eq!(swept.outputs, 1);
    let (status, body) = cloud.get(&output, Some(&buyer.token)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::GONE, Some("output_gone"))
    );
    assert_eq!(
        cloud.job(&buyer, &job_id).await["output"]["available"],
        false
    );

    let swept = retention::sweep(&cloud.db, &storage, now + retention::OUTPUT_MAX_AGE * 2)
        .await
        .unwrap();
    assert_eq!(
        swept.outputs, 1,
        "the output nobody fetched goes within a day"
    );
    assert_eq!(swept.quotes, 1, "the unused quote goes; the used ones stay");
    assert_eq!(cloud.count("SELECT count(*) FROM quotes").await, 2);
    std::fs::create_dir_all(cloud.storage.path().join("inputs")).unwrap();
    std::fs::write(
        cloud.storage.path().join("inputs/job_orphan"),
        b"left by a crash",
    )
    .unwrap();
    let swept = retention::sweep(&cloud.db, &storage, now + retention::ORPHAN_AGE * 2)
        .await
        .unwrap();
    assert_eq!(swept.orphans, 1);
    assert!(cloud.stored("inputs").is_empty() && cloud.stored("outputs").is_empty());
}
