//! The one error every handler returns: an HTTP status with a stable `code`,
//! sent as `{code, message, details}` ([`likeness_cloud_api::ApiError`]).
//!
//! Feature modules keep their own `thiserror` enums and convert into
//! [`Failure`] here. Database and pool errors become a `500 internal`; their
//! text goes to the log, never to the client.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use likeness_cloud_api::ApiError;
use serde_json::Value;

/// A refused or failed request, ready to send.
#[derive(Debug)]
pub struct Failure {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Value,
}

impl Failure {
    /// A failure with no details.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Failure {
            status,
            code,
            message: message.into(),
            details: Value::Object(Default::default()),
        }
    }

    /// Add machine-readable details.
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    /// `400 bad_json`: the body is not the JSON this endpoint takes.
    pub fn bad_json(reason: impl std::fmt::Display) -> Self {
        Failure::new(
            StatusCode::BAD_REQUEST,
            "bad_json",
            format!("The request body is not valid JSON for this endpoint: {reason}"),
        )
    }

    /// `404 not_found` for a path no route serves.
    pub fn no_route() -> Self {
        Failure::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "There is nothing at this path.",
        )
    }

    /// `500 internal`: logged here with its cause, sent without it.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {cause}");
        Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "The server failed to handle this request; nothing was changed. Try again.",
        )
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let body = ApiError {
            code: self.code.to_owned(),
            message: self.message,
            details: self.details,
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<tokio_postgres::Error> for Failure {
    fn from(error: tokio_postgres::Error) -> Self {
        Failure::internal(format_args!("database: {error}"))
    }
}

impl From<deadpool_postgres::PoolError> for Failure {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        Failure::internal(format_args!("database pool: {error}"))
    }
}
