//! The app's client (`likeness_cloud_api::client`) against the real server:
//! buy, see the balance, run a job with a key that makes a resend safe, fetch
//! the output, and verify every receipt offline.

use std::sync::Arc;
use std::time::{Duration, Instant};

use likeness_cloud::backend::probe::QueueProbe;
use likeness_cloud_api::client::{ClientError, CloudClient};
use likeness_cloud_api::{InputSize, JobKind, JobState, LedgerKind, OrderState, QuoteRequest};

use crate::harness::{tiny_picture, Cloud};

/// Run a blocking client call off the test's async threads.
async fn blocking<T: Send + 'static>(call: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(call).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_client_buys_credits_runs_a_job_once_and_verifies_its_receipts() {
    let mut cloud = Cloud::start().await;
    cloud.start_worker(
        Arc::new(QueueProbe {
            delay: Duration::from_millis(50),
        }),
        1,
        5.0,
    );
    let anonymous = CloudClient::new(&cloud.base).unwrap();
    let created = blocking({
        let c = anonymous.clone();
        move || c.create_account()
    })
    .await
    .unwrap();
    let client = anonymous.with_token(created.token.clone());

    let c = client.clone();
    let (packs, order) = blocking(move || (c.packs().unwrap(), c.order("starter").unwrap())).await;
    assert!(packs.iter().any(|p| p.pack_id == "starter"));
    cloud.press(&order.checkout_url, "", "Pay").await;
    let c = client.clone();
    let order_id = order.order_id.clone();
    let paid = blocking(move || {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let order = c.order_state(&order_id).unwrap();
            if order.state == OrderState::Paid || Instant::now() > deadline {
                return order;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    })
    .await;
    assert_eq!(paid.state, OrderState::Paid);

    let picture = tiny_picture(48, 32);
    let c = client.clone();
    let (key, balance, quote, first, again) = blocking(move || {
        let key = c.receipt_key().unwrap();
        let balance = c.balance().unwrap();
        let quote = c
            .quote(&QuoteRequest {
                kind: JobKind::HdX2,
                params: serde_json::Value::Null,
                input: InputSize {
                    width: 48,
                    height: 32,
                },
            })
            .unwrap();
        let first = c.submit("app-job-1", &quote.quote_id, &picture).unwrap();
        // A resend after a lost answer: the same job, no second hold.
        let again = c.submit("app-job-1", &quote.quote_id, &picture).unwrap();
        (key, balance, quote, first, again)
    })
    .await;
    paid.receipt.as_ref().unwrap().verify(&key).unwrap();
    assert_eq!(balance.credits, paid.credits);
    assert_eq!(first.job_id, again.job_id);

    let c = client.clone();
    let job_id = first.job_id.clone();
    let (job, png, after, ledger) = blocking(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        let job = loop {
            let job = c.job(&job_id).unwrap();
            if job.state.is_final() || Instant::now() > deadline {
                break job;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let png = c.output(&job_id).unwrap();
        (job, png, c.balance().unwrap(), c.ledger().unwrap())
    })
    .await;
    assert_eq!(job.state, JobState::Succeeded);
    let receipt = job.receipt.unwrap();
    receipt.verify(&key).unwrap();
    assert_eq!(receipt.credits, quote.credits);
    assert_eq!(image::load_from_memory(&png).unwrap().width(), 48);
    assert_eq!(
        after.credits,
        paid.credits - quote.credits,
        "charged once, exactly the quote"
    );
    let holds = ledger.iter().filter(|e| e.kind == LedgerKind::Hold).count();
    assert_eq!(holds, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_client_hears_402_with_the_shortfall_and_a_tampered_receipt_fails_to_verify() {
    let cloud = Cloud::start().await;
    let created = blocking({
        let c = CloudClient::new(&cloud.base).unwrap();
        move || c.create_account()
    })
    .await
    .unwrap();
    let client = CloudClient::new(&cloud.base)
        .unwrap()
        .with_token(created.token);
    let picture = tiny_picture(40, 40);
    let c = client.clone();
    let refused = blocking(move || {
        let quote = c
            .quote(&QuoteRequest {
                kind: JobKind::HdX2,
                params: serde_json::Value::Null,
                input: InputSize {
                    width: 40,
                    height: 40,
                },
            })
            .unwrap();
        c.submit("broke", &quote.quote_id, &picture).unwrap_err()
    })
    .await;
    let ClientError::InsufficientCredits(short) = refused else {
        panic!("{refused:?}")
    };
    assert_eq!((short.needed, short.balance), (3, 0));

    let buyer = cloud.funded_account().await;
    let paid = cloud.ledger(&buyer).await;
    let order_id = paid[0]["order_id"].as_str().unwrap().to_owned();
    let c = CloudClient::new(&cloud.base)
        .unwrap()
        .with_token(buyer.token.clone());
    let (order, key) =
        blocking(move || (c.order_state(&order_id).unwrap(), c.receipt_key().unwrap())).await;
    let mut receipt = order.receipt.unwrap();
    receipt.verify(&key).unwrap();
    receipt.credits += 1;
    assert!(
        receipt.verify(&key).is_err(),
        "a changed receipt is invalid"
    );
}
