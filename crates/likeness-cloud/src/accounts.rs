//! Anonymous device accounts and Bearer-token authentication.
//!
//! An account is an id and the SHA-256 of a random token: no name, no e-mail.
//! The token is returned once, at creation, and never stored or logged.

use likeness_cloud_api::AccountCreated;
use sha2::{Digest, Sha256};
use tokio_postgres::GenericClient;

use crate::ids;

/// The SHA-256 of a token, as stored.
fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Make a new account and its token.
pub async fn create(client: &impl GenericClient) -> Result<AccountCreated, tokio_postgres::Error> {
    let account_id = ids::new_id("acct");
    let token = ids::new_token();
    client
        .execute(
            "INSERT INTO accounts (account_id, token_sha256) VALUES ($1, $2)",
            &[&account_id, &token_hash(&token)],
        )
        .await?;
    Ok(AccountCreated { account_id, token })
}

/// Delete an account at its owner's request: its open jobs are cancelled
/// (their holds released) and their images deleted, its unused quotes go, and
/// its token hash is erased so the token never signs in again. The ledger and
/// receipts stay (kept 7 years; they hold no personal data). Returns the
/// credits left unspent, which are forfeited.
pub async fn delete(
    client: &mut deadpool_postgres::Client,
    storage: &crate::storage::Storage,
    account_id: &str,
) -> Result<i64, crate::jobs::CancelError> {
    let open = client
        .query(
            "SELECT job_id FROM jobs WHERE account_id = $1 AND state IN ('queued', 'running')",
            &[&account_id],
        )
        .await?;
    for row in open {
        let job_id: String = row.get(0);
        match crate::jobs::cancel(client, storage, account_id, &job_id).await {
            Ok(_) | Err(crate::jobs::CancelError::AlreadyEnded(_)) => {}
            Err(other) => return Err(other),
        }
    }
    let ended = client
        .query(
            "SELECT job_id FROM jobs WHERE account_id = $1",
            &[&account_id],
        )
        .await?;
    for row in ended {
        let job_id: String = row.get(0);
        crate::jobs::retention::drop_input(&***client, storage, &job_id).await;
        crate::jobs::retention::drop_output(&***client, storage, &job_id).await;
    }
    client
        .execute(
            "DELETE FROM quotes q WHERE account_id = $1
               AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.quote_id = q.quote_id)",
            &[&account_id],
        )
        .await?;
    let row = client
        .query_one(
            "UPDATE accounts SET token_sha256 = NULL, deleted_at = now()
             WHERE account_id = $1 RETURNING balance",
            &[&account_id],
        )
        .await?;
    Ok(row.get(0))
}

/// The account a token belongs to, if any.
pub async fn authenticate(
    client: &impl GenericClient,
    token: &str,
) -> Result<Option<String>, tokio_postgres::Error> {
    let row = client
        .query_opt(
            "SELECT account_id FROM accounts WHERE token_sha256 = $1",
            &[&token_hash(token)],
        )
        .await?;
    Ok(row.map(|r| r.get(0)))
}
