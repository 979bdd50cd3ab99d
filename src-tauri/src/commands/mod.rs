//! Tauri commands, one file per domain. Each takes its state, runs one use
//! case of the core off the main thread, and maps its error to `{code, message}`.

pub mod consent;
pub mod history;
pub mod jobs;
pub mod library;
pub mod privacy;
pub mod settings;
pub mod studio;

use tauri::ipc::{InvokeBody, Request};

use crate::error::ApiError;
use likeness_core::ErrorCode;

/// The raw bytes of a request's body (an image the UI uploads).
fn raw_body(request: &Request<'_>, what: &str) -> Result<Vec<u8>, ApiError> {
    match request.body() {
        InvokeBody::Raw(bytes) => Ok(bytes.clone()),
        _ => Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!("Send the {what} as raw bytes."),
        )),
    }
}
