//! Anonymous accounts: tokens, their hashes, and what one account may see.

use reqwest::StatusCode;
use sha2::{Digest, Sha256};

use crate::harness::Cloud;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_or_unknown_token_is_a_coded_401() {
    let cloud = Cloud::start().await;
    let (status, body) = cloud.get("/v1/balance", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "unauthenticated");
    let (status, body) = cloud.get("/v1/balance", Some("lk_not_a_real_token")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "invalid_token");
    let answer = cloud
        .http
        .get(cloud.url("/v1/ledger"))
        .header("Authorization", "Basic abc")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_keeps_only_the_sha256_of_a_token() {
    let cloud = Cloud::start().await;
    let account = cloud.account().await;
    assert!(account.token.starts_with("lk_"));
    let hash: Vec<u8> = cloud
        .db
        .query_one(
            "SELECT token_sha256 FROM accounts WHERE account_id = $1",
            &[&account.account_id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(hash, Sha256::digest(account.token.as_bytes()).to_vec());
    // The token itself is nowhere in the accounts table.
    let found = cloud
        .db
        .query_one(
            "SELECT count(*) FROM accounts a WHERE position($1 in a::text) > 0",
            &[&account.token],
        )
        .await
        .unwrap()
        .get::<_, i64>(0);
    assert_eq!(found, 0);
    assert_eq!(cloud.balance(&account).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_account_cannot_read_your_order_or_your_receipt() {
    let cloud = Cloud::start().await;
    let buyer = cloud.account().await;
    let stranger = cloud.account().await;
    let (order_id, checkout_url) = cloud.order(&buyer, "starter").await;
    cloud.press(&checkout_url, "", "Pay").await;
    let order = cloud.order_json(&buyer, &order_id).await;
    let receipt_id = order["receipt"]["receipt_id"].as_str().unwrap();

    let (status, body) = cloud
        .get(&format!("/v1/orders/{order_id}"), Some(&stranger.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "order_not_found");
    let (status, body) = cloud
        .get(&format!("/v1/receipts/{receipt_id}"), Some(&stranger.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "receipt_not_found");
    assert_eq!(cloud.balance(&stranger).await, 0);
    assert!(cloud.ledger(&stranger).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_creating_more_than_twenty_accounts_in_a_minute_is_told_to_wait() {
    let cloud = Cloud::start().await;
    for _ in 0..20 {
        cloud.account().await;
    }
    let (status, body) = cloud
        .post("/v1/accounts", None, &serde_json::json!({}))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["code"], "rate_limited");
    assert_eq!(body["details"]["per_minute"], 20);
    assert_eq!(cloud.count("SELECT count(*) FROM accounts").await, 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_account_releases_its_open_jobs_forgets_its_token_and_keeps_only_the_ledger() {
    let cloud = Cloud::start().await;
    let buyer = cloud.funded_account().await;
    let picture = crate::harness::tiny_picture(40, 40);
    let (quote_id, credits) = cloud
        .quote(&buyer, "hd_x2", serde_json::Value::Null, &picture)
        .await;
    let (status, job) = cloud.submit(&buyer, Some("k"), &quote_id, &picture).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let _unused = cloud
        .quote(&buyer, "hd_x2", serde_json::Value::Null, &picture)
        .await;
    let balance = cloud.balance(&buyer).await;

    let answer = cloud
        .http
        .delete(cloud.url("/v1/account"))
        .bearer_auth(&buyer.token)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(
        body["forfeited_credits"],
        balance + credits,
        "the hold came back first"
    );

    let (status, _) = cloud.get("/v1/balance", Some(&buyer.token)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the token never signs in again"
    );
    let job_id = job["job_id"].as_str().unwrap();
    let state: String = cloud
        .db
        .query_one("SELECT state FROM jobs WHERE job_id = $1", &[&job_id])
        .await
        .unwrap()
        .get(0);
    assert_eq!(state, "cancelled");
    assert!(cloud.stored("inputs").is_empty(), "its images are deleted");
    assert_eq!(
        cloud.count("SELECT count(*) FROM quotes").await,
        1,
        "the used quote stays"
    );
    assert_eq!(
        cloud.count("SELECT count(*) FROM ledger").await,
        3,
        "grant, hold, release: the ledger is kept"
    );
    assert_eq!(
        cloud
            .count("SELECT count(*) FROM accounts WHERE token_sha256 IS NULL AND deleted_at IS NOT NULL")
            .await,
        1
    );
}
