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
    /// The generation job asked for does not exist.
    JobNotFound,
    /// The generated image asked for does not exist (deleted, or never made).
    OutputNotFound,
    /// Only a failed or cancelled job can be retried.
    JobNotRetryable,
    /// Generation needs a portrait that passed moderation.
    PortraitNotAccepted,
    /// The job was cancelled before it finished.
    Cancelled,
    /// The app stopped during the job too many times; it was given up.
    Interrupted,
    /// The engine failed or produced no usable image.
    GenerationFailed,
    /// The on-device engines could not load (ONNX Runtime or a model missing or altered).
    EngineUnavailable,
    /// A generated image failed the NSFW check, so it was discarded.
    UnsafeOutput,
    /// The app exports only to a folder the user chose in its folder dialog, or the default one.
    FolderNotChosen,
    /// The app reveals only files it exported since it started.
    NotExported,
    /// A picture given as a style failed the NSFW check, so it was not kept.
    UnsafeStylePicture,
    /// The on-device safety checks could not run, so the picture was refused
    /// (moderation fails closed).
    ModerationUnavailable,
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
