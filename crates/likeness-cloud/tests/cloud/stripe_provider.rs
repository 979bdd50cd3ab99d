//! The Stripe provider against a stand-in for Stripe's API on loopback: the
//! exact request it sends, and a purchase through the whole server with it.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use likeness_cloud::config::Payments;
use likeness_cloud::payments::stripe::StripeProvider;
use likeness_cloud::payments::{NewCheckout, PaymentProvider, ProviderError};
use likeness_cloud::secret::Secret;
use serde_json::json;

use crate::harness::Cloud;
use crate::stripe_events::{sign, stripe_event};

type Seen = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A fake Stripe that records each request and answers `status` with `body`.
async fn fake_stripe(status: StatusCode, body: serde_json::Value) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let record = seen.clone();
    let app = Router::new().route(
        "/v1/checkout/sessions",
        post(move |headers: HeaderMap, body_in: Bytes| {
            let record = record.clone();
            let body = body.clone();
            async move {
                record.lock().unwrap().push((headers, body_in));
                (status, axum::Json(body))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, seen)
}

fn session_answer() -> serde_json::Value {
    json!({"id": "cs_test_a1", "object": "checkout.session",
           "url": "https://checkout.stripe.com/c/pay/cs_test_a1"})
}

fn checkout() -> NewCheckout {
    NewCheckout {
        order_id: "ord_42".into(),
        description: "Starter: 100 credits".into(),
        amount_cents: 499,
        currency: "usd".into(),
        success_url: "http://127.0.0.1:1/checkout/return?session_id={CHECKOUT_SESSION_ID}".into(),
        cancel_url: "http://127.0.0.1:1/checkout/return?cancelled=true".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_a_checkout_posts_a_form_with_the_key_and_an_idempotency_key() {
    likeness_cloud::install_tls_provider();
    let (base, seen) = fake_stripe(StatusCode::OK, session_answer()).await;
    let provider = StripeProvider::new(Secret::new("sk_test_123"), base);
    let session = provider.create_checkout(&checkout()).await.unwrap();
    assert_eq!(session.session_id, "cs_test_a1");
    assert_eq!(session.url, "https://checkout.stripe.com/c/pay/cs_test_a1");

    // A retry sends the same idempotency key, so Stripe returns the same session.
    provider.create_checkout(&checkout()).await.unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    for (headers, _) in seen.iter() {
        assert_eq!(headers["authorization"], "Bearer sk_test_123");
        assert_eq!(headers["idempotency-key"], "likeness-checkout-ord_42");
        assert_eq!(headers["content-type"], "application/x-www-form-urlencoded");
    }
    let form = String::from_utf8(seen[0].1.to_vec()).unwrap();
    for field in [
        "mode=payment",
        "client_reference_id=ord_42",
        "metadata%5Border_id%5D=ord_42",
        "line_items%5B0%5D%5Bquantity%5D=1",
        "line_items%5B0%5D%5Bprice_data%5D%5Bcurrency%5D=usd",
        "line_items%5B0%5D%5Bprice_data%5D%5Bunit_amount%5D=499",
        "success_url=http%3A%2F%2F127.0.0.1%3A1%2Fcheckout%2Freturn%3Fsession_id%3D%7BCHECKOUT_SESSION_ID%7D",
    ] {
        assert!(form.split('&').any(|pair| pair == field), "{field} missing from {form}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_from_stripe_is_reported_with_its_message() {
    likeness_cloud::install_tls_provider();
    let (base, _) = fake_stripe(
        StatusCode::BAD_REQUEST,
        json!({"error": {"type": "invalid_request_error", "message": "Invalid currency: xxx"}}),
    )
    .await;
    let provider = StripeProvider::new(Secret::new("sk_test_123"), base);
    match provider.create_checkout(&checkout()).await {
        Err(ProviderError::Refused { status, message }) => {
            assert_eq!(status, 400);
            assert_eq!(message, "Invalid currency: xxx");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_purchase_with_stripe_is_granted_by_its_signed_webhook_only() {
    let (base, _) = fake_stripe(StatusCode::OK, session_answer()).await;
    let cloud = Cloud::start_with(Payments::Stripe {
        secret_key: Secret::new("sk_test_123"),
        api_base: base,
    })
    .await;
    let buyer = cloud.account().await;
    let (order_id, checkout_url) = cloud.order(&buyer, "starter").await;
    assert_eq!(checkout_url, "https://checkout.stripe.com/c/pay/cs_test_a1");
    let order = cloud.order_json(&buyer, &order_id).await;
    assert_eq!(order["provider"], "stripe");
    assert_eq!(order["provider_session_id"], "cs_test_a1");
    // The local provider's pages do not exist with Stripe.
    let page = cloud
        .http
        .get(cloud.url("/checkout/cs_test_a1"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);

    let paid = stripe_event(
        "evt_1Abc",
        "checkout.session.completed",
        "cs_test_a1",
        &order_id,
        "paid",
        499,
    );
    let (status, body) = cloud.webhook(&paid, Some(&sign(&paid))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["outcome"], "granted");
    assert_eq!(cloud.balance(&buyer).await, 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_stripe_is_down_ordering_is_a_coded_502_and_the_order_ends_unpaid() {
    let (base, _) = fake_stripe(
        StatusCode::INTERNAL_SERVER_ERROR,
        json!({"error": {"message": "boom"}}),
    )
    .await;
    let cloud = Cloud::start_with(Payments::Stripe {
        secret_key: Secret::new("sk_test_123"),
        api_base: base,
    })
    .await;
    let buyer = cloud.account().await;
    let (status, body) = cloud
        .post(
            "/v1/orders",
            Some(&buyer.token),
            &json!({"pack_id": "starter"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(body["code"], "payment_provider_unavailable");
    assert_eq!(
        cloud
            .count("SELECT count(*) FROM orders WHERE state = 'expired'")
            .await,
        1
    );
    assert_eq!(cloud.balance(&buyer).await, 0);
}
