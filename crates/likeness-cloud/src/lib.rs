//! Likeness Cloud, the reference server: anonymous device accounts, credit
//! packs sold through a checkout provider, an append-only credits ledger,
//! ed25519-signed receipts and paid generation jobs, with PostgreSQL as the
//! one source of truth and images in object storage.
//!
//! Platform modules know no feature: `error`, `secret`, `ids`, `db`,
//! `storage`. Feature modules own their SQL and use only those before them:
//! `accounts`, `credits`, `receipts`, `payments` (packs, orders, providers,
//! webhook verification and fulfilment), `params`, `quotes`, `jobs` (submit,
//! the leased queue, retention), `backend` (what runs a job). `http` maps them
//! to routes and `worker` runs the queue; [`serve`], [`work`] and [`migrate`]
//! are what the binary's subcommands run.

pub mod accounts;
pub mod backend;
pub mod config;
pub mod credits;
pub mod db;
pub mod error;
pub mod http;
pub mod ids;
pub mod jobs;
pub mod params;
pub mod payments;
pub mod quotes;
pub mod receipts;
pub mod secret;
pub mod storage;
pub mod worker;

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;

use config::{Payments, ServeConfig, WorkConfig};
use payments::local::LocalProvider;
use payments::stripe::StripeProvider;
use payments::PaymentProvider;
use secret::Secret;

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error(transparent)]
    ReceiptKey(#[from] receipts::ReceiptKeyError),
    #[error("the listening socket failed: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Storage(#[from] storage::StorageError),
}

/// Install ring as the TLS crypto provider (reqwest is built without one, to
/// avoid the aws-lc C build). Safe to call more than once.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Apply pending migrations and make sure a receipt key exists. Returns the
/// versions applied and the receipt public key.
pub async fn migrate(
    database_url: &Secret,
    receipt_key: Option<&Secret>,
) -> Result<(Vec<i32>, likeness_cloud_api::ReceiptKey), ServeError> {
    let pool = db::pool(database_url.expose(), 2)?;
    let applied = db::migrate(&pool).await?;
    let client = pool.get().await.map_err(db::DbError::from)?;
    let key = receipts::ensure_key(&**client, receipt_key).await?;
    Ok((applied, key))
}

/// Serve the API on `listener` until `shutdown` resolves, then finish the
/// requests in flight and return.
pub async fn serve(
    config: ServeConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let local_addr = listener.local_addr()?;
    let storage = storage::Storage::open(&config.storage).await?;
    let pool = db::pool(config.database_url.expose(), config.pool_size)?;
    db::check_version(&pool).await?;
    let signer = {
        let client = pool.get().await.map_err(db::DbError::from)?;
        receipts::load_signer(&**client, config.receipt_key.as_ref()).await?
    };
    // The address this node reaches itself at, for the local provider's
    // webhook calls: loopback when it listens on every interface.
    let self_url = if local_addr.ip().is_unspecified() {
        format!("http://127.0.0.1:{}", local_addr.port())
    } else {
        format!("http://{local_addr}")
    };
    let base_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| self_url.clone())
        .trim_end_matches('/')
        .to_owned();
    let (provider, local): (Arc<dyn PaymentProvider>, Option<Arc<LocalProvider>>) =
        match &config.payments {
            Payments::Local => {
                let local = Arc::new(LocalProvider::new(
                    pool.clone(),
                    config.webhook_secret.clone(),
                    base_url.clone(),
                    format!("{self_url}/v1/webhooks/stripe"),
                ));
                (local.clone() as Arc<dyn PaymentProvider>, Some(local))
            }
            Payments::Stripe {
                secret_key,
                api_base,
            } => (
                Arc::new(StripeProvider::new(secret_key.clone(), api_base.clone()))
                    as Arc<dyn PaymentProvider>,
                None,
            ),
        };
    tracing::info!(
        payments = provider.name(),
        receipt_key = %signer.public_key().key_id,
        "serving on {base_url}"
    );
    let state = http::AppState::new(
        pool,
        provider,
        signer,
        config.webhook_secret,
        base_url,
        storage,
    );
    let app = http::router(state, local);
    // Peer addresses, for the per-address limit on new accounts.
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

/// Run jobs with `backend` until `shutdown` resolves (the jobs running then
/// are finished first).
pub async fn work(
    config: WorkConfig,
    backend: Arc<dyn backend::Backend>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let storage = storage::Storage::open(&config.storage).await?;
    let pool = db::pool(config.database_url.expose(), config.concurrency + 2)?;
    db::check_version(&pool).await?;
    let signer = {
        let client = pool.get().await.map_err(db::DbError::from)?;
        receipts::load_signer(&**client, config.receipt_key.as_ref()).await?
    };
    let name = format!("worker-{}-{}", std::process::id(), &ids::new_id("w")[2..10]);
    let worker = worker::Worker {
        pool,
        storage,
        signer,
        backend,
        name,
        lease: config.lease,
    };
    worker::run(
        worker,
        config.database_url.expose(),
        config.concurrency,
        shutdown,
    )
    .await
}
