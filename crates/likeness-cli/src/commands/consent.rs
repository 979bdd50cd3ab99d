//! `consent`: show consent, grant all three answers, or withdraw them.

use std::process::ExitCode;

use likeness_core::consent::{ConsentAnswers, ConsentWording};
use likeness_core::Services;

use crate::error::CliError;
use crate::output::emit;

pub fn run(
    json: bool,
    library: &Services,
    grant: bool,
    withdraw: bool,
) -> Result<ExitCode, CliError> {
    if grant {
        library
            .privacy
            .record_consent(ConsentAnswers::all(true), &ConsentWording::command_line())?;
    }
    if withdraw {
        let outcome = library.privacy.withdraw_consent()?;
        eprintln!(
            "likeness-cli: deleted {} portrait(s)",
            outcome.portraits_deleted
        );
    }
    let status = library.consent.status()?;
    emit(json, &status, || {
        let state = if status.complete {
            "given"
        } else {
            "not given"
        };
        format!("consent {state} (policy {})", status.policy_version)
    });
    Ok(ExitCode::SUCCESS)
}
