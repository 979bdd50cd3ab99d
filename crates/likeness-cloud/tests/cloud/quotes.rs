//! Quotes: a deterministic price that holds for fifteen minutes.

use reqwest::StatusCode;
use serde_json::json;
use time::OffsetDateTime;

use crate::harness::Cloud;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_job_is_always_quoted_the_same_price_for_fifteen_minutes() {
    let cloud = Cloud::start().await;
    let buyer = cloud.account().await;
    let request = json!({"kind": "hd_x4", "params": {}, "input": {"width": 4000, "height": 3000}});
    let (status, first) = cloud.post("/v1/quotes", Some(&buyer.token), &request).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (_, second) = cloud.post("/v1/quotes", Some(&buyer.token), &request).await;
    let first: likeness_cloud_api::Quote = serde_json::from_value(first).unwrap();
    let second: likeness_cloud_api::Quote = serde_json::from_value(second).unwrap();
    assert_eq!(first.credits, 96);
    assert_eq!(second.credits, first.credits);
    assert_ne!(second.quote_id, first.quote_id);
    let left = first.expires_at - OffsetDateTime::now_utc();
    assert!(
        left > time::Duration::minutes(14) && left <= time::Duration::minutes(15),
        "{left}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quote_needs_an_account_and_a_sane_input() {
    let cloud = Cloud::start().await;
    let request = json!({"kind": "style", "input": {"width": 100, "height": 100}});
    let (status, _) = cloud.post("/v1/quotes", None, &request).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let buyer = cloud.account().await;
    let huge = json!({"kind": "hd_x4", "input": {"width": 20000, "height": 20000}});
    let (status, body) = cloud.post("/v1/quotes", Some(&buyer.token), &huge).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "input_too_large");
    let unknown = json!({"kind": "sculpt", "input": {"width": 10, "height": 10}});
    let (status, body) = cloud.post("/v1/quotes", Some(&buyer.token), &unknown).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "bad_json");
    assert_eq!(cloud.count("SELECT count(*) FROM quotes").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_asking_for_more_than_three_hundred_quotes_in_a_minute_is_told_to_wait() {
    let cloud = Cloud::start().await;
    let buyer = cloud.account().await;
    let request = json!({"kind": "hd_x2", "input": {"width": 64, "height": 64}});
    for n in 0..likeness_cloud::quotes::QUOTES_PER_MINUTE {
        let (status, body) = cloud.post("/v1/quotes", Some(&buyer.token), &request).await;
        assert_eq!(status, StatusCode::CREATED, "quote {n}: {body}");
    }
    let (status, body) = cloud.post("/v1/quotes", Some(&buyer.token), &request).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["code"], "rate_limited");
    assert_eq!(body["details"]["per_minute"], 300);
    let other = cloud.account().await;
    let (status, _) = cloud.post("/v1/quotes", Some(&other.token), &request).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "another account is not affected"
    );
}
