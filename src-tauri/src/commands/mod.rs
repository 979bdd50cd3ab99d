//! Tauri commands, one file per domain. Each takes its state, runs one use
//! case of the core off the main thread, and maps its error to `{code, message}`.

pub mod cloud;
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

/// Decode `%XX` escapes from `encodeURIComponent`; malformed escapes stay as they are.
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
