//! Configuration, from flags and environment variables.
//!
//! Secrets are read from the environment only, never from flags (which other
//! users can see in the process list), and are held as [`Secret`]s:
//! - `LIKENESS_CLOUD_DATABASE_URL` (it may hold a password);
//! - `LIKENESS_CLOUD_WEBHOOK_SECRET`: the Stripe endpoint secret `whsec_…`.
//!   With `--payments local` it defaults to [`LOCAL_WEBHOOK_SECRET`]; with
//!   `--payments stripe` it must be set;
//! - `LIKENESS_CLOUD_STRIPE_SECRET_KEY`: `sk_…`, for `--payments stripe`;
//! - `LIKENESS_CLOUD_RECEIPT_KEY`: an ed25519 seed in hex (optional; see
//!   [`crate::receipts`]).
//!
//! `LIKENESS_CLOUD_STORAGE` (or `--storage`) names the object store every
//! `serve` and `work` process shares (see [`crate::storage`]).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::payments::stripe::STRIPE_API_BASE;
use crate::secret::Secret;

/// The webhook secret for local runs, when `LIKENESS_CLOUD_WEBHOOK_SECRET` is
/// unset. Public, so never accepted with real Stripe.
pub const LOCAL_WEBHOOK_SECRET: &str = "whsec_likeness_local_development_only";

/// The port when `LIKENESS_CLOUD_PORT` is unset.
pub const DEFAULT_PORT: u16 = 8787;

/// Which checkout provider takes the money.
#[derive(Debug, Clone)]
pub enum Payments {
    /// The built-in stand-in: its own checkout page, no money moves.
    Local,
    /// Stripe Checkout.
    Stripe {
        secret_key: Secret,
        api_base: String,
    },
}

/// Everything `serve` needs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub database_url: Secret,
    pub listen: SocketAddr,
    /// The URL buyers reach this server at, for checkout links and return
    /// pages; defaults to the listening address.
    pub public_url: Option<String>,
    pub payments: Payments,
    pub webhook_secret: Secret,
    pub receipt_key: Option<Secret>,
    pub pool_size: usize,
    /// The object store's location.
    pub storage: String,
}

/// Everything `work` needs.
#[derive(Debug, Clone)]
pub struct WorkConfig {
    pub database_url: Secret,
    pub storage: String,
    pub receipt_key: Option<Secret>,
    /// Jobs run at once by this process.
    pub concurrency: usize,
    /// How long a claim holds without a heartbeat.
    pub lease: std::time::Duration,
}

/// Why the configuration was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("LIKENESS_CLOUD_DATABASE_URL is not set (e.g. postgresql://postgres@127.0.0.1:5432/postgres)")]
    NoDatabase,
    #[error("--payments stripe needs LIKENESS_CLOUD_STRIPE_SECRET_KEY (sk_…)")]
    NoStripeKey,
    #[error(
        "--payments stripe needs LIKENESS_CLOUD_WEBHOOK_SECRET (the endpoint's whsec_…); \
         the local default is public and is refused"
    )]
    NoWebhookSecret,
    #[error(
        "--payments stripe needs LIKENESS_CLOUD_PUBLIC_URL (or --public-url): the address buyers' \
         browsers are sent back to after paying"
    )]
    NoPublicUrl,
    #[error("unknown payments provider {0:?}: use local or stripe")]
    UnknownPayments(String),
    #[error("LIKENESS_CLOUD_PORT {0:?} is not a port number")]
    BadPort(String),
    #[error(
        "LIKENESS_CLOUD_STORAGE is not set (or --storage): the folder where job images live, \
         shared by every serve and work process"
    )]
    NoStorage,
}

/// Reads one variable; an empty value counts as unset.
pub trait Env {
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
}

/// The database URL, from the environment.
pub fn database_url(env: &impl Env) -> Result<Secret, ConfigError> {
    env.var("LIKENESS_CLOUD_DATABASE_URL")
        .map(Secret::new)
        .ok_or(ConfigError::NoDatabase)
}

/// The receipt seed, when one is configured.
pub fn receipt_key(env: &impl Env) -> Option<Secret> {
    env.var("LIKENESS_CLOUD_RECEIPT_KEY").map(Secret::new)
}

/// The object store's location: the flag, else the environment.
pub fn storage(env: &impl Env, flag: Option<String>) -> Result<String, ConfigError> {
    flag.or_else(|| env.var("LIKENESS_CLOUD_STORAGE"))
        .ok_or(ConfigError::NoStorage)
}

/// Build the `serve` configuration from flags (which win) and the environment.
pub fn serve_config(env: &impl Env, flags: ServeFlags) -> Result<ServeConfig, ConfigError> {
    let ServeFlags {
        payments,
        bind,
        port,
        public_url,
        storage: storage_flag,
    } = flags;
    let payments_name = payments
        .or_else(|| env.var("LIKENESS_CLOUD_PAYMENTS"))
        .unwrap_or_else(|| "local".to_owned());
    let configured_secret = env.var("LIKENESS_CLOUD_WEBHOOK_SECRET").map(Secret::new);
    let (payments, webhook_secret) = match payments_name.as_str() {
        "local" => (
            Payments::Local,
            configured_secret.unwrap_or_else(|| Secret::new(LOCAL_WEBHOOK_SECRET)),
        ),
        "stripe" => {
            let secret_key = env
                .var("LIKENESS_CLOUD_STRIPE_SECRET_KEY")
                .map(Secret::new)
                .ok_or(ConfigError::NoStripeKey)?;
            let webhook_secret = configured_secret
                .filter(|s| s.expose() != LOCAL_WEBHOOK_SECRET)
                .ok_or(ConfigError::NoWebhookSecret)?;
            let api_base = env
                .var("LIKENESS_CLOUD_STRIPE_API_BASE")
                .unwrap_or_else(|| STRIPE_API_BASE.to_owned());
            (
                Payments::Stripe {
                    secret_key,
                    api_base,
                },
                webhook_secret,
            )
        }
        other => return Err(ConfigError::UnknownPayments(other.to_owned())),
    };
    let port = match port {
        Some(port) => port,
        None => match env.var("LIKENESS_CLOUD_PORT") {
            Some(text) => text.parse().map_err(|_| ConfigError::BadPort(text))?,
            None => DEFAULT_PORT,
        },
    };
    let bind = bind
        .or_else(|| env.var("LIKENESS_CLOUD_BIND").and_then(|b| b.parse().ok()))
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let public_url = public_url.or_else(|| env.var("LIKENESS_CLOUD_PUBLIC_URL"));
    if matches!(payments, Payments::Stripe { .. }) && public_url.is_none() {
        return Err(ConfigError::NoPublicUrl);
    }
    Ok(ServeConfig {
        database_url: database_url(env)?,
        listen: SocketAddr::new(bind, port),
        public_url,
        payments,
        webhook_secret,
        receipt_key: receipt_key(env),
        pool_size: 16,
        storage: storage(env, storage_flag)?,
    })
}

/// `serve`'s flags; each overrides its environment variable.
#[derive(Debug, Default, Clone)]
pub struct ServeFlags {
    pub payments: Option<String>,
    pub bind: Option<IpAddr>,
    pub port: Option<u16>,
    pub public_url: Option<String>,
    pub storage: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct FakeEnv(HashMap<&'static str, &'static str>);

    impl Env for FakeEnv {
        fn var(&self, name: &str) -> Option<String> {
            self.0.get(name).map(|v| v.to_string())
        }
    }

    fn env(pairs: &[(&'static str, &'static str)]) -> FakeEnv {
        let mut vars: HashMap<_, _> = pairs.iter().copied().collect();
        vars.insert("LIKENESS_CLOUD_STORAGE", "/tmp/likeness-cloud-storage");
        FakeEnv(vars)
    }

    fn flags(payments: Option<&str>, port: Option<u16>, public_url: Option<String>) -> ServeFlags {
        ServeFlags {
            payments: payments.map(str::to_owned),
            port,
            public_url,
            ..ServeFlags::default()
        }
    }

    const DB: (&str, &str) = (
        "LIKENESS_CLOUD_DATABASE_URL",
        "postgresql://postgres@127.0.0.1:1/postgres",
    );

    #[test]
    fn local_payments_on_loopback_port_8787_are_the_default() {
        let config = serve_config(&env(&[DB]), flags(None, None, None)).unwrap();
        assert!(matches!(config.payments, Payments::Local));
        assert_eq!(config.listen.to_string(), "127.0.0.1:8787");
        assert_eq!(config.webhook_secret.expose(), LOCAL_WEBHOOK_SECRET);
    }

    #[test]
    fn the_port_comes_from_the_environment_unless_a_flag_says_otherwise() {
        let e = env(&[DB, ("LIKENESS_CLOUD_PORT", "9000")]);
        assert_eq!(
            serve_config(&e, flags(None, None, None))
                .unwrap()
                .listen
                .port(),
            9000
        );
        assert_eq!(
            serve_config(&e, flags(None, Some(9100), None))
                .unwrap()
                .listen
                .port(),
            9100
        );
        let bad = env(&[DB, ("LIKENESS_CLOUD_PORT", "eighty")]);
        assert!(matches!(
            serve_config(&bad, flags(None, None, None)),
            Err(ConfigError::BadPort(_))
        ));
    }

    #[test]
    fn stripe_refuses_to_run_without_its_key_or_with_the_public_local_secret() {
        let no_key = env(&[DB, ("LIKENESS_CLOUD_WEBHOOK_SECRET", "whsec_real")]);
        assert_eq!(
            serve_config(&no_key, flags(Some("stripe"), None, None)).unwrap_err(),
            ConfigError::NoStripeKey
        );
        let local_secret = env(&[
            DB,
            ("LIKENESS_CLOUD_STRIPE_SECRET_KEY", "sk_test_1"),
            ("LIKENESS_CLOUD_WEBHOOK_SECRET", LOCAL_WEBHOOK_SECRET),
        ]);
        assert_eq!(
            serve_config(&local_secret, flags(Some("stripe"), None, None)).unwrap_err(),
            ConfigError::NoWebhookSecret
        );
        let ready = env(&[
            DB,
            ("LIKENESS_CLOUD_STRIPE_SECRET_KEY", "sk_test_1"),
            ("LIKENESS_CLOUD_WEBHOOK_SECRET", "whsec_real"),
        ]);
        assert_eq!(
            serve_config(&ready, flags(Some("stripe"), None, None)).unwrap_err(),
            ConfigError::NoPublicUrl
        );
        let public = Some("https://cloud.example".to_owned());
        let config = serve_config(&ready, flags(Some("stripe"), None, public)).unwrap();
        assert!(!format!("{config:?}").contains("sk_test_1"));
        assert!(!format!("{config:?}").contains("whsec_real"));
    }

    #[test]
    fn serve_needs_a_storage_location_and_the_flag_wins() {
        let no_storage = FakeEnv([DB].into_iter().collect());
        assert_eq!(
            serve_config(&no_storage, ServeFlags::default()).unwrap_err(),
            ConfigError::NoStorage
        );
        let flagged = ServeFlags {
            storage: Some("/srv/images".into()),
            ..ServeFlags::default()
        };
        assert_eq!(
            serve_config(&env(&[DB]), flagged).unwrap().storage,
            "/srv/images"
        );
    }

    #[test]
    fn a_missing_database_url_is_said_plainly() {
        assert_eq!(
            serve_config(&env(&[]), flags(None, None, None)).unwrap_err(),
            ConfigError::NoDatabase
        );
    }
}
