//! Stripe-shaped webhook events and their signatures, as Stripe sends them.

use likeness_cloud::secret::Secret;
use serde_json::json;

use crate::harness::WEBHOOK_SECRET;

/// A Stripe-shaped `checkout.session.*` event, as Stripe would send it.
pub fn stripe_event(
    event_id: &str,
    event_type: &str,
    session_id: &str,
    order_id: &str,
    payment_status: &str,
    amount_total: i64,
) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "id": event_id,
        "object": "event",
        "api_version": "2025-06-30.basil",
        "created": now(),
        "livemode": false,
        "type": event_type,
        "data": {"object": {
            "id": session_id,
            "object": "checkout.session",
            "mode": "payment",
            "client_reference_id": order_id,
            "amount_total": amount_total,
            "currency": "usd",
            "payment_status": payment_status,
            "status": "complete",
        }}
    }))
    .unwrap()
}

/// Now, in Unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A `Stripe-Signature` header for `body`, signed now with the test secret.
pub fn sign(body: &[u8]) -> String {
    likeness_cloud::payments::signature::sign(&Secret::new(WEBHOOK_SECRET), now(), body)
}
