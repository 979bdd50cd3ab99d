//! The CLI's one error shape, `{code, message}`, built from any core error
//! through its stable code.

use likeness_core::{Coded, ErrorCode};
use serde::Serialize;

/// What the CLI prints for a failure (as JSON with `--json`).
#[derive(Debug, Serialize)]
pub struct CliError {
    pub code: ErrorCode,
    pub message: String,
}

impl CliError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl<E: Coded> From<E> for CliError {
    fn from(e: E) -> Self {
        Self::new(e.code(), e.to_string())
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code.name())
    }
}
