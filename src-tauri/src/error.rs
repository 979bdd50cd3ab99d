//! The one error shape the window sees, `{code}`, built from any core error
//! through its stable code, and the helper that keeps core work off the UI
//! thread.

use likeness_core::{Coded, ErrorCode};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// An error as the UI sees it: `{ code }`, which the window words in the
/// user's language. The English sentence stays here, for the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ApiError {
    pub code: ErrorCode,
    #[serde(skip)]
    #[ts(skip)]
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl<E: Coded> From<E> for ApiError {
    fn from(e: E) -> Self {
        Self::new(e.code(), e.to_string())
    }
}

/// Run blocking core work on the blocking pool, never on the UI thread.
pub async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::new(ErrorCode::Io, format!("background task failed: {e}")))?
}
