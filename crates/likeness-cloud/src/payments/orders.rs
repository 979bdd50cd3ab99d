//! Orders: one per checkout, owned by one account. The pack's credits and
//! price are copied in when the order is made.

use likeness_cloud_api::{Order, OrderState, Pack};
use tokio_postgres::{GenericClient, Row};

use super::CheckoutSession;

/// Record a new order, before its checkout session is opened.
pub async fn insert(
    client: &impl GenericClient,
    order_id: &str,
    account_id: &str,
    pack: &Pack,
    provider: &str,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute(
            "INSERT INTO orders (order_id, account_id, pack_id, credits, amount_cents, currency,
                                 provider)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &order_id,
                &account_id,
                &pack.pack_id,
                &pack.credits,
                &pack.amount_cents,
                &pack.currency,
                &provider,
            ],
        )
        .await?;
    Ok(())
}

/// Record the checkout session opened for an order.
pub async fn attach_session(
    client: &impl GenericClient,
    order_id: &str,
    session: &CheckoutSession,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute(
            "UPDATE orders SET provider_session_id = $2, checkout_url = $3, updated_at = now()
             WHERE order_id = $1 AND provider_session_id IS NULL",
            &[&order_id, &session.session_id, &session.url],
        )
        .await?;
    Ok(())
}

const ORDER_COLUMNS: &str = "order_id, pack_id, state, credits, amount_cents, currency, provider, \
     provider_session_id, checkout_url, created_at, updated_at";

fn from_row(row: &Row) -> Order {
    Order {
        order_id: row.get(0),
        pack_id: row.get(1),
        state: OrderState::parse(row.get(2)).expect("the orders' CHECK allows only known states"),
        credits: row.get(3),
        amount_cents: row.get(4),
        currency: row.get(5),
        provider: row.get(6),
        provider_session_id: row.get(7),
        checkout_url: row.get(8),
        receipt: None,
        created_at: row.get(9),
        updated_at: row.get(10),
    }
}

/// An order of this account's, by id, without its receipt.
pub async fn find(
    client: &impl GenericClient,
    account_id: &str,
    order_id: &str,
) -> Result<Option<Order>, tokio_postgres::Error> {
    let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE order_id = $1 AND account_id = $2");
    let row = client.query_opt(&sql, &[&order_id, &account_id]).await?;
    Ok(row.as_ref().map(from_row))
}

/// The order behind a checkout session, locked for the caller's transaction.
/// A session this server never recorded is looked up by the order id it
/// carries (`client_reference_id`), in case the server stopped between
/// opening the session and recording it.
pub async fn lock_for_session(
    tx: &impl GenericClient,
    session_id: &str,
    client_reference_id: Option<&str>,
) -> Result<Option<LockedOrder>, tokio_postgres::Error> {
    let row = tx
        .query_opt(
            "SELECT order_id, account_id, state, credits, amount_cents, currency, pack_id
             FROM orders WHERE provider_session_id = $1 FOR UPDATE",
            &[&session_id],
        )
        .await?;
    let row = match (row, client_reference_id) {
        (Some(row), _) => Some(row),
        (None, Some(order_id)) => {
            tx.query_opt(
                "UPDATE orders SET provider_session_id = $2
                 WHERE order_id = $1 AND provider_session_id IS NULL
                 RETURNING order_id, account_id, state, credits, amount_cents, currency, pack_id",
                &[&order_id, &session_id],
            )
            .await?
        }
        (None, None) => None,
    };
    Ok(row.map(|row| LockedOrder {
        order_id: row.get(0),
        account_id: row.get(1),
        state: OrderState::parse(row.get(2)).expect("the orders' CHECK allows only known states"),
        credits: row.get(3),
        amount_cents: row.get(4),
        currency: row.get(5),
        pack_id: row.get(6),
    }))
}

/// An order row held under `FOR UPDATE` while an event is applied.
#[derive(Debug, Clone)]
pub struct LockedOrder {
    pub order_id: String,
    pub account_id: String,
    pub state: OrderState,
    pub credits: i64,
    pub amount_cents: i64,
    pub currency: String,
    pub pack_id: String,
}

/// Move a locked order to `state`.
pub async fn set_state(
    tx: &impl GenericClient,
    order_id: &str,
    state: OrderState,
) -> Result<(), tokio_postgres::Error> {
    tx.execute(
        "UPDATE orders SET state = $2, updated_at = now() WHERE order_id = $1",
        &[&order_id, &state.as_str()],
    )
    .await?;
    Ok(())
}
