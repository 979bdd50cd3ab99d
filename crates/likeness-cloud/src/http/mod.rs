//! The HTTP API: routes, the shared state, Bearer auth and JSON bodies.
//!
//! Handlers parse, call one feature function and map its error to
//! [`Failure`]. Every body is capped at [`BODY_LIMIT`] (a job's at
//! [`jobs::JOB_BODY_LIMIT`]) and every request at
//! [`REQUEST_TIMEOUT`]; bad JSON, a wrong content type and a missing or
//! unknown token each get a coded 4xx. Request logs carry the method, the
//! path and the status, never a header or a body.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{
    ConnectInfo, DefaultBodyLimit, FromRequest, FromRequestParts, Path, Query, Request, State,
};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use deadpool_postgres::Pool;
use likeness_cloud_api::return_link;
use likeness_cloud_api::{
    AccountDeleted, Balance, CreateOrder, Ledger, OrderCreated, OrderState, PackList, QuoteRequest,
    ReceiptKey, RECEIPT_KEY_PATH,
};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;

mod jobs;
mod per_address;

use crate::error::Failure;
use crate::payments::events::Event;
use crate::payments::local::{self, LocalProvider};
use crate::payments::{self, fulfil, orders, signature, NewCheckout, PaymentProvider};
use crate::quotes::{self, QuoteError};
use crate::receipts::ReceiptSigner;
use crate::secret::Secret;
use crate::storage::Storage;
use crate::{accounts, credits, ids, receipts};

/// The largest request body accepted, in bytes.
pub const BODY_LIMIT: usize = 64 * 1024;

/// How long one request may take. A request cut off here is dropped with its
/// open transaction, which rolls back: nothing changes.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// What every handler shares. Cheap to clone; holds no per-request state, so
/// any number of `serve` nodes can run side by side.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    provider: Arc<dyn PaymentProvider>,
    signer: ReceiptSigner,
    webhook_secret: Secret,
    base_url: String,
    storage: Storage,
    signups: per_address::PerAddress,
}

impl AppState {
    pub fn new(
        pool: Pool,
        provider: Arc<dyn PaymentProvider>,
        signer: ReceiptSigner,
        webhook_secret: Secret,
        base_url: String,
        storage: Storage,
    ) -> Self {
        AppState {
            inner: Arc::new(Inner {
                pool,
                provider,
                signer,
                webhook_secret,
                base_url,
                storage,
                signups: Default::default(),
            }),
        }
    }

    fn pool(&self) -> &Pool {
        &self.inner.pool
    }

    fn storage(&self) -> &Storage {
        &self.inner.storage
    }
}

/// The whole router; the local provider's pages are added when it is used.
pub fn router(state: AppState, local: Option<Arc<LocalProvider>>) -> Router {
    let mut router = Router::new()
        .route("/v1/accounts", post(create_account))
        .route("/v1/account", axum::routing::delete(delete_account))
        .route("/v1/packs", get(list_packs))
        .route("/v1/orders", post(create_order))
        .route("/v1/orders/{order_id}", get(get_order))
        .route("/v1/webhooks/stripe", post(stripe_webhook))
        .route("/v1/balance", get(get_balance))
        .route("/v1/ledger", get(get_ledger))
        .route("/v1/receipts/{receipt_id}", get(get_receipt))
        .route("/v1/quotes", post(create_quote))
        .route(
            "/v1/jobs",
            post(jobs::submit).layer(DefaultBodyLimit::max(jobs::JOB_BODY_LIMIT)),
        )
        .route("/v1/jobs/{job_id}", get(jobs::get))
        .route("/v1/jobs/{job_id}/events", get(jobs::events))
        .route("/v1/jobs/{job_id}/output", get(jobs::output))
        .route("/v1/jobs/{job_id}/cancel", post(jobs::cancel))
        .route(RECEIPT_KEY_PATH, get(receipt_key))
        .route("/checkout/return", get(checkout_return))
        .fallback(|| async { Failure::no_route() })
        .with_state(state);
    if let Some(local) = local {
        router = router.merge(local::routes().with_state(local));
    }
    router
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(time_limit_and_log))
        .layer(middleware::map_response(lock_down))
}

/// Headers on every answer: the pages run no script, load nothing, post only
/// here and cannot be framed; nothing is sniffed and no referrer leaves.
async fn lock_down(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(
            "default-src 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

async fn time_limit_and_log(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => Failure::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!(
                "The server did not finish within {} s; nothing was changed. Try again.",
                REQUEST_TIMEOUT.as_secs()
            ),
        )
        .into_response(),
    };
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}

/// The account a request is made for, from `Authorization: Bearer <token>`.
pub struct Authed {
    account_id: String,
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        let value = parts.headers.get(header::AUTHORIZATION).ok_or_else(|| {
            Failure::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "This needs an account token: send `Authorization: Bearer <token>`.",
            )
        })?;
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let invalid = || {
            Failure::new(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "The account token is not valid.",
            )
        };
        let token = token.ok_or_else(invalid)?;
        let client = state.pool().get().await?;
        let account_id = accounts::authenticate(&**client, token)
            .await?
            .ok_or_else(invalid)?;
        Ok(Authed { account_id })
    }
}

/// A JSON body, with coded errors: `415 unsupported_media_type`,
/// `413 body_too_large`, `400 bad_json`.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = Failure;

    async fn from_request(request: Request, state: &S) -> Result<Self, Failure> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(Failure::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send the body as JSON, with `Content-Type: application/json`.",
            ));
        }
        let bytes = read_body(request, state).await?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(Failure::bad_json)
    }
}

async fn read_body<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, Failure> {
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Failure::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    format!("The request body is over the {BODY_LIMIT}-byte limit."),
                )
                .with_details(json!({"limit": BODY_LIMIT}))
            } else {
                Failure::new(
                    StatusCode::BAD_REQUEST,
                    "bad_body",
                    "The request body could not be read.",
                )
            }
        })
}

async fn create_account(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
) -> Result<Response, Failure> {
    if !state.inner.signups.allow(peer.ip(), Instant::now()) {
        return Err(rate_limited(per_address::ACCOUNTS_PER_MINUTE));
    }
    let client = state.pool().get().await?;
    let created = accounts::create(&**client).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// `DELETE /v1/account`: the owner deletes their account (see
/// [`accounts::delete`]).
async fn delete_account(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Json<AccountDeleted>, Failure> {
    let mut client = state.pool().get().await?;
    let forfeited_credits = accounts::delete(&mut client, state.storage(), &authed.account_id)
        .await
        .map_err(|e| Failure::internal(format_args!("deleting an account: {e}")))?;
    Ok(Json(AccountDeleted {
        deleted: true,
        forfeited_credits,
    }))
}

async fn list_packs(State(state): State<AppState>) -> Result<Json<PackList>, Failure> {
    let client = state.pool().get().await?;
    Ok(Json(PackList {
        packs: payments::packs(&**client).await?,
    }))
}

async fn create_order(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(request): JsonBody<CreateOrder>,
) -> Result<Response, Failure> {
    let client = state.pool().get().await?;
    let pack = payments::pack(&**client, &request.pack_id)
        .await?
        .ok_or_else(|| {
            Failure::new(
                StatusCode::NOT_FOUND,
                "unknown_pack",
                format!("There is no pack {:?} on sale.", request.pack_id),
            )
        })?;
    let order_id = ids::new_id("ord");
    let provider = &state.inner.provider;
    orders::insert(
        &**client,
        &order_id,
        &authed.account_id,
        &pack,
        provider.name(),
    )
    .await?;
    // No connection is held while the provider works (it may need one itself).
    drop(client);
    let base = &state.inner.base_url;
    let checkout = NewCheckout {
        order_id: order_id.clone(),
        description: pack.name.clone(),
        amount_cents: pack.amount_cents,
        currency: pack.currency.clone(),
        success_url: format!(
            "{base}/checkout/return?order={order_id}&session_id={{CHECKOUT_SESSION_ID}}"
        ),
        cancel_url: format!("{base}/checkout/return?order={order_id}&cancelled=true"),
    };
    let opened = provider.create_checkout(&checkout).await;
    let client = state.pool().get().await?;
    let session = match opened {
        Ok(session) => session,
        Err(error) => {
            tracing::warn!(order = %order_id, "checkout could not be opened: {error}");
            orders::set_state(&**client, &order_id, OrderState::Expired).await?;
            return Err(Failure::new(
                StatusCode::BAD_GATEWAY,
                "payment_provider_unavailable",
                "The payment provider could not open a checkout; nothing was charged. Try again.",
            ));
        }
    };
    orders::attach_session(&**client, &order_id, &session).await?;
    Ok((
        StatusCode::CREATED,
        Json(OrderCreated {
            order_id,
            checkout_url: session.url,
        }),
    )
        .into_response())
}

async fn get_order(
    State(state): State<AppState>,
    authed: Authed,
    Path(order_id): Path<String>,
) -> Result<Json<likeness_cloud_api::Order>, Failure> {
    let client = state.pool().get().await?;
    let mut order = orders::find(&**client, &authed.account_id, &order_id)
        .await?
        .ok_or_else(|| {
            Failure::new(
                StatusCode::NOT_FOUND,
                "order_not_found",
                "This account has no such order.",
            )
        })?;
    if order.state == OrderState::Paid {
        order.receipt = receipts::for_order(&**client, &order.order_id).await?;
    }
    Ok(Json(order))
}

async fn stripe_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: Request,
) -> Result<Json<serde_json::Value>, Failure> {
    let body = read_body(request, &()).await?;
    let header = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    signature::verify(header, &body, &state.inner.webhook_secret, now).map_err(|error| {
        tracing::warn!(code = error.code(), "webhook signature refused");
        Failure::new(StatusCode::BAD_REQUEST, error.code(), error.to_string())
    })?;
    let event = Event::parse(&body)
        .map_err(|e| Failure::new(StatusCode::BAD_REQUEST, "bad_event", e.to_string()))?;
    let outcome = fulfil::apply(state.pool(), &state.inner.signer, &event).await?;
    Ok(Json(json!({"received": true, "outcome": outcome.as_str()})))
}

async fn get_balance(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Json<Balance>, Failure> {
    let client = state.pool().get().await?;
    Ok(Json(credits::balance(&**client, &authed.account_id).await?))
}

#[derive(Deserialize)]
struct LedgerQuery {
    limit: Option<i64>,
}

async fn get_ledger(
    State(state): State<AppState>,
    authed: Authed,
    query: Result<Query<LedgerQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Ledger>, Failure> {
    let Query(query) =
        query.map_err(|e| Failure::new(StatusCode::BAD_REQUEST, "bad_query", e.body_text()))?;
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let client = state.pool().get().await?;
    Ok(Json(Ledger {
        entries: credits::ledger(&**client, &authed.account_id, limit).await?,
    }))
}

async fn get_receipt(
    State(state): State<AppState>,
    authed: Authed,
    Path(receipt_id): Path<String>,
) -> Result<Json<likeness_cloud_api::Receipt>, Failure> {
    let client = state.pool().get().await?;
    receipts::find(&**client, &authed.account_id, &receipt_id)
        .await?
        .map(Json)
        .ok_or_else(|| {
            Failure::new(
                StatusCode::NOT_FOUND,
                "receipt_not_found",
                "This account has no such receipt.",
            )
        })
}

/// `429 rate_limited`, with the allowance per minute.
fn rate_limited(per_minute: impl Into<serde_json::Value>) -> Failure {
    Failure::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "Too many requests in the last minute; try again in a minute.",
    )
    .with_details(json!({"per_minute": per_minute.into()}))
}

async fn create_quote(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(request): JsonBody<QuoteRequest>,
) -> Result<Response, Failure> {
    let client = state.pool().get().await?;
    match quotes::create(&**client, &authed.account_id, &request).await? {
        Ok(quote) => Ok((StatusCode::CREATED, Json(quote)).into_response()),
        Err(error) => {
            let code = match error {
                QuoteError::EmptyInput => "bad_input_size",
                QuoteError::InputTooLarge { .. } => "input_too_large",
                QuoteError::TooLargeForHdX4 { .. } => "input_too_large",
                QuoteError::BadParams(_) => "bad_params",
                QuoteError::RateLimited => return Err(rate_limited(quotes::QUOTES_PER_MINUTE)),
            };
            Err(
                Failure::new(StatusCode::BAD_REQUEST, code, error.to_string()).with_details(
                    json!({"max_side": quotes::MAX_SIDE, "max_pixels": quotes::MAX_PIXELS}),
                ),
            )
        }
    }
}

async fn receipt_key(State(state): State<AppState>) -> Json<ReceiptKey> {
    Json(state.inner.signer.public_key().clone())
}

/// Where checkout sends the buyer back. It grants nothing: the app asks
/// `GET /v1/orders/{id}`, which only a verified webhook changes.
/// Where checkout sends the buyer back. The in-app checkout window closes on
/// reaching it; a system browser shows it, with the link back to the app.
async fn checkout_return(Query(query): Query<ReturnQuery>) -> Html<String> {
    let cancelled = query.cancelled.is_some();
    let words = if cancelled {
        "Checkout cancelled. Nothing was charged."
    } else {
        "Thank you. Likeness confirms the purchase with the server."
    };
    let back = match query
        .order
        .as_deref()
        .filter(|id| return_link::is_order_id(id))
    {
        Some(order) => format!(
            "<p><a id=\"return-to-app\" href=\"{}\">Return to Likeness</a></p>",
            return_link::return_link(order, cancelled)
        ),
        None => "<p>You can close this window.</p>".to_owned(),
    };
    Html(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Likeness</title></head>\
         <body><p>{words}</p>{back}</body></html>"
    ))
}

#[derive(Deserialize)]
struct ReturnQuery {
    #[serde(default)]
    order: Option<String>,
    #[serde(default)]
    cancelled: Option<String>,
}
