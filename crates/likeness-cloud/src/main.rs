//! `likeness-cloud`: the Likeness Cloud server.
//!
//! - `migrate`: apply the numbered SQL migrations and make sure a receipt key
//!   exists. Safe to run from several nodes at once, and to re-run.
//! - `serve`: the HTTP API. Stateless: run as many as you like against one
//!   database and one object store.
//! - `work`: run queued jobs. Run as many as you like, on any machines that
//!   reach the database and the object store.
//!
//! Configuration is in `LIKENESS_CLOUD_*` environment variables (see
//! `likeness_cloud::config`); flags override the non-secret ones.

use std::net::IpAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use likeness_cloud::backend::likeness::LikenessBackend;
use likeness_cloud::backend::probe::QueueProbe;
use likeness_cloud::backend::Backend;
use likeness_cloud::config::{self, ProcessEnv};
use likeness_core::inference::Accelerator;

#[derive(Parser)]
#[command(name = "likeness-cloud", version, about = "The Likeness Cloud server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply pending database migrations (LIKENESS_CLOUD_DATABASE_URL).
    Migrate,
    /// Serve the API.
    Serve {
        /// Who takes the money: `local` (a stand-in checkout, no money moves) or `stripe`.
        #[arg(long, value_parser = ["local", "stripe"])]
        payments: Option<String>,
        /// The address to listen on [env: LIKENESS_CLOUD_BIND, default 127.0.0.1].
        #[arg(long)]
        bind: Option<IpAddr>,
        /// The port [env: LIKENESS_CLOUD_PORT, default 8787].
        #[arg(long)]
        port: Option<u16>,
        /// The URL buyers reach this server at [env: LIKENESS_CLOUD_PUBLIC_URL].
        #[arg(long)]
        public_url: Option<String>,
        /// Where job images live [env: LIKENESS_CLOUD_STORAGE].
        #[arg(long)]
        storage: Option<String>,
    },
    /// Run queued jobs.
    Work {
        /// Jobs run at once by this process.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
        concurrency: u16,
        /// Seconds a claimed job stays this worker's without a heartbeat.
        #[arg(long, default_value_t = 30.0)]
        lease_secs: f64,
        /// Where job images live [env: LIKENESS_CLOUD_STORAGE].
        #[arg(long)]
        storage: Option<String>,
        /// `likeness` (the engines and moderation), or `queue-probe` (no models,
        /// no moderation: inverts the input; only for measuring the queue).
        #[arg(long, default_value = "likeness", value_parser = ["likeness", "queue-probe"])]
        backend: String,
        /// How long the queue probe takes per job, in milliseconds.
        #[arg(long, default_value_t = 0)]
        probe_ms: u64,
        /// Where the models run: `auto` (CUDA when ONNX Runtime is a GPU
        /// build, else the CPU), `cuda` (an error without it) or `cpu`.
        #[arg(long, env = "LIKENESS_CLOUD_DEVICE", default_value = "auto",
              value_parser = ["auto", "cuda", "cpu"])]
        device: String,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_max_level(tracing::Level::INFO)
        .init();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the async runtime starts");
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("likeness-cloud: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Migrate => {
            let url = config::database_url(&ProcessEnv).map_err(|e| e.to_string())?;
            let receipt_key = config::receipt_key(&ProcessEnv);
            let (applied, key) = likeness_cloud::migrate(&url, receipt_key.as_ref())
                .await
                .map_err(|e| e.to_string())?;
            if applied.is_empty() {
                println!(
                    "the database is current (schema version {})",
                    likeness_cloud::db::latest_version()
                );
            } else {
                println!("applied migrations {applied:?}");
            }
            println!("receipt key {} (ed25519 {})", key.key_id, key.public_key);
            Ok(())
        }
        Command::Serve {
            payments,
            bind,
            port,
            public_url,
            storage,
        } => {
            let flags = config::ServeFlags {
                payments,
                bind,
                port,
                public_url,
                storage,
            };
            let config = config::serve_config(&ProcessEnv, flags).map_err(|e| e.to_string())?;
            let listener = tokio::net::TcpListener::bind(config.listen)
                .await
                .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
            likeness_cloud::serve(config, listener, shutdown_signal())
                .await
                .map_err(|e| e.to_string())
        }
        Command::Work {
            concurrency,
            lease_secs,
            storage,
            backend,
            probe_ms,
            device,
        } => {
            if !(lease_secs.is_finite() && lease_secs >= 1.0) {
                return Err("--lease-secs must be at least 1".into());
            }
            let config = config::WorkConfig {
                database_url: config::database_url(&ProcessEnv).map_err(|e| e.to_string())?,
                storage: config::storage(&ProcessEnv, storage).map_err(|e| e.to_string())?,
                receipt_key: config::receipt_key(&ProcessEnv),
                concurrency: usize::from(concurrency),
                lease: Duration::from_secs_f64(lease_secs),
            };
            let backend: Arc<dyn Backend> = match backend.as_str() {
                "queue-probe" => Arc::new(QueueProbe {
                    delay: Duration::from_millis(probe_ms),
                }),
                _ => {
                    let accelerator = match device.as_str() {
                        "cuda" => Accelerator::Cuda,
                        "cpu" => Accelerator::Cpu,
                        _ => Accelerator::Auto,
                    };
                    let engines = LikenessBackend::load(None, None, accelerator)
                        .map_err(|e| e.to_string())?;
                    tracing::info!(device = engines.provider.as_str(), "the models are loaded");
                    Arc::new(engines)
                }
            };
            likeness_cloud::work(config, backend, shutdown_signal())
                .await
                .map_err(|e| e.to_string())
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM can be watched");
    tokio::select! {
        _ = ctrl_c => {}
        _ = term.recv() => {}
    }
    tracing::info!("shutting down");
}
