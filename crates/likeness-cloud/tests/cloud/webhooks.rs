//! Webhook delivery as it really happens: duplicated, out of order, late,
//! concurrent, tampered, stale and replayed. Credits are granted once, and a
//! refused event changes nothing.

use reqwest::StatusCode;

use crate::harness::{self, Cloud};
use crate::stripe_events::{self, sign, stripe_event};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_delivered_twice_still_grants_once() {
    let cloud = Cloud::start().await;
    let buyer = cloud.account().await;
    let (order_id, checkout_url) = cloud.order(&buyer, "standard").await;

    cloud
        .press(&checkout_url, "delivery=duplicate", "Pay")
        .await;
    assert_eq!(cloud.order_json(&buyer, &order_id).await["state"], "paid");
    assert_eq!(cloud.balance(&buyer).await, 500);
    assert_eq!(cloud.ledger(&buyer).await.len(), 1);
    assert_eq!(
        cloud
            .count("SELECT count(*) FROM payment_events WHERE outcome = 'granted'")
            .await,
        1
    );
    assert_eq!(cloud.count("SELECT count(*) FROM receipts").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delayed_success_delivered_before_its_completion_grants_once_and_stays_paid() {
    let cloud = Cloud::start().await;
    let buyer = cloud.account().await;
    let (order_id, checkout_url) = cloud.order(&buyer, "starter").await;

    cloud
        .press(
            &checkout_url,
            "delivery=reverse,duplicate",
            "Pay now and succeed later",
        )
        .await;
    // async_payment_succeeded came first and granted; the late "completed,
    // unpaid" must not send the order back to processing.
    assert_eq!(cloud.order_json(&buyer, &order_id).await["state"], "paid");
    assert_eq!(cloud.balance(&buyer).await, 100);
    assert_eq!(cloud.ledger(&buyer).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delayed_failure_delivered_before_its_completion_still_ends_the_order_failed() {
    let cloud = Cloud::start().await;
    let buyer = cloud.account().await;
    let (order_id, checkout_url) = cloud.order(&buyer, "starter").await;

    cloud
        .press(&checkout_url, "delivery=reverse", "Pay now and fail later")
        .await;
    assert_eq!(cloud.order_json(&buyer, &order_id).await["state"], "failed");
    assert_eq!(cloud.balance(&buyer).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_payment_event_is_applied_when_it_arrives_and_not_before() {
    let cloud = Cloud::start().await;
    let buyer = cloud.account().await;
    let (order_id, checkout_url) = cloud.order(&buyer, "standard").await;

    let (status, _) = cloud.press(&checkout_url, "late_ms=2000", "Pay").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // The buyer is back in the app, but the payment has not been confirmed yet.
    assert_eq!(
        cloud.order_json(&buyer, &order_id).await["state"],
        "pending"
    );
    assert_eq!(cloud.balance(&buyer).await, 0);

    cloud.wait_for_state(&buyer, &order_id, "paid").await;
    assert_eq!(cloud.balance(&buyer).await, 500);
}

/// An order whose session id the test knows, to send events of its own.
async fn open_order(cloud: &Cloud) -> (harness::Account, String, String) {
    let buyer = cloud.account().await;
    let (order_id, _) = cloud.order(&buyer, "starter").await;
    let session_id = cloud.order_json(&buyer, &order_id).await["provider_session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    (buyer, order_id, session_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_event_is_refused_with_a_coded_400_and_changes_nothing() {
    let cloud = Cloud::start().await;
    let (buyer, order_id, session_id) = open_order(&cloud).await;
    let genuine = stripe_event(
        "evt_t1",
        "checkout.session.completed",
        &session_id,
        &order_id,
        "unpaid",
        499,
    );
    let header = sign(&genuine);
    let tampered = String::from_utf8(genuine.clone())
        .unwrap()
        .replace("\"unpaid\"", "\"paid\"");

    let (status, body) = cloud.webhook(tampered.as_bytes(), Some(&header)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "signature_mismatch");
    assert_eq!(
        cloud.order_json(&buyer, &order_id).await["state"],
        "pending"
    );
    assert_eq!(cloud.balance(&buyer).await, 0);
    assert_eq!(cloud.count("SELECT count(*) FROM payment_events").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsigned_wrongly_signed_and_stale_events_are_refused_with_their_own_codes() {
    let cloud = Cloud::start().await;
    let (buyer, order_id, session_id) = open_order(&cloud).await;
    let paid = stripe_event(
        "evt_s1",
        "checkout.session.completed",
        &session_id,
        &order_id,
        "paid",
        499,
    );
    let secret = likeness_cloud::secret::Secret::new(harness::WEBHOOK_SECRET);
    let other = likeness_cloud::secret::Secret::new("whsec_someone_else");
    let signature = likeness_cloud::payments::signature::sign;
    let cases = [
        (None, "signature_missing"),
        (Some("v1=abc".to_owned()), "signature_malformed"),
        (
            Some(signature(&other, stripe_events::now(), &paid)),
            "signature_mismatch",
        ),
        (
            Some(signature(&secret, stripe_events::now() - 301, &paid)),
            "signature_expired",
        ),
    ];
    for (header, code) in cases {
        let (status, body) = cloud.webhook(&paid, header.as_deref()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{code}");
        assert_eq!(body["code"], code);
    }
    assert_eq!(cloud.balance(&buyer).await, 0);
    assert_eq!(cloud.count("SELECT count(*) FROM payment_events").await, 0);

    // The same event, signed properly, is then accepted once.
    let (status, body) = cloud.webhook(&paid, Some(&sign(&paid))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["outcome"], "granted");
    assert_eq!(cloud.balance(&buyer).await, 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signature_from_the_previous_secret_beside_the_current_one_is_accepted() {
    let cloud = Cloud::start().await;
    let (buyer, order_id, session_id) = open_order(&cloud).await;
    let paid = stripe_event(
        "evt_r1",
        "checkout.session.completed",
        &session_id,
        &order_id,
        "paid",
        499,
    );
    let t = stripe_events::now();
    let old = likeness_cloud::payments::signature::v1(
        &likeness_cloud::secret::Secret::new("whsec_retired"),
        t,
        &paid,
    );
    let current = likeness_cloud::payments::signature::v1(
        &likeness_cloud::secret::Secret::new(harness::WEBHOOK_SECRET),
        t,
        &paid,
    );
    let (status, _) = cloud
        .webhook(&paid, Some(&format!("t={t},v1={old},v1={current}")))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cloud.balance(&buyer).await, 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redelivered_event_and_a_second_paid_event_for_the_same_session_grant_nothing_more() {
    let cloud = Cloud::start().await;
    let (buyer, order_id, session_id) = open_order(&cloud).await;
    let paid = stripe_event(
        "evt_d1",
        "checkout.session.completed",
        &session_id,
        &order_id,
        "paid",
        499,
    );
    let (_, first) = cloud.webhook(&paid, Some(&sign(&paid))).await;
    assert_eq!(first["outcome"], "granted");

    // Stripe re-signs a redelivery: same event id, new timestamp.
    let (status, again) = cloud.webhook(&paid, Some(&sign(&paid))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["outcome"], "duplicate");

    let other = stripe_event(
        "evt_d2",
        "checkout.session.async_payment_succeeded",
        &session_id,
        &order_id,
        "paid",
        499,
    );
    let (_, second) = cloud.webhook(&other, Some(&sign(&other))).await;
    assert_eq!(second["outcome"], "already_paid");

    // And an expiry arriving after the payment does not take it back.
    let expired = stripe_event(
        "evt_d3",
        "checkout.session.expired",
        &session_id,
        &order_id,
        "unpaid",
        499,
    );
    let (_, third) = cloud.webhook(&expired, Some(&sign(&expired))).await;
    assert_eq!(third["outcome"], "ignored");

    assert_eq!(cloud.order_json(&buyer, &order_id).await["state"], "paid");
    assert_eq!(cloud.balance(&buyer).await, 100);
    assert_eq!(cloud.ledger(&buyer).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_deliveries_of_paid_events_grant_once() {
    let cloud = Cloud::start().await;
    let (buyer, order_id, session_id) = open_order(&cloud).await;
    let mut sends = Vec::new();
    for i in 0..20 {
        // Half redeliver one event, half are distinct events for the same session.
        let event_id = if i % 2 == 0 {
            "evt_c0".to_owned()
        } else {
            format!("evt_c{i}")
        };
        let body = stripe_event(
            &event_id,
            "checkout.session.completed",
            &session_id,
            &order_id,
            "paid",
            499,
        );
        let header = sign(&body);
        let http = cloud.http.clone();
        let url = cloud.url("/v1/webhooks/stripe");
        sends.push(tokio::spawn(async move {
            let answer = http
                .post(url)
                .header("Stripe-Signature", header)
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), StatusCode::OK);
            answer.json::<serde_json::Value>().await.unwrap()["outcome"]
                .as_str()
                .unwrap()
                .to_owned()
        }));
    }
    let mut outcomes = Vec::new();
    for send in sends {
        outcomes.push(send.await.unwrap());
    }
    assert_eq!(
        outcomes.iter().filter(|o| *o == "granted").count(),
        1,
        "{outcomes:?}"
    );
    assert_eq!(cloud.balance(&buyer).await, 100);
    assert_eq!(cloud.ledger(&buyer).await.len(), 1);
    assert_eq!(cloud.count("SELECT count(*) FROM receipts").await, 1);
    // Credits are conserved: what was granted is what the balances hold.
    assert_eq!(
        cloud
            .count(
                "SELECT (SELECT coalesce(sum(credits), 0) FROM ledger WHERE kind = 'grant')::bigint
                      - (SELECT coalesce(sum(balance + held), 0) FROM accounts)::bigint"
            )
            .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_event_for_the_wrong_amount_grants_nothing() {
    let cloud = Cloud::start().await;
    let (buyer, order_id, session_id) = open_order(&cloud).await;
    let cheap = stripe_event(
        "evt_a1",
        "checkout.session.completed",
        &session_id,
        &order_id,
        "paid",
        1,
    );
    let (status, body) = cloud.webhook(&cheap, Some(&sign(&cheap))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["outcome"], "amount_mismatch");
    assert_eq!(
        cloud.order_json(&buyer, &order_id).await["state"],
        "pending"
    );
    assert_eq!(cloud.balance(&buyer).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_body_that_is_not_an_event_is_a_coded_400() {
    let cloud = Cloud::start().await;
    let body = br#"{"hello": "world"}"#;
    let (status, answer) = cloud.webhook(body, Some(&sign(body))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["code"], "bad_event");
    assert_eq!(cloud.count("SELECT count(*) FROM payment_events").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_about_other_things_are_acknowledged_and_ignored() {
    let cloud = Cloud::start().await;
    let body = br#"{"id":"evt_o1","object":"event","type":"charge.refunded","data":{"object":{"id":"ch_1"}}}"#;
    let (status, answer) = cloud.webhook(body, Some(&sign(body))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["outcome"], "ignored");
}
