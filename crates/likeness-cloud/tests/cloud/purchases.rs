//! Buying credit packs through the local checkout page, as the app's
//! checkout window would: every button, and what the buyer then sees.

use likeness_cloud_api::{Receipt, ReceiptKey};
use reqwest::StatusCode;

use crate::harness::Cloud;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paying_for_a_pack_grants_its_credits_once_with_a_receipt_that_verifies_offline() {
    let cloud = Cloud::start().await;
    let buyer = cloud.account().await;
    let (order_id, checkout_url) = cloud.order(&buyer, "standard").await;
    assert_eq!(
        cloud.order_json(&buyer, &order_id).await["state"],
        "pending"
    );

    let (status, back) = cloud.press(&checkout_url, "", "Pay").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let back = back.unwrap();
    assert!(
        back.contains(&format!(
            "/checkout/return?order={order_id}&session_id=cs_local_"
        )),
        "{back}"
    );

    let order = cloud.order_json(&buyer, &order_id).await;
    assert_eq!(order["state"], "paid");
    assert_eq!(order["credits"], 500);
    assert!(order["provider_session_id"]
        .as_str()
        .unwrap()
        .starts_with("cs_local_"));
    assert_eq!(cloud.balance(&buyer).await, 500);

    let ledger = cloud.ledger(&buyer).await;
    assert_eq!(ledger.len(), 1, "{ledger:?}");
    assert_eq!(ledger[0]["kind"], "grant");
    assert_eq!(ledger[0]["credits"], 500);
    assert_eq!(ledger[0]["order_id"], order_id.as_str());
    assert_eq!(ledger[0]["balance_after"], 500);

    // The app reads these answers with the shared wire types.
    let typed: likeness_cloud_api::Order = serde_json::from_value(order.clone()).unwrap();
    assert_eq!(typed.state, likeness_cloud_api::OrderState::Paid);
    let (_, ledger_json) = cloud.get("/v1/ledger", Some(&buyer.token)).await;
    let typed: likeness_cloud_api::Ledger = serde_json::from_value(ledger_json).unwrap();
    assert_eq!(typed.entries[0].kind, likeness_cloud_api::LedgerKind::Grant);
    let (_, balance_json) = cloud.get("/v1/balance", Some(&buyer.token)).await;
    let typed: likeness_cloud_api::Balance = serde_json::from_value(balance_json).unwrap();
    assert_eq!(
        typed,
        likeness_cloud_api::Balance {
            credits: 500,
            held: 0
        }
    );

    // The receipt, fetched on its own, verifies with the published key alone.
    let receipt: Receipt = serde_json::from_value(order["receipt"].clone()).unwrap();
    assert_eq!(receipt.credits, 500);
    assert_eq!(receipt.amount_cents, Some(1999));
    assert_eq!(receipt.account_id, buyer.account_id);
    let (status, fetched) = cloud
        .get(
            &format!("/v1/receipts/{}", receipt.receipt_id),
            Some(&buyer.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let fetched: Receipt = serde_json::from_value(fetched).unwrap();
    assert_eq!(fetched, receipt);
    let (status, key) = cloud.get(likeness_cloud_api::RECEIPT_KEY_PATH, None).await;
    assert_eq!(status, StatusCode::OK);
    let key: ReceiptKey = serde_json::from_value(key).unwrap();
    assert_eq!(fetched.verify(&key), Ok(()));
    let mut forged = fetched.clone();
    forged.credits = 5000;
    assert!(forged.verify(&key).is_err());

    // The page runs no script and cannot be framed.
    let page = cloud.http.get(&checkout_url).send().await.unwrap();
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );

    // The page cannot be paid twice.
    let page = cloud.http.get(&checkout_url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::CONFLICT);
    assert!(page.text().await.unwrap().contains("already complete"));
    assert_eq!(cloud.balance(&buyer).await, 500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_card_grants_nothing_and_the_buyer_can_try_again() {
    let cloud = Cloud::start().await;
    let buyer = cloud.account().await;
    let (order_id, checkout_url) = cloud.order(&buyer, "starter").await;

    let (status, _) = cloud.press(&checkout_url, "", "Decline").await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
    let order = cloud.order_json(&buyer, &order_id).await;
    assert_eq!(order["state"], "pending");
    assert!(order["receipt"].is_null());
    assert_eq!(cloud.balance(&buyer).await, 0);
    assert!(cloud.ledger(&buyer).await.is_empty());

    cloud.press(&checkout_url, "", "Pay").await;
    assert_eq!(cloud.order_json(&buyer, &order_id).await["state"], "paid");
    assert_eq!(cloud.balance(&buyer).await, 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_checkout_expires_the_order_without_credits() {
    let cloud = Cloud::start().await;
    let buyer = cloud.account().await;
    let (order_id, checkout_url) = cloud.order(&buyer, "starter").await;

    let (status, back) = cloud.press(&checkout_url, "", "Cancel").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(back.unwrap().contains("cancelled=true"));
    let order = cloud.order_json(&buyer, &order_id).await;
    assert_eq!(order["state"], "expired");
    assert!(order["receipt"].is_null());
    assert_eq!(cloud.balance(&buyer).await, 0);
    assert!(cloud.ledger(&buyer).await.is_empty());
    let page = cloud.http.get(&checkout_url).send().await.unwrap();
    assert!(page.text().await.unwrap().contains("Nothing was charged"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_that_fails_later_ends_the_order_failed_without_credits() {
    let cloud = Cloud::start().await;
    let buyer = cloud.account().await;
    let (order_id, checkout_url) = cloud.order(&buyer, "studio").await;

    cloud
        .press(&checkout_url, "", "Pay now and fail later")
        .await;
    let order = cloud.order_json(&buyer, &order_id).await;
    assert_eq!(order["state"], "failed");
    assert!(order["receipt"].is_null());
    assert_eq!(cloud.balance(&buyer).await, 0);
    assert!(cloud.ledger(&buyer).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_that_settles_later_grants_when_it_succeeds_and_not_before() {
    let cloud = Cloud::start().await;
    let buyer = cloud.account().await;
    let (order_id, checkout_url) = cloud.order(&buyer, "starter").await;

    // Both events (completed but unpaid, then the success) arrive 2 s late.
    cloud
        .press(&checkout_url, "late_ms=2000", "Pay now and succeed later")
        .await;
    assert_eq!(
        cloud.order_json(&buyer, &order_id).await["state"],
        "pending"
    );
    assert_eq!(cloud.balance(&buyer).await, 0);

    let order = cloud.wait_for_state(&buyer, &order_id, "paid").await;
    assert!(order["receipt"].is_object());
    assert_eq!(cloud.balance(&buyer).await, 100);
    assert_eq!(cloud.ledger(&buyer).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn landing_on_the_return_page_without_paying_grants_nothing_and_offers_the_way_back_to_the_app(
) {
    let cloud = Cloud::start().await;
    let buyer = cloud.account().await;
    let (order_id, _) = cloud.order(&buyer, "studio").await;
    let session_id = cloud.order_json(&buyer, &order_id).await["provider_session_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let page = cloud
        .http
        .get(cloud.url(&format!(
            "/checkout/return?order={order_id}&session_id={session_id}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains("confirms the purchase"), "{page}");
    assert!(
        page.contains(&format!(
            "href=\"likeness://checkout/return?order={order_id}\""
        )),
        "{page}"
    );
    let hostile = cloud
        .http
        .get(cloud.url("/checkout/return?order=%22%3E%3Cscript%3E&cancelled=true"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(hostile.contains("Nothing was charged"), "{hostile}");
    assert!(
        !hostile.contains("likeness://") && !hostile.contains("<script"),
        "{hostile}"
    );
    assert_eq!(
        cloud.order_json(&buyer, &order_id).await["state"],
        "pending"
    );
    assert_eq!(cloud.balance(&buyer).await, 0);
    assert_eq!(cloud.count("SELECT count(*) FROM receipts").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_packs_on_sale_are_listed_with_their_credits_and_prices() {
    let cloud = Cloud::start().await;
    let (status, body) = cloud.get("/v1/packs", None).await;
    assert_eq!(status, StatusCode::OK);
    let packs: likeness_cloud_api::PackList = serde_json::from_value(body).unwrap();
    let summary: Vec<(&str, i64, i64)> = packs
        .packs
        .iter()
        .map(|p| (p.pack_id.as_str(), p.credits, p.amount_cents))
        .collect();
    assert_eq!(
        summary,
        [
            ("starter", 100, 499),
            ("standard", 500, 1999),
            ("studio", 1500, 4999)
        ]
    );
}
