//! The jobs routes: submit (multipart, with an Idempotency-Key), status, a
//! progress stream (SSE), the output, and cancel.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::Stream;
use likeness_cloud_api::{Job, IDEMPOTENCY_KEY_HEADER, OUTPUT_RETENTION_HEADER};
use serde_json::json;

use super::{AppState, Authed};
use crate::error::Failure;
use crate::jobs::{self, retention, CancelError, OutputError, Submission, SubmitError};

/// The largest job request accepted: a 64 MP photo as PNG fits.
pub const JOB_BODY_LIMIT: usize = 128 * 1024 * 1024;

/// How often the progress stream looks at the job.
const EVENTS_POLL: Duration = Duration::from_millis(200);

/// How long one progress stream stays open; the client reconnects after.
const EVENTS_MAX: Duration = Duration::from_secs(600);

fn bad_multipart(message: impl Into<String>) -> Failure {
    Failure::new(StatusCode::BAD_REQUEST, "bad_multipart", message)
}

/// `POST /v1/jobs`.
pub async fn submit(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, Failure> {
    let key = headers
        .get(IDEMPOTENCY_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| (1..=255).contains(&k.len()))
        .ok_or_else(|| {
            Failure::new(
                StatusCode::BAD_REQUEST,
                "idempotency_key_required",
                "Send an `Idempotency-Key` header (1 to 255 characters) so that a retry never \
                 charges twice.",
            )
        })?
        .to_owned();
    let mut multipart = multipart.map_err(|e| bad_multipart(e.body_text()))?;
    let (mut quote_id, mut image) = (None, None);
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        match field.name() {
            Some("quote_id") => quote_id = Some(field.text().await.map_err(multipart_error)?),
            Some("image") => image = Some(field.bytes().await.map_err(multipart_error)?.to_vec()),
            _ => {}
        }
    }
    let (Some(quote_id), Some(image)) = (quote_id, image) else {
        return Err(bad_multipart(
            "A job needs a `quote_id` field and an `image` file field.",
        ));
    };
    let mut client = state.pool().get().await?;
    let submission = Submission {
        account_id: &authed.account_id,
        idempotency_key: &key,
        quote_id: quote_id.trim(),
        image,
    };
    match jobs::submit(&mut client, state.storage(), submission).await {
        Ok(submitted) => Ok((StatusCode::ACCEPTED, Json(submitted)).into_response()),
        Err(error) => Err(submit_failure(error)),
    }
}

fn multipart_error(error: axum::extract::multipart::MultipartError) -> Failure {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("The request body is over the {JOB_BODY_LIMIT}-byte limit."),
        )
        .with_details(json!({"limit": JOB_BODY_LIMIT}))
    } else {
        bad_multipart(format!(
            "The multipart body could not be read: {}",
            error.body_text()
        ))
    }
}

fn submit_failure(error: SubmitError) -> Failure {
    let message = error.to_string();
    let (status, code, details) = match &error {
        SubmitError::KeyReused { job_id } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            json!({"job_id": job_id}),
        ),
        SubmitError::QuoteNotFound => (StatusCode::NOT_FOUND, "quote_not_found", json!({})),
        SubmitError::QuoteExpired => (StatusCode::GONE, "quote_expired", json!({})),
        SubmitError::QuoteUsed => (StatusCode::CONFLICT, "quote_used", json!({})),
        SubmitError::InputMismatch {
            width,
            height,
            quoted_width,
            quoted_height,
        } => (
            StatusCode::BAD_REQUEST,
            "input_mismatch",
            json!({"width": width, "height": height,
                   "quoted": {"width": quoted_width, "height": quoted_height}}),
        ),
        SubmitError::Unreadable => (StatusCode::BAD_REQUEST, "unreadable", json!({})),
        SubmitError::Insufficient(short) => (
            StatusCode::PAYMENT_REQUIRED,
            "insufficient_credits",
            json!({"needed": short.needed, "balance": short.balance}),
        ),
        SubmitError::RateLimited => return super::rate_limited(jobs::SUBMITS_PER_MINUTE),
        SubmitError::Storage(cause) => return Failure::internal(format_args!("storage: {cause}")),
        SubmitError::Db(cause) => return Failure::internal(format_args!("database: {cause}")),
    };
    Failure::new(status, code, message).with_details(details)
}

fn job_not_found() -> Failure {
    Failure::new(
        StatusCode::NOT_FOUND,
        "job_not_found",
        "This account has no such job.",
    )
}

/// `GET /v1/jobs/{id}`.
pub async fn get(
    State(state): State<AppState>,
    authed: Authed,
    Path(job_id): Path<String>,
) -> Result<Json<Job>, Failure> {
    let client = state.pool().get().await?;
    jobs::view(&**client, &authed.account_id, &job_id)
        .await?
        .map(Json)
        .ok_or_else(job_not_found)
}

/// `GET /v1/jobs/{id}/events`: a `job` event with the whole job each time its
/// state or progress changes, ending after the final state.
pub async fn events(
    State(state): State<AppState>,
    authed: Authed,
    Path(job_id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Failure> {
    let first = {
        let client = state.pool().get().await?;
        jobs::view(&**client, &authed.account_id, &job_id)
            .await?
            .ok_or_else(job_not_found)?
    };
    let deadline = tokio::time::Instant::now() + EVENTS_MAX;
    let start = (Some(first), None::<(String, f32)>, false);
    let stream = futures_util::stream::unfold(start, move |(next, last, done)| {
        let (state, account_id, job_id) =
            (state.clone(), authed.account_id.clone(), job_id.clone());
        async move {
            if done {
                return None;
            }
            let mut job = next;
            loop {
                if let Some(job) = job.take() {
                    let seen = (job.state.as_str().to_owned(), job.progress);
                    if last.as_ref() != Some(&seen) {
                        let event = Event::default()
                            .event("job")
                            .json_data(&job)
                            .expect("a job serialises");
                        return Some((Ok(event), (None, Some(seen), job.state.is_final())));
                    }
                }
                if tokio::time::Instant::now() > deadline {
                    return None;
                }
                tokio::time::sleep(EVENTS_POLL).await;
                job = match state.pool().get().await {
                    Ok(client) => jobs::view(&**client, &account_id, &job_id)
                        .await
                        .ok()
                        .flatten(),
                    Err(_) => None,
                };
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// `GET /v1/jobs/{id}/output`: the PNG, with how long the server keeps it.
pub async fn output(
    State(state): State<AppState>,
    authed: Authed,
    Path(job_id): Path<String>,
) -> Result<Response, Failure> {
    let client = state.pool().get().await?;
    let bytes = jobs::output(&**client, state.storage(), &authed.account_id, &job_id)
        .await
        .map_err(|error| {
            let message = error.to_string();
            match error {
                OutputError::NotFound => job_not_found(),
                OutputError::NotSucceeded(_) => {
                    Failure::new(StatusCode::CONFLICT, "job_not_succeeded", message)
                }
                OutputError::Gone => Failure::new(StatusCode::GONE, "output_gone", message),
                OutputError::Storage(cause) => Failure::internal(format_args!("storage: {cause}")),
                OutputError::Db(cause) => Failure::internal(format_args!("database: {cause}")),
            }
        })?;
    let retention_header = format!(
        "deleted-after-download={}, max-age={}",
        retention::DOWNLOAD_GRACE.whole_seconds(),
        retention::OUTPUT_MAX_AGE.whole_seconds()
    );
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    headers.insert(
        OUTPUT_RETENTION_HEADER,
        HeaderValue::from_str(&retention_header).expect("ASCII"),
    );
    Ok(response)
}

/// `POST /v1/jobs/{id}/cancel`.
pub async fn cancel(
    State(state): State<AppState>,
    authed: Authed,
    Path(job_id): Path<String>,
) -> Result<Json<Job>, Failure> {
    let mut client = state.pool().get().await?;
    jobs::cancel(&mut client, state.storage(), &authed.account_id, &job_id)
        .await
        .map(Json)
        .map_err(|error| {
            let message = error.to_string();
            match error {
                CancelError::NotFound => job_not_found(),
                CancelError::AlreadyEnded(ended) => {
                    Failure::new(StatusCode::CONFLICT, "job_already_ended", message)
                        .with_details(json!({"state": ended.as_str()}))
                }
                CancelError::Db(cause) => Failure::internal(format_args!("database: {cause}")),
            }
        })
}
