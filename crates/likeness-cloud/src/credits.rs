//! Credits: the balance and the append-only ledger.
//!
//! Every change to a balance is one ledger line written in the same
//! transaction as the change, and each (kind, order) or (kind, job) happens at
//! most once: the database's unique indexes enforce it, and `balance >= 0` is
//! a constraint, not a check in code.

use likeness_cloud_api::{Balance, LedgerEntry, LedgerKind};
use time::OffsetDateTime;
use tokio_postgres::GenericClient;

/// The account's free and held credits.
pub async fn balance(
    client: &impl GenericClient,
    account_id: &str,
) -> Result<Balance, tokio_postgres::Error> {
    let row = client
        .query_one(
            "SELECT balance, held FROM accounts WHERE account_id = $1",
            &[&account_id],
        )
        .await?;
    Ok(Balance {
        credits: row.get(0),
        held: row.get(1),
    })
}

/// The account's ledger, newest first, at most `limit` lines.
pub async fn ledger(
    client: &impl GenericClient,
    account_id: &str,
    limit: i64,
) -> Result<Vec<LedgerEntry>, tokio_postgres::Error> {
    let rows = client
        .query(
            "SELECT entry_id, kind, credits, reason, order_id, job_id, balance_after, at
             FROM ledger WHERE account_id = $1 ORDER BY entry_id DESC LIMIT $2",
            &[&account_id, &limit],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| LedgerEntry {
            entry_id: row.get(0),
            kind: LedgerKind::parse(row.get(1))
                .expect("the ledger's CHECK allows only known kinds"),
            credits: row.get(2),
            reason: row.get(3),
            order_id: row.get(4),
            job_id: row.get(5),
            balance_after: row.get(6),
            at: row.get::<_, OffsetDateTime>(7),
        })
        .collect())
}

/// Grant an order's credits, inside the caller's transaction. Returns the
/// balance after, or `None` when this order was already granted (nothing
/// changes then).
pub async fn grant_for_order(
    tx: &impl GenericClient,
    account_id: &str,
    order_id: &str,
    credits: i64,
    reason: &str,
) -> Result<Option<i64>, tokio_postgres::Error> {
    let balance = locked_balance(tx, account_id).await?;
    let after = balance + credits;
    let inserted = tx
        .execute(
            "INSERT INTO ledger (account_id, kind, credits, reason, order_id, balance_after)
             VALUES ($1, 'grant', $2, $3, $4, $5)
             ON CONFLICT (kind, order_id) WHERE order_id IS NOT NULL DO NOTHING",
            &[&account_id, &credits, &reason, &order_id, &after],
        )
        .await?;
    if inserted == 0 {
        return Ok(None);
    }
    tx.execute(
        "UPDATE accounts SET balance = $2 WHERE account_id = $1",
        &[&account_id, &after],
    )
    .await?;
    Ok(Some(after))
}

/// The account could not cover a hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Insufficient {
    pub needed: i64,
    pub balance: i64,
}

/// Hold `credits` for a new job, inside the caller's transaction: they leave
/// the free balance and wait in `held` until the job ends.
pub async fn hold_for_job(
    tx: &impl GenericClient,
    account_id: &str,
    job_id: &str,
    credits: i64,
) -> Result<Result<(), Insufficient>, tokio_postgres::Error> {
    let balance = locked_balance(tx, account_id).await?;
    if balance < credits {
        return Ok(Err(Insufficient {
            needed: credits,
            balance,
        }));
    }
    let after = balance - credits;
    tx.execute(
        "INSERT INTO ledger (account_id, kind, credits, reason, job_id, balance_after)
         VALUES ($1, 'hold', $2, 'held for a submitted job', $3, $4)",
        &[&account_id, &credits, &job_id, &after],
    )
    .await?;
    tx.execute(
        "UPDATE accounts SET balance = $2, held = held + $3 WHERE account_id = $1",
        &[&account_id, &after, &credits],
    )
    .await?;
    Ok(Ok(()))
}

/// How a job's hold ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldEnd {
    /// The job succeeded: the held credits are spent.
    Charge,
    /// The job failed, was cancelled or refused: they go back to the balance.
    Release,
}

/// End a job's hold, inside the caller's transaction (the one that ends the
/// job). Ending it twice changes nothing the second time.
pub async fn end_hold(
    tx: &impl GenericClient,
    account_id: &str,
    job_id: &str,
    credits: i64,
    end: HoldEnd,
    reason: &str,
) -> Result<(), tokio_postgres::Error> {
    let balance = locked_balance(tx, account_id).await?;
    let (kind, after) = match end {
        HoldEnd::Charge => ("charge", balance),
        HoldEnd::Release => ("release", balance + credits),
    };
    let inserted = tx
        .execute(
            "INSERT INTO ledger (account_id, kind, credits, reason, job_id, balance_after)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (kind, job_id) WHERE job_id IS NOT NULL DO NOTHING",
            &[&account_id, &kind, &credits, &reason, &job_id, &after],
        )
        .await?;
    if inserted == 1 {
        tx.execute(
            "UPDATE accounts SET balance = $2, held = held - $3 WHERE account_id = $1",
            &[&account_id, &after, &credits],
        )
        .await?;
    }
    Ok(())
}

/// The account's balance, with its row locked until the transaction ends, so
/// that every change to it is computed from the value it replaces.
async fn locked_balance(
    tx: &impl GenericClient,
    account_id: &str,
) -> Result<i64, tokio_postgres::Error> {
    Ok(tx
        .query_one(
            "SELECT balance FROM accounts WHERE account_id = $1 FOR UPDATE",
            &[&account_id],
        )
        .await?
        .get(0))
}
