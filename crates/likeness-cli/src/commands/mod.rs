//! The subcommands: each maps its arguments onto one use case of the core
//! and its errors onto [`CliError`].

pub mod consent;
pub mod generate;
pub mod library;
pub mod moderate;
pub mod privacy;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use likeness_core::moderation::{ModerationError, Moderator, Thresholds};
use likeness_core::services::Options;
use likeness_core::{paths, ErrorCode, Services};

use crate::error::CliError;

/// Where the on-device checks and engines load from, and how strict the checks are.
pub struct Checks {
    pub thresholds: Thresholds,
    pub ort_lib: Option<PathBuf>,
    pub models_dir: Option<PathBuf>,
}

impl Checks {
    pub fn load(&self) -> Result<Moderator, ModerationError> {
        Moderator::load(
            self.ort_lib.as_deref(),
            self.models_dir.as_deref(),
            self.thresholds,
        )
    }
}

/// Open the data folder `dir` (else `$LIKENESS_DATA_DIR`, else the app's own).
pub fn open_library(dir: Option<&Path>, checks: &Checks) -> Result<Services, CliError> {
    let dir = dir
        .map(Path::to_owned)
        .or_else(paths::env_override)
        .or_else(paths::default_data_dir)
        .ok_or_else(|| {
            CliError::new(ErrorCode::InvalidInput, "No data folder: pass --data-dir.")
        })?;
    let (thresholds, ort_lib, models_dir) = (
        checks.thresholds,
        checks.ort_lib.clone(),
        checks.models_dir.clone(),
    );
    let options = Options {
        ort_lib: checks.ort_lib.clone(),
        models_dir: checks.models_dir.clone(),
        ..Options::default()
    };
    let library = Services::open_with(
        &dir,
        move || {
            Moderator::load(ort_lib.as_deref(), models_dir.as_deref(), thresholds).map(Arc::new)
        },
        options,
    )?;
    if let Some(note) = library.privacy.opening_sweep_note() {
        eprintln!("likeness-cli: {note}");
    }
    Ok(library)
}
