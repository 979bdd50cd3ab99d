//! `likeness-cli`: the Likeness core, headless, for scripts and batch work.
//! With `--json`, every result is one JSON object on its own line.

mod commands;
mod error;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use likeness_core::consent::{self, ConsentAnswers, ConsentStatus};
use likeness_core::engines::{Background, StyleMix, STYLES};
use likeness_core::framing::{Framing, Orientation};
use likeness_core::generation::{GenerationSettings, StyleChoice};
use likeness_core::moderation::Thresholds;
use likeness_core::ErrorCode;

use commands::Checks;
use error::CliError;
use output::emit;

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
    fn checks(&self) -> Result<Checks, CliError> {
        let thresholds = Thresholds::new(self.youthful_age)
            .map_err(|e| CliError::new(ErrorCode::InvalidInput, e.to_string()))?;
        Ok(Checks {
            thresholds,
            ort_lib: self.ort_lib.clone(),
            models_dir: self.models_dir.clone(),
        })
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
        /// How much of the person shows. One that needs more of the photo
        /// than it holds is refused (`framing_beyond_photo`, exit 2), naming
        /// the closest framing it supports.
        #[arg(long, default_value = "headshot")]
        framing: Framing,
        #[arg(long, default_value = "4:5")]
        orientation: Orientation,
        /// Behind the person: `keep`, `blur`, a colour `#RRGGBB`, or a
        /// gradient `#RRGGBB:#RRGGBB` (top to bottom).
        #[arg(long, default_value = "keep")]
        background: BackgroundArg,
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
    /// What is stored and for how long; export, import or delete all of it.
    #[command(subcommand)]
    Privacy(PrivacyCommand),
}

#[derive(Subcommand)]
enum PrivacyCommand {
    /// Every kind of stored data: how many, how big, where, and when it expires.
    Status,
    /// Write one archive of everything (portraits, images, records, settings).
    Export {
        /// The archive to write (`.zip`); an existing file is never replaced.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Import an archive made by `privacy export` (everything is checked again).
    /// Needs consent (see `consent`).
    Import {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Delete every portrait, image, record and setting, and consent itself.
    DeleteAll {
        /// Confirm: this cannot be undone.
        #[arg(long, required = true)]
        yes: bool,
    },
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
    fn require(&self) -> Result<(), CliError> {
        let declared = ConsentStatus::declared(ConsentAnswers::all(self.i_consent));
        consent::require_consent(&declared).map_err(|_| {
            CliError::new(
                ErrorCode::ConsentRequired,
                "Face analysis needs your consent: pass --i-consent to confirm that you are \
                 18 or older, have the right to use these photos, and consent to on-device \
                 face analysis.",
            )
        })
    }
}

/// `--background`: `keep` (the photo's own) or a [`Background`].
#[derive(Clone)]
struct BackgroundArg(Option<Background>);

impl std::str::FromStr for BackgroundArg {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Background::parse(text).map(BackgroundArg)
    }
}

fn main() -> ExitCode {
    likeness_core::inference::disable_runtime_telemetry();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("likeness-cli: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, CliError> {
    let checks = cli.checks.checks()?;
    // Only the library commands need (and create) the data folder.
    let library = || commands::open_library(cli.data_dir.as_deref(), &checks);
    match &cli.command {
        Command::Import { files } => commands::library::import(cli.json, &library()?, files),
        Command::List => commands::library::list(cli.json, &library()?),
        Command::Delete { id } => commands::library::delete(cli.json, &library()?, *id),
        Command::Consent { grant, withdraw } => {
            commands::consent::run(cli.json, &library()?, *grant, *withdraw)
        }
        Command::Moderate { files, consent } => {
            consent.require()?;
            commands::moderate::run(cli.json, files, &checks)
        }
        Command::Privacy(command) => {
            let library = library()?;
            match command {
                PrivacyCommand::Status => commands::privacy::status(cli.json, &library),
                PrivacyCommand::Export { out } => {
                    commands::privacy::export(cli.json, &library, out)
                }
                PrivacyCommand::Import { file } => {
                    commands::privacy::import(cli.json, &library, file)
                }
                PrivacyCommand::DeleteAll { yes: _ } => {
                    commands::privacy::delete_all(cli.json, &library)
                }
            }
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
            background,
            strength,
            seed,
            hd,
            out,
        } => {
            consent.require()?;
            let settings = GenerationSettings {
                framing: *framing,
                orientation: *orientation,
                background: background.0.clone(),
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
            commands::generate::run(cli.json, portrait, &settings, out, &checks)
        }
    }
}
