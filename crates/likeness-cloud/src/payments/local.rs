//! The local payment provider (`--payments local`): Stripe Checkout's stand-in
//! for development and tests. No money moves.
//!
//! It keeps its sessions in `local_checkout_sessions`, serves its own checkout
//! page at `/checkout/{session}` with plain HTML forms (Pay, Decline, Pay now
//! and fail later, Pay later and succeed, Cancel), and delivers the events
//! Stripe would send, shaped and signed exactly like Stripe's, to this
//! server's own webhook over real HTTP. The webhook cannot tell them apart
//! from Stripe's: the same verifier and the same fulfilment handle both.
//!
//! Test hooks, local provider only: the checkout page takes
//! `?delivery=duplicate,reverse&late_ms=N` and carries it into its forms.
//! `duplicate` sends every event twice (re-signed, as Stripe's retries are),
//! `reverse` sends a checkout's events last first, and `late_ms` delivers
//! them that long after the buyer has been sent back.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use deadpool_postgres::Pool;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{signature, BoxFuture, CheckoutSession, NewCheckout, PaymentProvider, ProviderError};
use crate::ids;
use crate::secret::Secret;

/// The API version written on the events, as Stripe stamps its own.
const EVENT_API_VERSION: &str = "2025-06-30.basil";

/// How many times one event is sent before giving up.
const DELIVERY_ATTEMPTS: u32 = 4;

/// The stand-in provider.
pub struct LocalProvider {
    pool: Pool,
    secret: Secret,
    base_url: String,
    webhook_url: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for LocalProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalProvider")
            .field("base_url", &self.base_url)
            .field("webhook_url", &self.webhook_url)
            .finish_non_exhaustive()
    }
}

/// How the events of one checkout are delivered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    pub duplicate: bool,
    pub reverse: bool,
    pub late_ms: u64,
}

impl Delivery {
    fn parse(modes: Option<&str>, late_ms: Option<u64>) -> Result<Self, String> {
        let mut delivery = Delivery {
            late_ms: late_ms.unwrap_or(0),
            ..Delivery::default()
        };
        for mode in modes.unwrap_or("").split(',').map(str::trim) {
            match mode {
                "" | "normal" => {}
                "duplicate" => delivery.duplicate = true,
                "reverse" | "out_of_order" => delivery.reverse = true,
                other => return Err(format!("unknown delivery mode {other:?}")),
            }
        }
        Ok(delivery)
    }

    fn modes(&self) -> String {
        let mut modes = Vec::new();
        if self.duplicate {
            modes.push("duplicate");
        }
        if self.reverse {
            modes.push("reverse");
        }
        modes.join(",")
    }
}

/// The test hooks, from the page's query string or a form's hidden fields.
#[derive(Debug, Default, Deserialize)]
struct DeliveryFields {
    #[serde(default)]
    delivery: Option<String>,
    #[serde(default)]
    late_ms: Option<u64>,
}

/// A session row, as the page and the events need it.
struct SessionRow {
    session_id: String,
    order_id: String,
    description: String,
    amount_cents: i64,
    currency: String,
    success_url: String,
    cancel_url: String,
    status: String,
}

const SESSION_COLUMNS: &str =
    "session_id, order_id, description, amount_cents, currency, success_url, cancel_url, status";

fn session_from_row(row: &tokio_postgres::Row) -> SessionRow {
    SessionRow {
        session_id: row.get(0),
        order_id: row.get(1),
        description: row.get(2),
        amount_cents: row.get(3),
        currency: row.get(4),
        success_url: row.get(5),
        cancel_url: row.get(6),
        status: row.get(7),
    }
}

impl LocalProvider {
    /// A provider whose pages live under `base_url` and whose events go to
    /// `webhook_url`, signed with `secret`.
    pub fn new(pool: Pool, secret: Secret, base_url: String, webhook_url: String) -> Self {
        crate::install_tls_provider();
        LocalProvider {
            pool,
            secret,
            base_url,
            webhook_url,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("the HTTP client builds with the ring TLS provider installed"),
        }
    }

    async fn open(&self, checkout: &NewCheckout) -> Result<CheckoutSession, ProviderError> {
        let session_id = ids::new_id("cs_local");
        let client = self.pool.get().await?;
        // One session per order, as an idempotent Stripe create would give.
        let row = client
            .query_one(
                "INSERT INTO local_checkout_sessions
                     (session_id, order_id, description, amount_cents, currency, success_url, cancel_url)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (order_id) DO UPDATE SET order_id = EXCLUDED.order_id
                 RETURNING session_id",
                &[
                    &session_id,
                    &checkout.order_id,
                    &checkout.description,
                    &checkout.amount_cents,
                    &checkout.currency,
                    &checkout.success_url,
                    &checkout.cancel_url,
                ],
            )
            .await?;
        let session_id: String = row.get(0);
        Ok(CheckoutSession {
            url: format!("{}/checkout/{session_id}", self.base_url),
            session_id,
        })
    }

    /// A Stripe-shaped event about `session`.
    fn event(&self, event_type: &str, session: &SessionRow, payment_status: &str) -> Value {
        let status = if event_type == "checkout.session.expired" {
            "expired"
        } else {
            "complete"
        };
        json!({
            "id": ids::new_id("evt_local"),
            "object": "event",
            "api_version": EVENT_API_VERSION,
            "created": time::OffsetDateTime::now_utc().unix_timestamp(),
            "livemode": false,
            "pending_webhooks": 1,
            "type": event_type,
            "data": {
                "object": {
                    "id": session.session_id,
                    "object": "checkout.session",
                    "mode": "payment",
                    "client_reference_id": session.order_id,
                    "metadata": {"order_id": session.order_id},
                    "amount_total": session.amount_cents,
                    "currency": session.currency,
                    "payment_status": payment_status,
                    "status": status,
                    "livemode": false,
                }
            }
        })
    }

    /// Send `events` as `delivery` says: now, or later in the background.
    async fn deliver(self: &Arc<Self>, mut events: Vec<Value>, delivery: Delivery) {
        if delivery.reverse {
            events.reverse();
        }
        let sends: Vec<Vec<u8>> = events
            .iter()
            .flat_map(|event| {
                let body = serde_json::to_vec(event).expect("an event serialises");
                let times = if delivery.duplicate { 2 } else { 1 };
                std::iter::repeat_n(body, times)
            })
            .collect();
        if delivery.late_ms == 0 {
            self.send_all(sends).await;
        } else {
            let provider = Arc::clone(self);
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(delivery.late_ms)).await;
                provider.send_all(sends).await;
            });
        }
    }

    async fn send_all(&self, sends: Vec<Vec<u8>>) {
        for body in sends {
            self.send(&body).await;
        }
    }

    /// POST one event, signed at the moment it is sent; retry as Stripe does
    /// when the endpoint errs, but not when it refuses the event (4xx).
    async fn send(&self, body: &[u8]) {
        for attempt in 1..=DELIVERY_ATTEMPTS {
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            let answer = self
                .http
                .post(&self.webhook_url)
                .header("Content-Type", "application/json; charset=utf-8")
                .header("Stripe-Signature", signature::sign(&self.secret, now, body))
                .body(body.to_vec())
                .send()
                .await;
            match answer {
                Ok(answer) if answer.status().is_success() => return,
                Ok(answer) if answer.status().is_client_error() => {
                    tracing::warn!(status = %answer.status(), "local provider: the webhook refused an event");
                    return;
                }
                Ok(answer) => {
                    tracing::warn!(status = %answer.status(), attempt, "local provider: webhook failed");
                }
                Err(error) => {
                    tracing::warn!(error = %error.without_url(), attempt, "local provider: webhook unreachable");
                }
            }
            tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
        }
    }

    async fn session(&self, session_id: &str) -> Result<Option<SessionRow>, PageError> {
        let client = self.pool.get().await?;
        let sql =
            format!("SELECT {SESSION_COLUMNS} FROM local_checkout_sessions WHERE session_id = $1");
        let row = client.query_opt(&sql, &[&session_id]).await?;
        Ok(row.as_ref().map(session_from_row))
    }

    /// Close an open session; `None` when it was not open.
    async fn close(
        &self,
        session_id: &str,
        status: &str,
        payment_status: &str,
    ) -> Result<Option<SessionRow>, PageError> {
        let client = self.pool.get().await?;
        let sql = format!(
            "UPDATE local_checkout_sessions SET status = $2, payment_status = $3
             WHERE session_id = $1 AND status = 'open' RETURNING {SESSION_COLUMNS}"
        );
        let row = client
            .query_opt(&sql, &[&session_id, &status, &payment_status])
            .await?;
        Ok(row.as_ref().map(session_from_row))
    }
}

impl PaymentProvider for LocalProvider {
    fn name(&self) -> &'static str {
        "local"
    }

    fn create_checkout<'a>(
        &'a self,
        checkout: &'a NewCheckout,
    ) -> BoxFuture<'a, Result<CheckoutSession, ProviderError>> {
        Box::pin(self.open(checkout))
    }
}

/// The local provider's own pages.
pub fn routes() -> Router<Arc<LocalProvider>> {
    Router::new()
        .route("/checkout/{session}", get(page))
        .route("/checkout/{session}/{action}", post(act))
}

/// A page that went wrong: plain words for the buyer.
struct PageError(StatusCode, String);

impl From<tokio_postgres::Error> for PageError {
    fn from(error: tokio_postgres::Error) -> Self {
        tracing::error!("local checkout: database: {error}");
        PageError(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The checkout failed; nothing was charged.".into(),
        )
    }
}

impl From<deadpool_postgres::PoolError> for PageError {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        tracing::error!("local checkout: database pool: {error}");
        PageError(
            StatusCode::SERVICE_UNAVAILABLE,
            "The checkout is unavailable; nothing was charged.".into(),
        )
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        (
            self.0,
            Html(html_page(
                "Checkout",
                &format!("<p>{}</p>", escape(&self.1)),
            )),
        )
            .into_response()
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn html_page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>{title}</title></head><body>\
         <p><strong>Test checkout:</strong> local payments, no real money moves.</p>\n{body}\n</body></html>",
        title = escape(title)
    )
}

fn money(amount_cents: i64, currency: &str) -> String {
    format!(
        "{}.{:02} {}",
        amount_cents / 100,
        amount_cents % 100,
        currency.to_uppercase()
    )
}

/// The buttons, each a plain form posting to `/checkout/{session}/{action}`.
const ACTIONS: [(&str, &str); 5] = [
    ("pay", "Pay"),
    ("decline", "Decline"),
    ("fail_later", "Pay now and fail later"),
    ("succeed_later", "Pay now and succeed later"),
    ("cancel", "Cancel"),
];

async fn page(
    State(provider): State<Arc<LocalProvider>>,
    Path(session_id): Path<String>,
    fields: Result<Query<DeliveryFields>, QueryRejection>,
) -> Result<Response, PageError> {
    let Query(fields) = fields.map_err(|e| PageError(StatusCode::BAD_REQUEST, e.body_text()))?;
    let delivery = Delivery::parse(fields.delivery.as_deref(), fields.late_ms)
        .map_err(|e| PageError(StatusCode::BAD_REQUEST, e))?;
    let Some(session) = provider.session(&session_id).await? else {
        return Err(PageError(
            StatusCode::NOT_FOUND,
            "There is no such checkout.".into(),
        ));
    };
    if session.status != "open" {
        return Ok(closed(&session).into_response());
    }
    let mut body = format!(
        "<h1>{}</h1>\n<p>Total: <strong>{}</strong></p>\n",
        escape(&session.description),
        money(session.amount_cents, &session.currency)
    );
    for (action, label) in ACTIONS {
        body.push_str(&format!(
            "<form method=\"post\" action=\"/checkout/{id}/{action}\">\
             <input type=\"hidden\" name=\"delivery\" value=\"{modes}\">\
             <input type=\"hidden\" name=\"late_ms\" value=\"{late}\">\
             <button type=\"submit\">{label}</button></form>\n",
            id = escape(&session.session_id),
            modes = escape(&delivery.modes()),
            late = delivery.late_ms,
        ));
    }
    Ok(Html(html_page("Checkout", &body)).into_response())
}

fn closed(session: &SessionRow) -> (StatusCode, Html<String>) {
    let words = if session.status == "expired" {
        "This checkout was cancelled. Nothing was charged."
    } else {
        "This checkout is already complete."
    };
    (
        StatusCode::CONFLICT,
        Html(html_page("Checkout", &format!("<p>{words}</p>"))),
    )
}

async fn act(
    State(provider): State<Arc<LocalProvider>>,
    Path((session_id, action)): Path<(String, String)>,
    fields: Result<Form<DeliveryFields>, FormRejection>,
) -> Result<Response, PageError> {
    let fields = match fields {
        Ok(Form(fields)) => fields,
        // A bare POST (no form body) delivers normally.
        Err(FormRejection::InvalidFormContentType(_)) => DeliveryFields::default(),
        Err(other) => return Err(PageError(StatusCode::BAD_REQUEST, other.body_text())),
    };
    let delivery = Delivery::parse(fields.delivery.as_deref(), fields.late_ms)
        .map_err(|e| PageError(StatusCode::BAD_REQUEST, e))?;
    let Some(existing) = provider.session(&session_id).await? else {
        return Err(PageError(
            StatusCode::NOT_FOUND,
            "There is no such checkout.".into(),
        ));
    };
    let (status, payment_status) = match action.as_str() {
        "pay" => ("complete", "paid"),
        "fail_later" | "succeed_later" => ("complete", "unpaid"),
        "cancel" => ("expired", "unpaid"),
        "decline" => {
            if existing.status != "open" {
                return Ok(closed(&existing).into_response());
            }
            // As with a declined card on Stripe: no checkout event, the
            // session stays open and the buyer may try again.
            let body = format!(
                "<p>Your card was declined. Nothing was charged.</p>\
                 <p><a href=\"/checkout/{}\">Try again</a></p>",
                escape(&session_id)
            );
            return Ok((
                StatusCode::PAYMENT_REQUIRED,
                Html(html_page("Declined", &body)),
            )
                .into_response());
        }
        _ => {
            return Err(PageError(
                StatusCode::NOT_FOUND,
                "There is no such checkout action.".into(),
            ))
        }
    };
    let Some(session) = provider.close(&session_id, status, payment_status).await? else {
        return Ok(closed(&existing).into_response());
    };
    let events = match action.as_str() {
        "pay" => vec![provider.event("checkout.session.completed", &session, "paid")],
        "fail_later" => vec![
            provider.event("checkout.session.completed", &session, "unpaid"),
            provider.event("checkout.session.async_payment_failed", &session, "unpaid"),
        ],
        "succeed_later" => vec![
            provider.event("checkout.session.completed", &session, "unpaid"),
            provider.event("checkout.session.async_payment_succeeded", &session, "paid"),
        ],
        _ => vec![provider.event("checkout.session.expired", &session, "unpaid")],
    };
    provider.deliver(events, delivery).await;
    let back = if action == "cancel" {
        session.cancel_url.clone()
    } else {
        session.success_url.clone()
    };
    Ok(Redirect::to(&back.replace("{CHECKOUT_SESSION_ID}", &session.session_id)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_modes_parse_and_print_back() {
        let delivery = Delivery::parse(Some("duplicate, out_of_order"), Some(250)).unwrap();
        assert_eq!(
            delivery,
            Delivery {
                duplicate: true,
                reverse: true,
                late_ms: 250
            }
        );
        assert_eq!(delivery.modes(), "duplicate,reverse");
        assert_eq!(Delivery::parse(None, None).unwrap(), Delivery::default());
        assert!(Delivery::parse(Some("twice"), None).is_err());
    }

    #[test]
    fn page_text_is_escaped() {
        assert_eq!(
            escape("<b>\"x\" & 'y'</b>"),
            "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;"
        );
        assert_eq!(money(1999, "usd"), "19.99 USD");
    }
}
