//! Payments: credit packs, orders, checkout providers and fulfilment.
//!
//! A [`PaymentProvider`] opens a checkout session for an order; it never
//! grants anything. Credits come only from a signed webhook event, checked by
//! [`signature`] and applied by [`fulfil`], which both providers share:
//! [`stripe::StripeProvider`] for real money and [`local::LocalProvider`], a
//! stand-in that serves its own checkout page and sends Stripe-shaped events,
//! signed as Stripe signs them, to this server's own webhook.

pub mod events;
pub mod fulfil;
pub mod local;
pub mod orders;
pub mod signature;
pub mod stripe;

use std::future::Future;
use std::pin::Pin;

use likeness_cloud_api::Pack;
use tokio_postgres::GenericClient;

/// A boxed future, so that providers can sit behind `dyn PaymentProvider`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a checkout is for.
#[derive(Debug, Clone)]
pub struct NewCheckout {
    pub order_id: String,
    pub description: String,
    pub amount_cents: i64,
    pub currency: String,
    /// Where the buyer lands after paying. `{CHECKOUT_SESSION_ID}` is replaced
    /// by the session id, as Stripe does. Landing there proves nothing.
    pub success_url: String,
    pub cancel_url: String,
}

/// An open checkout session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutSession {
    pub session_id: String,
    pub url: String,
}

/// Why the provider could not open a checkout.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("the payment provider could not be reached: {0}")]
    Unreachable(String),
    #[error("the payment provider refused the request ({status}): {message}")]
    Refused { status: u16, message: String },
    #[error("the payment provider's answer could not be read: {0}")]
    BadAnswer(String),
    #[error("the local checkout could not be stored: {0}")]
    Database(#[from] tokio_postgres::Error),
    #[error("the local checkout could not reach the database: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
}

/// Opens checkout sessions. Implementations: [`stripe::StripeProvider`] and
/// [`local::LocalProvider`].
pub trait PaymentProvider: Send + Sync + std::fmt::Debug {
    /// `stripe` or `local`, as stored on each order.
    fn name(&self) -> &'static str;

    /// Open a checkout session for `checkout`. Retrying with the same order
    /// must not open a second paid session (Stripe: the `Idempotency-Key`).
    fn create_checkout<'a>(
        &'a self,
        checkout: &'a NewCheckout,
    ) -> BoxFuture<'a, Result<CheckoutSession, ProviderError>>;
}

const PACK_COLUMNS: &str = "pack_id, name, credits, amount_cents, currency";

fn pack_from_row(row: &tokio_postgres::Row) -> Pack {
    Pack {
        pack_id: row.get(0),
        name: row.get(1),
        credits: row.get(2),
        amount_cents: row.get(3),
        currency: row.get(4),
    }
}

/// The packs on sale, in display order.
pub async fn packs(client: &impl GenericClient) -> Result<Vec<Pack>, tokio_postgres::Error> {
    let sql =
        format!("SELECT {PACK_COLUMNS} FROM packs WHERE on_sale ORDER BY sort_order, pack_id");
    let rows = client.query(&sql, &[]).await?;
    Ok(rows.iter().map(pack_from_row).collect())
}

/// One pack on sale, by id.
pub async fn pack(
    client: &impl GenericClient,
    pack_id: &str,
) -> Result<Option<Pack>, tokio_postgres::Error> {
    let sql = format!("SELECT {PACK_COLUMNS} FROM packs WHERE on_sale AND pack_id = $1");
    let row = client.query_opt(&sql, &[&pack_id]).await?;
    Ok(row.as_ref().map(pack_from_row))
}
