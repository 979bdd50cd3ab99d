//! `consent`: show consent, grant all three answers, or withdraw them.

use std::process::ExitCode;

use likeness_core::consent::{ConsentAnswers, ConsentWording};
use likeness_core::Services;

use crate::error::CliError;
use crate::output::emit;

/// What `consent --grant` declares (its `--help` says the same); the record
/// keeps this text's sha256.
const GRANT_WORDING: &str = "I am 18 or older. I have the right to use the photos I import. \
I consent to Likeness analysing faces in my photos on this computer, to check that each photo \
shows one adult and to find the face for framing.";

pub fn run(
    json: bool,
    library: &Services,
    grant: bool,
    withdraw: bool,
) -> Result<ExitCode, CliError> {
    if grant {
        let wording = ConsentWording {
            language: "en".into(),
            text: GRANT_WORDING.into(),
        };
        library
            .privacy
            .record_consent(ConsentAnswers::all(true), &wording)?;
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
