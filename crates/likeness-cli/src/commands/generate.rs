//! `generate`: one styled portrait from a photo outside the library, made
//! by the same pipeline as the Studio's (see `generate_once`).

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use likeness_core::generation::{generate_once, Engines, GenerationSettings, OneOff};
use likeness_core::{imaging, ErrorCode};
use serde::Serialize;

use super::Checks;
use crate::error::CliError;
use crate::output::{describe_verdict, emit, ModerateLine};

/// One line of `generate --json` output for an accepted portrait.
#[derive(Serialize)]
struct GenerateLine<'a> {
    file: &'a str,
    decision: &'static str,
    output: String,
    width: u32,
    height: u32,
    settings: &'a GenerationSettings,
    ms: f64,
}

/// Read the portrait once, then check, frame, restyle and optionally upscale
/// those very bytes (see `generate_once`), and save a PNG.
pub fn run(
    json: bool,
    portrait: &Path,
    settings: &GenerationSettings,
    out: &Path,
    checks: &Checks,
) -> Result<ExitCode, CliError> {
    let start = Instant::now();
    settings.validate()?;
    let shown = portrait.display().to_string();
    let thresholds = checks.thresholds;
    let bytes = imaging::read_capped(portrait)?;
    let moderator = checks.load();
    let load_engines = || Engines::load(checks.ort_lib.as_deref(), checks.models_dir.as_deref());
    let made = generate_once(
        moderator.as_ref(),
        thresholds,
        load_engines,
        &bytes,
        settings,
    )?;
    let image = match made {
        OneOff::Made { image, .. } => image,
        OneOff::Refused(mut verdict) => {
            verdict.elapsed_ms = start.elapsed().as_secs_f64() * 1000.0;
            let line = ModerateLine {
                file: &shown,
                verdict: &verdict,
                ms: verdict.elapsed_ms,
            };
            emit(json, &line, || describe_verdict(&shown, &verdict));
            return Ok(ExitCode::from(1));
        }
    };
    std::fs::create_dir_all(out).map_err(|e| CliError::new(ErrorCode::Io, e.to_string()))?;
    let stem = portrait
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = format!(
        "{stem}-{}-{}-{}.png",
        settings.style_key(),
        settings.framing.as_str(),
        settings.orientation.as_str().replace(':', "x")
    );
    let path = out.join(name);
    image
        .save(&path)
        .map_err(|e| CliError::new(ErrorCode::Io, e.to_string()))?;
    let line = GenerateLine {
        file: &shown,
        decision: "accept",
        output: path.display().to_string(),
        width: image.width(),
        height: image.height(),
        settings,
        ms: start.elapsed().as_secs_f64() * 1000.0,
    };
    emit(json, &line, || {
        format!(
            "{shown}: wrote {} ({}x{})",
            line.output, line.width, line.height
        )
    });
    Ok(ExitCode::SUCCESS)
}
