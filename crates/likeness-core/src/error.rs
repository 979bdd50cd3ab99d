//! Stable error codes, the one list the UI, the CLI and scripts branch on.
//!
//! Each feature has its own error enum; every one implements [`Coded`], and
//! the shells (the app and the CLI) turn any [`Coded`] error into their
//! `{code, message}` in one place each. The core never builds that shape.

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
    /// The file is not a Likeness archive, or it is damaged.
    ArchiveInvalid,
    /// The moderation record let a portrait into the library; it goes with the portrait.
    RecordInUse,
    /// The OS keyring, which holds the library's key, could not be used.
    KeyringUnavailable,
    /// Likeness Cloud is off; nothing was sent.
    CloudOff,
    /// Likeness Cloud could not be reached (offline, refused, or the connection dropped).
    CloudUnreachable,
    /// Likeness Cloud did not answer in time.
    CloudTimeout,
    /// Likeness Cloud answered with something that is not its API.
    CloudBadAnswer,
    /// Likeness Cloud had a problem of its own (a 5xx).
    CloudServerError,
    /// Likeness Cloud refused the request; its message says why.
    CloudRefused,
    /// The account has fewer credits than the job's quote.
    InsufficientCredits,
    /// The checkout window could not be opened or ended in an error.
    CheckoutFailed,
    /// A `likeness://` link was malformed, or not for an order this app started; it did nothing.
    BadLink,
    /// The chosen framing needs more of the photo than it holds (more of the
    /// body, or more room around the person); the message names the closest
    /// framing the photo supports.
    FramingBeyondPhoto,
}

/// An error with a stable code; its `Display` is the sentence a person reads.
pub trait Coded: std::error::Error {
    fn code(&self) -> ErrorCode;
}

impl ErrorCode {
    /// The stable name, as stored and sent (e.g. `job_not_found`): serde's.
    pub fn name(self) -> String {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(s)) => s,
            _ => format!("{self:?}"),
        }
    }

    /// A code from its stable name; `None` for a name this version does not know.
    pub fn parse(name: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
    }
}
