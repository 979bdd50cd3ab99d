//! The library commands: `import`, `list` and `delete`.

use std::path::PathBuf;
use std::process::ExitCode;

use likeness_core::library::ModerationSummary;
use likeness_core::moderation::reason_message;
use likeness_core::{Coded, ErrorCode, Services};
use serde::Serialize;

use crate::error::CliError;
use crate::output::{describe, emit};

/// One line of `import --json` output.
#[derive(Serialize)]
#[serde(untagged)]
enum ImportLine<'a> {
    Accepted {
        file: &'a str,
        /// Absent for a photo already in the library: it is not checked again.
        #[serde(flatten)]
        moderation: Option<&'a ModerationSummary>,
        id: i64,
        sha256: &'a str,
        width: u32,
        height: u32,
        duplicate: bool,
    },
    Rejected {
        file: &'a str,
        #[serde(flatten)]
        moderation: &'a ModerationSummary,
        /// The refusal in English words: the CLI's language.
        message: String,
    },
    Err {
        file: &'a str,
        error: &'a CliError,
    },
}

/// Import each file; exit 1 if any was refused or failed.
pub fn import(json: bool, library: &Services, files: &[PathBuf]) -> Result<ExitCode, CliError> {
    if let Err(e) = library.consent.require() {
        return Err(match e.code() {
            ErrorCode::ConsentRequired => CliError::new(
                ErrorCode::ConsentRequired,
                "Consent is needed before importing: run `likeness-cli consent --grant`.",
            ),
            _ => e.into(),
        });
    }
    if let Err(e) = library.moderator.get() {
        eprintln!("likeness-cli: safety checks unavailable, every photo is refused: {e}");
    }
    let mut failures = 0;
    // One batch: the next file is decoded while this one is checked.
    library.portraits.import_files(files, &mut |file, outcome| {
        let shown = file.display().to_string();
        match outcome {
            Ok(outcome) => {
                let moderation = outcome.moderation.as_ref();
                match (&outcome.portrait, moderation) {
                    (Some(p), moderation) => {
                        let line = ImportLine::Accepted {
                            file: &shown,
                            moderation,
                            id: p.id,
                            sha256: &p.sha256,
                            width: p.width,
                            height: p.height,
                            duplicate: outcome.duplicate,
                        };
                        emit(json, &line, || {
                            let note = if outcome.duplicate {
                                " (already in library)"
                            } else {
                                ""
                            };
                            format!("{shown}: imported #{} {}x{}{note}", p.id, p.width, p.height)
                        });
                    }
                    (None, None) => unreachable!("a refusal always carries its decision"),
                    (None, Some(moderation)) => {
                        failures += 1;
                        let message = reason_message(moderation.reason, moderation.people as usize);
                        let human =
                            format!("{shown}: refused ({}) {message}", moderation.reason.code());
                        let line = ImportLine::Rejected {
                            file: &shown,
                            moderation,
                            message,
                        };
                        emit(json, &line, || human);
                    }
                }
            }
            Err(e) => {
                failures += 1;
                let error = CliError::from(e);
                emit(
                    json,
                    &ImportLine::Err {
                        file: &shown,
                        error: &error,
                    },
                    || format!("{shown}: {error}"),
                );
            }
        }
    });
    Ok(if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Print every portrait, newest first.
pub fn list(json: bool, library: &Services) -> Result<ExitCode, CliError> {
    for p in library.portraits.list()? {
        emit(json, &p, || describe(&p));
    }
    Ok(ExitCode::SUCCESS)
}

/// Delete one portrait and its files.
pub fn delete(json: bool, library: &Services, id: i64) -> Result<ExitCode, CliError> {
    library.portraits.delete(id)?;
    emit(json, &serde_json::json!({ "deleted": id }), || {
        format!("deleted #{id}")
    });
    Ok(ExitCode::SUCCESS)
}
