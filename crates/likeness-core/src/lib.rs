//! Likeness core: everything the app does, with no Tauri dependency, so the
//! desktop shell, the CLI and the tests all drive the same code.
//!
//! Platform modules know no feature: `error`, `clock`, `sync`, `idle`, `paths`,
//! `private_fs`, `secrets`, `keys`, `db`, `vault`. Pure compute needs no database: `imaging`,
//! `inference`, `moderation`, `engines`, `framing`, and `recipe` (the plain
//! data an image is made from). Each feature folder owns
//! its types, errors, SQL and service, and uses only those listed before it:
//! `consent`, `settings`, `library`, `history`, `jobs`, `cloud`, `generation`,
//! `privacy`. `services` opens them all for one data folder.

pub mod clock;
pub mod db;
pub mod error;
pub mod idle;
pub mod keys;
pub mod paths;
pub mod private_fs;
pub mod secrets;
pub mod sync;
pub mod vault;

pub mod engines;
pub mod framing;
pub mod imaging;
pub mod inference;
pub mod moderation;
pub mod recipe;

pub mod cloud;
pub mod consent;
pub mod generation;
pub mod history;
pub mod jobs;
pub mod library;
pub mod privacy;
pub mod settings;

pub mod services;

pub use error::{Coded, ErrorCode};
pub use services::Services;
