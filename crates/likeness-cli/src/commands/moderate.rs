//! `moderate`: check photos outside the library with the on-device safety
//! checks; nothing is stored.

use std::path::PathBuf;
use std::process::ExitCode;

use likeness_core::moderation::Verdict;

use super::Checks;
use crate::error::CliError;
use crate::output::{describe_verdict, emit, ModerateLine};

/// Exit status when the safety checks could not load: every file was refused.
const EXIT_MODERATION_UNAVAILABLE: u8 = 3;

pub fn run(json: bool, files: &[PathBuf], checks: &Checks) -> Result<ExitCode, CliError> {
    let thresholds = checks.thresholds;
    let moderator = checks.load();
    if let Err(e) = &moderator {
        eprintln!("likeness-cli: safety checks unavailable, every photo is refused: {e}");
    }
    for file in files {
        let shown = file.display().to_string();
        let verdict = match &moderator {
            Ok(m) => m.moderate_file(file),
            // Fail closed, with this run's thresholds on record.
            Err(_) => Verdict::unavailable(thresholds),
        };
        let line = ModerateLine {
            file: &shown,
            verdict: &verdict,
            ms: verdict.elapsed_ms,
        };
        emit(json, &line, || describe_verdict(&shown, &verdict));
    }
    Ok(match moderator {
        Ok(_) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(EXIT_MODERATION_UNAVAILABLE),
    })
}
