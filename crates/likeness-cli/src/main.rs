//! `likeness-cli`: the Likeness core, headless, for scripts and batch work.
//! With `--json`, every result is one JSON object on its own line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use likeness_core::consent::{self, ConsentAnswers, ConsentStatus};
use likeness_core::generation::engines::{StyleMix, STYLES};
use likeness_core::generation::framing::{Framing, Orientation};
use likeness_core::generation::studio::{
    generate_once, Engines, GenerationSettings, OneOff, StyleChoice,
};
use likeness_core::imaging;
use likeness_core::library::ModerationSummary;
use likeness_core::{
    paths, ApiError, ErrorCode, Library, ModerationError, Moderator, Portrait, Thresholds, Verdict,
};
use serde::Serialize;

#[derive(Parser)]
#[command(
    name = "likeness-cli",
    version,
    about = "Likeness, the private portrait studio, headless"
)]
struct Cli {
    /// The data folder (default: $LIKENESS_DATA_DIR, else the OS app-data folder).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Print one JSON object per line instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(flatten)]
    checks: CheckOptions,
    #[command(subcommand)]
    command: Command,
}

/// Where the on-device safety checks come from, and how strict they are.
#[derive(Args)]
struct CheckOptions {
    /// Refuse faces estimated younger than this many years (at least 21).
    #[arg(long, global = true, value_name = "YEARS", default_value_t = Thresholds::DEFAULT_YOUTHFUL_AGE)]
    youthful_age: f32,
    /// The ONNX Runtime library (default: $LIKENESS_ORT_LIB, else beside this program).
    #[arg(long, global = true, value_name = "PATH")]
    ort_lib: Option<PathBuf>,
    /// The models folder (default: $LIKENESS_MODELS_DIR, else models/ beside this program).
    #[arg(long, global = true, value_name = "DIR")]
    models_dir: Option<PathBuf>,
}

impl CheckOptions {
    fn thresholds(&self) -> Result<Thresholds, ApiError> {
        Thresholds::new(self.youthful_age)
            .map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.to_string()))
    }

    fn load(&self, thresholds: Thresholds) -> Result<Moderator, ModerationError> {
        Moderator::load(
            self.ort_lib.as_deref(),
            self.models_dir.as_deref(),
            thresholds,
        )
    }
}

#[derive(Subcommand)]
enum Command {
    /// Import portraits (JPEG, PNG, WebP) into the library. Each is checked on
    /// this device first and stored only if accepted. Needs consent (see `consent`).
    Import {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// List the library, newest first.
    List,
    /// Delete a portrait and its files.
    Delete { id: i64 },
    /// Show consent, or record it: `--grant` declares that you are 18 or older,
    /// have the right to use the photos you import, and consent to on-device
    /// face analysis. `--withdraw` withdraws all three and deletes every portrait.
    Consent {
        #[arg(long, conflicts_with = "withdraw")]
        grant: bool,
        #[arg(long)]
        withdraw: bool,
    },
    /// Check photos with the on-device safety checks (one adult, face clearly
    /// visible, safe for work) without importing them. Needs `--i-consent`.
    /// Exits 0 whatever the decisions; 3 when the checks could not load (each
    /// file is then still reported, as `moderation_unavailable`); 2 on bad
    /// arguments or without consent (`consent_required`).
    Moderate {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[command(flatten)]
        consent: OneOffConsent,
    },
    /// Make a styled portrait on this device. Needs `--i-consent`. The portrait
    /// is read once, checked under the same rules as an import, and a refused
    /// one is not used (exit 1).
    Generate {
        #[command(flatten)]
        consent: OneOffConsent,
        /// The portrait photo.
        #[arg(long, value_name = "FILE")]
        portrait: PathBuf,
        /// One or two built-in styles: `NAME[:WEIGHT][,NAME:WEIGHT]` (see `styles`).
        #[arg(long, value_name = "STYLES")]
        style: StyleMix,
        #[arg(long, default_value = "headshot")]
        framing: Framing,
        #[arg(long, default_value = "4:5")]
        orientation: Orientation,
        /// 0 keeps the photo, 1 is the full style.
        #[arg(long, default_value_t = 1.0)]
        strength: f32,
        #[arg(long, default_value_t = 0)]
        seed: i64,
        /// Upscale the result: `x2` or `x4`.
        #[arg(long, value_parser = ["x2", "x4"])]
        hd: Option<String>,
        /// The folder to write the PNG into.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// List the built-in styles.
    Styles,
}

/// Consent for the commands that analyse faces in files outside the library.
#[derive(Args)]
struct OneOffConsent {
    /// Declare, for this run, that you are 18 or older, have the right to use
    /// these photos, and consent to on-device analysis of the faces in them.
    /// Without it the command refuses (`consent_required`, exit 2).
    #[arg(long)]
    i_consent: bool,
}

impl OneOffConsent {
    /// Refuse unless `--i-consent` was given.
    fn require(&self) -> Result<(), ApiError> {
        let declared = ConsentStatus::declared(ConsentAnswers::all(self.i_consent));
        consent::require_consent(&declared).map_err(|_| {
            ApiError::new(
                ErrorCode::ConsentRequired,
                "Face analysis needs your consent: pass --i-consent to confirm that you are \
                 18 or older, have the right to use these photos, and consent to on-device \
                 face analysis.",
            )
        })
    }
}

/// One line of `moderate --json` output: the verdict plus the file and `ms`.
#[derive(Serialize)]
struct ModerateLine<'a> {
    file: &'a str,
    #[serde(flatten)]
    verdict: &'a Verdict,
    ms: f64,
}

/// One line of `import --json` output.
#[derive(Serialize)]
#[serde(untagged)]
enum ImportLine<'a> {
    Accepted {
        file: &'a str,
        #[serde(flatten)]
        moderation: &'a ModerationSummary,
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
    },
    Err {
        file: &'a str,
        error: &'a ApiError,
    },
}

fn main() -> ExitCode {
    likeness_core::inference::disable_runtime_telemetry();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("likeness-cli: {} ({})", e.message, code_name(e.code));
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, ApiError> {
    // Only the library commands need (and create) the data folder.
    let open_library = || -> Result<Library, ApiError> {
        let dir = cli
            .data_dir
            .clone()
            .or_else(paths::env_override)
            .or_else(paths::default_data_dir)
            .ok_or_else(|| {
                ApiError::new(ErrorCode::InvalidInput, "No data folder: pass --data-dir.")
            })?;
        let thresholds = cli.checks.thresholds()?;
        let (ort_lib, models_dir) = (cli.checks.ort_lib.clone(), cli.checks.models_dir.clone());
        let library = Library::open(&dir, move || {
            Moderator::load(ort_lib.as_deref(), models_dir.as_deref(), thresholds).map(Arc::new)
        })?;
        if let Some(note) = library.opening_sweep_note() {
            eprintln!("likeness-cli: {note}");
        }
        Ok(library)
    };
    match &cli.command {
        Command::Import { files } => {
            let library = open_library()?;
            if let Err(e) = library.require_consent() {
                return Err(match e.code() {
                    ErrorCode::ConsentRequired => ApiError::new(
                        ErrorCode::ConsentRequired,
                        "Consent is needed before importing: run `likeness-cli consent --grant`.",
                    ),
                    _ => e.into(),
                });
            }
            if let Err(e) = library.moderator() {
                eprintln!("likeness-cli: safety checks unavailable, every photo is refused: {e}");
            }
            let mut failures = 0;
            for file in files {
                let shown = file.display().to_string();
                match library.import_file(file, &mut |_| {}) {
                    Ok(outcome) => {
                        let moderation = &outcome.moderation;
                        match &outcome.portrait {
                            Some(p) => {
                                let line = ImportLine::Accepted {
                                    file: &shown,
                                    moderation,
                                    id: p.id,
                                    sha256: &p.sha256,
                                    width: p.width,
                                    height: p.height,
                                    duplicate: outcome.duplicate,
                                };
                                emit(cli.json, &line, || {
                                    let note = if outcome.duplicate {
                                        " (already in library)"
                                    } else {
                                        ""
                                    };
                                    format!(
                                        "{shown}: imported #{} {}x{}{note}",
                                        p.id, p.width, p.height
                                    )
                                });
                            }
                            None => {
                                failures += 1;
                                let line = ImportLine::Rejected {
                                    file: &shown,
                                    moderation,
                                };
                                emit(cli.json, &line, || {
                                    format!(
                                        "{shown}: refused ({}) {}",
                                        moderation.reason.code(),
                                        moderation.message
                                    )
                                });
                            }
                        }
                    }
                    Err(e) => {
                        failures += 1;
                        let error = ApiError::from(e);
                        emit(
                            cli.json,
                            &ImportLine::Err {
                                file: &shown,
                                error: &error,
                            },
                            || format!("{shown}: {} ({})", error.message, code_name(error.code)),
                        );
                    }
                }
            }
            Ok(if failures == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::List => {
            let library = open_library()?;
            for p in library.list()? {
                emit(cli.json, &p, || describe(&p));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Delete { id } => {
            let id = *id;
            let library = open_library()?;
            library.delete(id)?;
            emit(cli.json, &serde_json::json!({ "deleted": id }), || {
                format!("deleted #{id}")
            });
            Ok(ExitCode::SUCCESS)
        }
        Command::Consent { grant, withdraw } => {
            let library = open_library()?;
            if *grant {
                let all = ConsentAnswers {
                    adult: true,
                    photo_rights: true,
                    face_processing: true,
                };
                library.record_consent(all)?;
            }
            if *withdraw {
                let outcome = library.withdraw_consent()?;
                eprintln!(
                    "likeness-cli: deleted {} portrait(s)",
                    outcome.portraits_deleted
                );
            }
            let status = library.consent_status()?;
            emit(cli.json, &status, || {
                let state = if status.complete {
                    "given"
                } else {
                    "not given"
                };
                format!("consent {state} (policy {})", status.policy_version)
            });
            Ok(ExitCode::SUCCESS)
        }
        Command::Moderate { files, consent } => {
            consent.require()?;
            moderate(cli.json, files, &cli.checks)
        }
        Command::Styles => {
            for style in STYLES {
                emit(cli.json, &style, || format!("{}  {}", style.id, style.name));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate {
            consent,
            portrait,
            style,
            framing,
            orientation,
            strength,
            seed,
            hd,
            out,
        } => {
            consent.require()?;
            let settings = GenerationSettings {
                framing: *framing,
                orientation: *orientation,
                style: StyleChoice::Preset {
                    mix: style
                        .parts()
                        .iter()
                        .map(|(s, w)| (s.id().to_owned(), *w))
                        .collect(),
                },
                strength: *strength,
                seed: *seed,
                hd_factor: hd.as_deref().map(|f| if f == "x4" { 4 } else { 2 }),
            };
            generate(cli.json, portrait, &settings, out, &cli.checks)
        }
    }
}

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
fn generate(
    json: bool,
    portrait: &Path,
    settings: &GenerationSettings,
    out: &Path,
    checks: &CheckOptions,
) -> Result<ExitCode, ApiError> {
    let start = Instant::now();
    settings.validate()?;
    let shown = portrait.display().to_string();
    let thresholds = checks.thresholds()?;
    let bytes = imaging::read_capped(portrait).map_err(ApiError::from)?;
    let moderator = checks.load(thresholds);
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
    std::fs::create_dir_all(out).map_err(|e| ApiError::new(ErrorCode::Io, e.to_string()))?;
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
        .map_err(|e| ApiError::new(ErrorCode::Io, e.to_string()))?;
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

/// Exit status when the safety checks could not load: every file was refused.
const EXIT_MODERATION_UNAVAILABLE: u8 = 3;

fn moderate(json: bool, files: &[PathBuf], checks: &CheckOptions) -> Result<ExitCode, ApiError> {
    let thresholds = checks.thresholds()?;
    let moderator = checks.load(thresholds);
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

fn describe_verdict(file: &str, v: &Verdict) -> String {
    let decision = if v.is_accepted() { "accept" } else { "reject" };
    let age = v
        .faces
        .first()
        .and_then(|f| f.age)
        .map(|a| format!(", estimated age {a:.0}"))
        .unwrap_or_default();
    format!(
        "{file}: {decision} ({}, confidence {:.2}, {} face(s){age}, {:.0} ms) {}",
        v.reason.code(),
        v.confidence,
        v.faces.len(),
        v.elapsed_ms,
        v.message
    )
}

fn emit<T: Serialize>(json: bool, value: &T, text: impl FnOnce() -> String) {
    if json {
        println!(
            "{}",
            serde_json::to_string(value).expect("plain data serializes")
        );
    } else {
        println!("{}", text());
    }
}

fn describe(p: &Portrait) -> String {
    format!(
        "#{} {} {}x{} {} bytes {}",
        p.id, p.original_name, p.width, p.height, p.bytes, p.imported_at
    )
}

fn code_name(code: ErrorCode) -> String {
    serde_json::to_value(code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
