//! Generation on the device: the Studio's settings, the pipeline that turns a
//! portrait into an image (one use case the queue's runner and the CLI both
//! call), style pictures, style thumbnails, and which way a portrait's head
//! is turned. The engine router will live here.

pub mod choices;
mod facing;
mod pipeline;
mod speed;
mod studio;
pub(crate) mod style_pictures;
mod thumbnails;

use crate::consent::RequireError;
use crate::db::DbError;
use crate::engines::EngineError;
use crate::error::{Coded, ErrorCode};
use crate::framing::FramingError;
use crate::history::HistoryError;
use crate::imaging::ImagingError;
use crate::jobs::QueueError;
use crate::library::LibraryError;

pub use crate::recipe::{GenerationSettings, SourceCrop, StyleChoice, StylePicture};
pub use pipeline::{
    check_output, generate_once, render_preview, Engines, OneOff, PREVIEW_LONG_SIDE,
};
pub use speed::hd_choices;
pub use studio::{enqueue_cloud_hd, enqueue_hd, enqueue_preview, framing_fits, Studio};
pub(crate) use style_pictures::references as style_picture_references;
pub use style_pictures::{StoredStylePicture, StylePictures};
pub use thumbnails::StyleThumbnail;

/// Why generation (or one of its inputs) failed.
#[derive(Debug, thiserror::Error)]
pub enum GenerationError {
    #[error("{0}")]
    InvalidInput(String),
    #[error(transparent)]
    InvalidSettings(#[from] crate::recipe::InvalidSettings),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Framing(#[from] FramingError),
    #[error(transparent)]
    Library(#[from] LibraryError),
    #[error(transparent)]
    History(#[from] HistoryError),
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error(transparent)]
    Imaging(#[from] ImagingError),
    #[error(transparent)]
    Consent(#[from] RequireError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Cloud(#[from] crate::cloud::CloudError),
    #[error("The portrait was deleted.")]
    PortraitGone,
    #[error("The style picture is missing.")]
    StylePictureMissing,
    #[error("The result didn't pass the safety check, so it was discarded.")]
    UnsafeOutput,
    #[error("The safety check could not run: {0}")]
    CheckUnavailable(String),
    #[error("This picture looks like it may contain nudity or adult content, so it can't be used as a style.")]
    UnsafeStylePicture,
    #[error("Safety checks couldn't run on this computer, so the picture wasn't accepted.")]
    ModerationUnavailable,
    #[error("Could not read {path}: {source}")]
    Read { path: String, source: ImagingError },
    #[error("Could not write the image: {0}")]
    Write(String),
    #[error("Could not read or write local files: {0}")]
    Io(#[from] std::io::Error),
}

impl Coded for GenerationError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidInput(_) => ErrorCode::InvalidInput,
            Self::InvalidSettings(e) => e.code(),
            Self::Engine(e) => e.code(),
            Self::Framing(e) => e.code(),
            Self::Library(e) => e.code(),
            Self::History(e) => e.code(),
            Self::Queue(e) => e.code(),
            Self::Imaging(e) => e.code(),
            Self::Consent(e) => e.code(),
            Self::Db(e) => e.code(),
            Self::Cloud(e) => e.code(),
            Self::PortraitGone | Self::StylePictureMissing => ErrorCode::NotFound,
            Self::UnsafeOutput => ErrorCode::UnsafeOutput,
            Self::CheckUnavailable(_) => ErrorCode::EngineUnavailable,
            Self::UnsafeStylePicture => ErrorCode::UnsafeStylePicture,
            Self::ModerationUnavailable => ErrorCode::ModerationUnavailable,
            Self::Read { .. } | Self::Write(_) | Self::Io(_) => ErrorCode::Io,
        }
    }
}

impl From<rusqlite::Error> for GenerationError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Db(e.into())
    }
}
