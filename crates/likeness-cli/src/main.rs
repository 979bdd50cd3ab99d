//! `likeness-cli`: the Likeness core, headless, for scripts and batch work.
//! With `--json`, every result is one JSON object on its own line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use likeness_core::{paths, ApiError, ErrorCode, Library, Portrait};
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
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Import portraits (JPEG, PNG, WebP) into the library.
    Import {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// List the library, newest first.
    List,
    /// Delete a portrait and its files.
    Delete { id: i64 },
}

/// One line of `import --json` output.
#[derive(Serialize)]
#[serde(untagged)]
enum ImportLine<'a> {
    Ok {
        file: &'a str,
        id: i64,
        sha256: &'a str,
        width: u32,
        height: u32,
        duplicate: bool,
    },
    Err {
        file: &'a str,
        error: &'a ApiError,
    },
}

fn main() -> ExitCode {
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
    let dir = cli
        .data_dir
        .or_else(paths::env_override)
        .or_else(paths::default_data_dir)
        .ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidInput, "No data folder: pass --data-dir.")
        })?;
    let library = Library::open(&dir)?;
    match cli.command {
        Command::Import { files } => {
            let mut failures = 0;
            for file in &files {
                let shown = file.display().to_string();
                match library.import_file(file, &mut |_| {}) {
                    Ok(outcome) => {
                        let p = &outcome.portrait;
                        let line = ImportLine::Ok {
                            file: &shown,
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
                            format!("{shown}: imported #{} {}x{}{note}", p.id, p.width, p.height)
                        });
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
            for p in library.list()? {
                emit(cli.json, &p, || describe(&p));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Delete { id } => {
            library.delete(id)?;
            emit(cli.json, &serde_json::json!({ "deleted": id }), || {
                format!("deleted #{id}")
            });
            Ok(ExitCode::SUCCESS)
        }
    }
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
