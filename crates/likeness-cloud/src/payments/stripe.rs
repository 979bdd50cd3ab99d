//! Stripe Checkout, with no SDK: form-encoded calls, each POST carrying an
//! `Idempotency-Key` derived from the order, so a retry after a timeout can
//! never open a second session for one order.
//!
//! Only session creation is needed to take money; fulfilment comes from the
//! signed `checkout.session.*` webhooks, never from the redirect.

use serde::Deserialize;

use super::{BoxFuture, CheckoutSession, NewCheckout, PaymentProvider, ProviderError};
use crate::secret::Secret;

/// Stripe's API, unless a test points elsewhere.
pub const STRIPE_API_BASE: &str = "https://api.stripe.com";

/// A request to Stripe, built before it is sent so that it can be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripeRequest {
    pub url: String,
    pub idempotency_key: String,
    /// The form fields, in order, before URL-encoding.
    pub form: Vec<(String, String)>,
}

/// Real payments through Stripe Checkout.
pub struct StripeProvider {
    secret_key: Secret,
    api_base: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for StripeProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeProvider")
            .field("secret_key", &self.secret_key)
            .field("api_base", &self.api_base)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct SessionAnswer {
    id: String,
    url: Option<String>,
}

#[derive(Deserialize)]
struct ErrorAnswer {
    error: ErrorBody,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    message: String,
}

impl StripeProvider {
    /// A provider using the secret API key `sk_…` against `api_base`.
    pub fn new(secret_key: Secret, api_base: impl Into<String>) -> Self {
        crate::install_tls_provider();
        StripeProvider {
            secret_key,
            api_base: api_base.into().trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .build()
                .expect("the HTTP client builds with the ring TLS provider installed"),
        }
    }

    /// The Checkout Session create call for `checkout`: one line item priced
    /// inline, the order id as `client_reference_id` and in the metadata.
    pub fn checkout_request(&self, checkout: &NewCheckout) -> StripeRequest {
        let pairs = [
            ("mode", "payment".to_owned()),
            ("client_reference_id", checkout.order_id.clone()),
            ("metadata[order_id]", checkout.order_id.clone()),
            ("line_items[0][quantity]", "1".to_owned()),
            (
                "line_items[0][price_data][currency]",
                checkout.currency.clone(),
            ),
            (
                "line_items[0][price_data][unit_amount]",
                checkout.amount_cents.to_string(),
            ),
            (
                "line_items[0][price_data][product_data][name]",
                checkout.description.clone(),
            ),
            ("success_url", checkout.success_url.clone()),
            ("cancel_url", checkout.cancel_url.clone()),
        ];
        StripeRequest {
            url: format!("{}/v1/checkout/sessions", self.api_base),
            idempotency_key: format!("likeness-checkout-{}", checkout.order_id),
            form: pairs
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect(),
        }
    }

    async fn send(&self, request: StripeRequest) -> Result<CheckoutSession, ProviderError> {
        let answer = self
            .http
            .post(&request.url)
            .bearer_auth(self.secret_key.expose())
            .header("Idempotency-Key", &request.idempotency_key)
            .form(&request.form)
            .send()
            .await
            .map_err(|e| ProviderError::Unreachable(e.without_url().to_string()))?;
        let status = answer.status();
        let body = answer
            .bytes()
            .await
            .map_err(|e| ProviderError::Unreachable(e.without_url().to_string()))?;
        if !status.is_success() {
            let message = serde_json::from_slice::<ErrorAnswer>(&body)
                .map(|e| e.error.message)
                .unwrap_or_default();
            return Err(ProviderError::Refused {
                status: status.as_u16(),
                message,
            });
        }
        let session: SessionAnswer =
            serde_json::from_slice(&body).map_err(|e| ProviderError::BadAnswer(e.to_string()))?;
        let url = session
            .url
            .ok_or_else(|| ProviderError::BadAnswer("the session has no url".to_owned()))?;
        Ok(CheckoutSession {
            session_id: session.id,
            url,
        })
    }
}

impl PaymentProvider for StripeProvider {
    fn name(&self) -> &'static str {
        "stripe"
    }

    fn create_checkout<'a>(
        &'a self,
        checkout: &'a NewCheckout,
    ) -> BoxFuture<'a, Result<CheckoutSession, ProviderError>> {
        Box::pin(self.send(self.checkout_request(checkout)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checkout() -> NewCheckout {
        NewCheckout {
            order_id: "ord_1".into(),
            description: "Starter: 100 credits".into(),
            amount_cents: 499,
            currency: "usd".into(),
            success_url: "http://127.0.0.1:8787/checkout/return?session_id={CHECKOUT_SESSION_ID}"
                .into(),
            cancel_url: "http://127.0.0.1:8787/checkout/return?cancelled=1".into(),
        }
    }

    #[test]
    fn the_checkout_request_prices_one_pack_and_names_the_order() {
        let provider = StripeProvider::new(Secret::new("sk_test_x"), "https://api.example/");
        let request = provider.checkout_request(&checkout());
        assert_eq!(request.url, "https://api.example/v1/checkout/sessions");
        assert_eq!(request.idempotency_key, "likeness-checkout-ord_1");
        let field = |name: &str| {
            request
                .form
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(field("mode"), Some("payment"));
        assert_eq!(field("client_reference_id"), Some("ord_1"));
        assert_eq!(field("metadata[order_id]"), Some("ord_1"));
        assert_eq!(field("line_items[0][price_data][unit_amount]"), Some("499"));
        assert_eq!(field("line_items[0][price_data][currency]"), Some("usd"));
        assert_eq!(field("line_items[0][quantity]"), Some("1"));
        assert!(field("success_url")
            .unwrap()
            .contains("{CHECKOUT_SESSION_ID}"));
    }

    #[test]
    fn the_same_order_always_gets_the_same_idempotency_key() {
        let provider = StripeProvider::new(Secret::new("sk_test_x"), STRIPE_API_BASE);
        assert_eq!(
            provider.checkout_request(&checkout()).idempotency_key,
            provider.checkout_request(&checkout()).idempotency_key
        );
    }

    #[test]
    fn the_provider_never_prints_its_key() {
        let provider = StripeProvider::new(Secret::new("sk_test_very_secret"), STRIPE_API_BASE);
        assert!(!format!("{provider:?}").contains("sk_test_very_secret"));
    }
}
