//! Malformed requests get coded 4xx answers and change nothing.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::Cloud;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_json_a_wrong_content_type_and_a_huge_body_are_coded_and_change_nothing() {
    let cloud = Cloud::start().await;
    let buyer = cloud.account().await;
    let post = |body: Vec<u8>, content_type: &'static str| {
        cloud
            .http
            .post(cloud.url("/v1/orders"))
            .bearer_auth(&buyer.token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let cases = [
        (
            b"{\"pack_id\":".to_vec(),
            "application/json",
            StatusCode::BAD_REQUEST,
            "bad_json",
        ),
        (
            b"{\"pack\":\"starter\"}".to_vec(),
            "application/json",
            StatusCode::BAD_REQUEST,
            "bad_json",
        ),
        (
            b"pack_id=starter".to_vec(),
            "application/x-www-form-urlencoded",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            format!("{{\"pack_id\":\"{}\"}}", "x".repeat(100_000)).into_bytes(),
            "application/json",
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
        ),
    ];
    for (body, content_type, status, code) in cases {
        let answer = post(body, content_type).await.unwrap();
        assert_eq!(answer.status(), status, "{code}");
        let error: likeness_cloud_api::ApiError = answer.json().await.unwrap();
        assert_eq!(error.code, code);
        assert!(!error.message.is_empty());
    }
    assert_eq!(cloud.count("SELECT count(*) FROM orders").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_pack_and_an_unknown_path_are_coded_404s() {
    let cloud = Cloud::start().await;
    let buyer = cloud.account().await;
    let (status, body) = cloud
        .post(
            "/v1/orders",
            Some(&buyer.token),
            &json!({"pack_id": "mega"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "unknown_pack");
    let (status, body) = cloud.get("/v1/nothing-here", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "not_found");
    assert_eq!(cloud.count("SELECT count(*) FROM orders").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_checkout_or_checkout_button_is_refused() {
    let cloud = Cloud::start().await;
    let page = cloud
        .http
        .get(cloud.url("/checkout/cs_local_nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let buyer = cloud.account().await;
    let (order_id, checkout_url) = cloud.order(&buyer, "starter").await;
    let answer = cloud
        .http
        .post(format!("{checkout_url}/refund_me"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
    let answer = cloud
        .http
        .get(format!("{checkout_url}?delivery=sideways"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        cloud.order_json(&buyer, &order_id).await["state"],
        "pending"
    );
}
