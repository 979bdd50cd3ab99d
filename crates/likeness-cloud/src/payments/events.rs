//! Stripe-shaped payment events: the part of an Event and its Checkout
//! Session that fulfilment reads. Unknown fields are ignored, as Stripe adds
//! fields over time; a missing required one makes the event unreadable.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A Stripe Event (`"object": "event"`).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    #[serde(default)]
    pub created: i64,
    pub data: EventData,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct EventData {
    pub object: Value,
}

/// The fields of a Checkout Session (`"object": "checkout.session"`) that
/// fulfilment needs.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct CheckoutSession {
    pub id: String,
    #[serde(default)]
    pub client_reference_id: Option<String>,
    /// `paid`, `unpaid` or `no_payment_required`.
    pub payment_status: String,
    #[serde(default)]
    pub amount_total: Option<i64>,
    #[serde(default)]
    pub currency: Option<String>,
}

/// What an event asks fulfilment to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The money arrived: grant the order's credits (once).
    Grant,
    /// Checkout finished with a payment that settles later.
    Processing,
    /// The delayed payment failed.
    Fail,
    /// The session expired or was cancelled unpaid.
    Expire,
    /// Nothing to do for this event.
    Ignore,
}

/// Why an event could not be read.
#[derive(Debug, thiserror::Error)]
#[error("the event is not a Stripe event this server can read: {0}")]
pub struct EventError(#[from] serde_json::Error);

impl Event {
    /// Parse a raw webhook body.
    pub fn parse(body: &[u8]) -> Result<Self, EventError> {
        Ok(serde_json::from_slice(body)?)
    }

    /// The Checkout Session this event is about, for `checkout.session.*` events.
    pub fn checkout_session(&self) -> Result<Option<CheckoutSession>, EventError> {
        if !self.event_type.starts_with("checkout.session.") {
            return Ok(None);
        }
        Ok(Some(serde_json::from_value(self.data.object.clone())?))
    }

    /// What to do. Credits are granted only for a completed session whose
    /// `payment_status` is `paid`, or on `async_payment_succeeded`.
    pub fn action(&self, session: &CheckoutSession) -> Action {
        match self.event_type.as_str() {
            "checkout.session.completed" if session.payment_status == "paid" => Action::Grant,
            "checkout.session.completed" if session.payment_status == "unpaid" => {
                Action::Processing
            }
            "checkout.session.async_payment_succeeded" => Action::Grant,
            "checkout.session.async_payment_failed" => Action::Fail,
            "checkout.session.expired" => Action::Expire,
            _ => Action::Ignore,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(event_type: &str, payment_status: &str) -> (Event, CheckoutSession) {
        let body = json!({
            "id": "evt_1", "object": "event", "type": event_type, "created": 1,
            "data": {"object": {"id": "cs_1", "object": "checkout.session",
                "payment_status": payment_status, "amount_total": 499, "currency": "usd",
                "client_reference_id": "ord_1", "livemode": false}}
        });
        let event = Event::parse(body.to_string().as_bytes()).unwrap();
        let session = event.checkout_session().unwrap().unwrap();
        (event, session)
    }

    #[test]
    fn only_a_paid_completion_or_an_async_success_grants() {
        let cases = [
            ("checkout.session.completed", "paid", Action::Grant),
            ("checkout.session.completed", "unpaid", Action::Processing),
            (
                "checkout.session.completed",
                "no_payment_required",
                Action::Ignore,
            ),
            (
                "checkout.session.async_payment_succeeded",
                "paid",
                Action::Grant,
            ),
            (
                "checkout.session.async_payment_failed",
                "unpaid",
                Action::Fail,
            ),
            ("checkout.session.expired", "unpaid", Action::Expire),
            ("checkout.session.something_new", "paid", Action::Ignore),
        ];
        for (event_type, status, expected) in cases {
            let (event, session) = event(event_type, status);
            assert_eq!(event.action(&session), expected, "{event_type} {status}");
        }
    }

    #[test]
    fn an_event_about_something_else_has_no_session() {
        let body = br#"{"id":"evt_2","type":"charge.refunded","data":{"object":{"id":"ch_1"}}}"#;
        assert!(Event::parse(body)
            .unwrap()
            .checkout_session()
            .unwrap()
            .is_none());
    }
}
