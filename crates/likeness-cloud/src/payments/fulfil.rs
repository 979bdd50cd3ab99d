//! Fulfilment: apply one verified payment event, in one transaction.
//!
//! Idempotent whatever the order, duplicates or delay:
//! - the event id is recorded in `payment_events` in the same transaction, so a
//!   redelivered event finds it and changes nothing;
//! - the order row is locked, and a grant happens only if the order is not
//!   yet paid; the ledger's unique (kind, order) index backs that up;
//! - a failure or an expiry never undoes a payment: money taken always
//!   becomes credits, and `paid` is final.

use deadpool_postgres::Pool;
use likeness_cloud_api::OrderState;

use super::events::{Action, Event};
use super::orders;
use crate::credits;
use crate::error::Failure;
use crate::receipts::{self, ReceiptSigner};

/// What applying an event did, as recorded and answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The order was paid now and its credits granted.
    Granted,
    /// The order had already been granted; nothing changed.
    AlreadyPaid,
    /// Checkout finished with a delayed payment.
    Processing,
    /// The delayed payment failed: the order ended without credits.
    Failed,
    /// The session expired or was cancelled: the order ended without credits.
    Expired,
    /// This event id was handled before; nothing changed.
    Duplicate,
    /// The event needed nothing (an unknown type, a stale state change).
    Ignored,
    /// The event's session belongs to no order of this server.
    UnknownSession,
    /// The paid amount or currency differs from the order's: no credits.
    AmountMismatch,
}

impl Outcome {
    /// The name recorded and answered.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Granted => "granted",
            Outcome::AlreadyPaid => "already_paid",
            Outcome::Processing => "processing",
            Outcome::Failed => "failed",
            Outcome::Expired => "expired",
            Outcome::Duplicate => "duplicate",
            Outcome::Ignored => "ignored",
            Outcome::UnknownSession => "unknown_session",
            Outcome::AmountMismatch => "amount_mismatch",
        }
    }
}

/// Apply a verified event.
pub async fn apply(pool: &Pool, signer: &ReceiptSigner, event: &Event) -> Result<Outcome, Failure> {
    let session = event.checkout_session().map_err(|e| {
        Failure::new(
            axum::http::StatusCode::BAD_REQUEST,
            "bad_event",
            e.to_string(),
        )
    })?;
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let first_time = tx
        .execute(
            "INSERT INTO payment_events (event_id, event_type, session_id, outcome)
             VALUES ($1, $2, $3, 'applying') ON CONFLICT (event_id) DO NOTHING",
            &[
                &event.id,
                &event.event_type,
                &session.as_ref().map(|s| s.id.as_str()),
            ],
        )
        .await?
        == 1;
    if !first_time {
        return Ok(Outcome::Duplicate);
    }
    let outcome = match &session {
        None => Outcome::Ignored,
        Some(session) => {
            let action = event.action(session);
            if action == Action::Ignore {
                Outcome::Ignored
            } else {
                match orders::lock_for_session(
                    &*tx,
                    &session.id,
                    session.client_reference_id.as_deref(),
                )
                .await?
                {
                    None => Outcome::UnknownSession,
                    Some(order) => {
                        let amount_ok = session.amount_total == Some(order.amount_cents)
                            && session.currency.as_deref() == Some(order.currency.as_str());
                        transition(&tx, signer, &order, action, amount_ok).await?
                    }
                }
            }
        }
    };
    tx.execute(
        "UPDATE payment_events SET outcome = $2 WHERE event_id = $1",
        &[&event.id, &outcome.as_str()],
    )
    .await?;
    tx.commit().await?;
    if outcome == Outcome::AmountMismatch || outcome == Outcome::UnknownSession {
        tracing::warn!(event = %event.id, outcome = outcome.as_str(), "payment event not applied");
    } else {
        tracing::info!(event = %event.id, outcome = outcome.as_str(), "payment event applied");
    }
    Ok(outcome)
}

async fn transition(
    tx: &deadpool_postgres::Transaction<'_>,
    signer: &ReceiptSigner,
    order: &orders::LockedOrder,
    action: Action,
    amount_ok: bool,
) -> Result<Outcome, Failure> {
    let unpaid = matches!(order.state, OrderState::Pending | OrderState::Processing);
    Ok(match action {
        Action::Grant if order.state == OrderState::Paid => Outcome::AlreadyPaid,
        Action::Grant if !amount_ok => Outcome::AmountMismatch,
        Action::Grant => {
            let reason = format!("bought the {} pack", order.pack_id);
            let granted = credits::grant_for_order(
                &**tx,
                &order.account_id,
                &order.order_id,
                order.credits,
                &reason,
            )
            .await?;
            if granted.is_none() {
                return Ok(Outcome::AlreadyPaid);
            }
            receipts::issue_for_order(
                &**tx,
                signer,
                &order.account_id,
                &order.order_id,
                order.credits,
                order.amount_cents,
                &order.currency,
            )
            .await?;
            orders::set_state(&**tx, &order.order_id, OrderState::Paid).await?;
            Outcome::Granted
        }
        Action::Processing if order.state == OrderState::Pending => {
            orders::set_state(&**tx, &order.order_id, OrderState::Processing).await?;
            Outcome::Processing
        }
        Action::Fail if unpaid => {
            orders::set_state(&**tx, &order.order_id, OrderState::Failed).await?;
            Outcome::Failed
        }
        Action::Expire if unpaid => {
            orders::set_state(&**tx, &order.order_id, OrderState::Expired).await?;
            Outcome::Expired
        }
        Action::Processing | Action::Fail | Action::Expire | Action::Ignore => Outcome::Ignored,
    })
}
