//! The one error shape that crosses every boundary (UI, CLI, logs):
//! a stable machine `code` plus a sentence a person can read.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Stable error codes. The UI and scripts branch on these, so never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    /// The file has no bytes.
    EmptyFile,
    /// The file is over the per-file size cap.
    FileTooLarge,
    /// The image would decode to more pixels than allowed.
    TooManyPixels,
    /// The bytes are not a JPEG, PNG or WebP image, whatever the file name says.
    UnsupportedFormat,
    /// The image data is damaged and cannot be decoded.
    CorruptImage,
    /// The image ends before its data does.
    TruncatedImage,
    /// A file or record that was asked for does not exist.
    NotFound,
    /// Reading or writing local files failed.
    Io,
    /// The local database failed.
    Database,
    /// The request itself was malformed.
    InvalidInput,
    /// Imports need the user's consent first.
    ConsentRequired,
}

/// An error as the UI and CLI see it: `{ code, message }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{message}")]
#[ts(export)]
pub struct ApiError {
    pub code: ErrorCode,
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
