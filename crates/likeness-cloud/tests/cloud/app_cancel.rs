//! Cancelling cloud jobs from the app: the server releases the hold, whether
//! the user cancels, turns cloud off, or the cancel was cut off and is sent at
//! the next start.

use std::time::{Duration, Instant};

use likeness_core::cloud::CloudLedgerKind;
use likeness_core::db::DbError;
use likeness_core::jobs::JobState;

use crate::app_cloud::{blocking, funded_app, queued_cloud_hd, wait_until_held};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_cloud_job_cancels_it_on_the_server_and_the_hold_comes_back() {
    let (_cloud, dir, services) = funded_app(Duration::from_secs(30)).await;
    let s = services.clone();
    let path = dir.path().to_owned();
    let (ledger, balance) = blocking(move || {
        let (queue, _, job) = queued_cloud_hd(&s, &path);
        // Wait until the server holds the credits, then cancel.
        wait_until_held(&s);
        queue.cancel(job.id).unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ledger = s.cloud.ledger().unwrap();
            if ledger.iter().any(|e| e.kind == CloudLedgerKind::Release)
                || Instant::now() > deadline
            {
                return (ledger, s.cloud.balance().unwrap());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    })
    .await;
    let kinds: Vec<_> = ledger.iter().rev().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            CloudLedgerKind::Grant,
            CloudLedgerKind::Hold,
            CloudLedgerKind::Release
        ],
        "the refund shows in the ledger"
    );
    assert_eq!((balance.credits, balance.held), (100, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_cut_off_before_it_reached_the_server_is_sent_at_the_next_start_and_the_hold_comes_back(
) {
    let (cloud, dir, services) = funded_app(Duration::from_secs(30)).await;
    let s = services.clone();
    let path = dir.path().to_owned();
    blocking(move || {
        let (queue, _, job) = queued_cloud_hd(&s, &path);
        wait_until_held(&s);
        drop(queue); // the app is cut off mid-job, just after the user's
                     // cancel was written here and before it was sent:
        s.db.write(|tx| {
            tx.execute(
                "UPDATE jobs SET state = 'cancelled' WHERE id = ?1",
                [job.id],
            )
            .map_err(DbError::from)
        })
        .unwrap();
    })
    .await;
    let open = "SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')";
    assert_eq!(
        cloud.count(open).await,
        1,
        "the server never heard of the cancel"
    );

    // The next start sends it: the server cancels and the hold comes back.
    let s = services.clone();
    assert_eq!(
        blocking(move || s.cloud.send_pending_cancels().unwrap()).await,
        1
    );
    assert_eq!(cloud.count(open).await, 0);
    let s = services.clone();
    let (kinds, balance) = blocking(move || {
        let kinds: Vec<_> = s
            .cloud
            .ledger()
            .unwrap()
            .iter()
            .rev()
            .map(|e| e.kind)
            .collect();
        (kinds, s.cloud.balance().unwrap())
    })
    .await;
    assert_eq!(
        kinds,
        [
            CloudLedgerKind::Grant,
            CloudLedgerKind::Hold,
            CloudLedgerKind::Release
        ],
        "the refund shows in the ledger, with no charge"
    );
    assert_eq!((balance.credits, balance.held), (100, 0));
    let s = services.clone();
    assert_eq!(
        blocking(move || s.cloud.send_pending_cancels().unwrap()).await,
        0,
        "a cancel the server heard is not sent again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn turning_cloud_off_cancels_its_running_job_on_the_server_and_its_credits_come_back() {
    let (cloud, dir, services) = funded_app(Duration::from_secs(30)).await;
    let s = services.clone();
    let path = dir.path().to_owned();
    let (state, status) = blocking(move || {
        let (queue, _, job) = queued_cloud_hd(&s, &path);
        wait_until_held(&s);
        let status = s.cloud.disable(&queue).unwrap();
        (queue.get(job.id).unwrap().state, status)
    })
    .await;
    assert_eq!(state, JobState::Cancelled);
    assert!(!status.enabled);
    let deadline = Instant::now() + Duration::from_secs(20);
    while cloud
        .count("SELECT count(*) FROM ledger WHERE kind = 'release'")
        .await
        == 0
    {
        assert!(Instant::now() < deadline, "the hold was never released");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        cloud.count("SELECT sum(held)::bigint FROM accounts").await,
        0,
        "nothing is held once cloud is off"
    );
}
