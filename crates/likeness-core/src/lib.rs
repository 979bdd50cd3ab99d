//! Likeness core: everything the app does, with no Tauri dependency, so the
//! desktop shell, the CLI and the tests all drive the same code.

pub mod consent;
pub mod error;
pub mod export;
pub mod generation;
pub mod imaging;
pub mod inference;
pub mod jobs;
pub mod library;
pub mod moderation;
pub mod paths;
pub mod private_fs;
pub mod store;
pub mod sweep;
pub mod vault;

pub use error::{ApiError, ErrorCode};
pub use library::{ImportOutcome, ImportStage, Library, Portrait};
pub use moderation::{ModerationError, Moderator, Reason as ModerationReason, Thresholds, Verdict};
