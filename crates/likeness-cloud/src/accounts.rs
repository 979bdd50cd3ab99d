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
