//! Receipts: ed25519-signed statements of what was bought and what was spent.
//!
//! The signing key comes from `LIKENESS_CLOUD_RECEIPT_KEY` (a 32-byte seed in
//! hex) when it is set: then only its public half is written to the database.
//! Otherwise `migrate` generates one and keeps its seed in `receipt_keys`, so
//! that every `serve` node signs with the same key. Either way the public key
//! is served at [`likeness_cloud_api::RECEIPT_KEY_PATH`], and every key ever
//! used stays in `receipt_keys`.

use ed25519_dalek::{Signer, SigningKey};
use likeness_cloud_api::{Receipt, ReceiptKey, ReceiptKind};
use time::OffsetDateTime;
use tokio_postgres::{GenericClient, Row};

use crate::ids;
use crate::secret::Secret;

/// Why the receipt key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptKeyError {
    #[error("LIKENESS_CLOUD_RECEIPT_KEY must be 64 hex digits (a 32-byte ed25519 seed)")]
    BadSeed,
    #[error("the database holds no receipt key: run `likeness-cloud migrate` first")]
    NoKey,
    #[error("PostgreSQL refused a statement: {0}")]
    Query(#[from] tokio_postgres::Error),
}

/// The key that signs receipts.
pub struct ReceiptSigner {
    key: SigningKey,
    public: ReceiptKey,
}

impl std::fmt::Debug for ReceiptSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiptSigner")
            .field("key_id", &self.public.key_id)
            .finish_non_exhaustive()
    }
}

impl ReceiptSigner {
    fn from_seed(seed: [u8; 32]) -> Self {
        let key = SigningKey::from_bytes(&seed);
        let public = ReceiptKey::from_public_key(key.verifying_key().as_bytes());
        ReceiptSigner { key, public }
    }

    /// The public key, as published.
    pub fn public_key(&self) -> &ReceiptKey {
        &self.public
    }

    /// Fill in `key_id` and `signature`.
    fn sign(&self, receipt: &mut Receipt) {
        receipt.key_id = self.public.key_id.clone();
        let message = receipt
            .signed_message()
            .expect("receipt fields are server-made ids and numbers, without line breaks");
        receipt.signature = hex::encode(self.key.sign(&message).to_bytes());
    }
}

fn parse_seed(configured: &Secret) -> Result<[u8; 32], ReceiptKeyError> {
    hex::decode(configured.expose().trim())
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(ReceiptKeyError::BadSeed)
}

/// At migrate time: record the configured key's public half, or generate
/// and store a key if the database has none.
pub async fn ensure_key(
    client: &impl GenericClient,
    configured: Option<&Secret>,
) -> Result<ReceiptKey, ReceiptKeyError> {
    if let Some(configured) = configured {
        let signer = ReceiptSigner::from_seed(parse_seed(configured)?);
        insert_key(client, &signer, false).await?;
        return Ok(signer.public);
    }
    if let Some(signer) = stored_signer(client).await? {
        return Ok(signer.public);
    }
    let signer = ReceiptSigner::from_seed(ids::random_bytes::<32>());
    insert_key(client, &signer, true).await?;
    Ok(signer.public)
}

async fn insert_key(
    client: &impl GenericClient,
    signer: &ReceiptSigner,
    keep_seed: bool,
) -> Result<(), tokio_postgres::Error> {
    let public = signer.key.verifying_key().to_bytes().to_vec();
    let seed = keep_seed.then(|| signer.key.to_bytes().to_vec());
    client
        .execute(
            "INSERT INTO receipt_keys (key_id, public_key, seed) VALUES ($1, $2, $3)
             ON CONFLICT (key_id) DO NOTHING",
            &[&signer.public.key_id, &public, &seed],
        )
        .await?;
    Ok(())
}

async fn stored_signer(
    client: &impl GenericClient,
) -> Result<Option<ReceiptSigner>, tokio_postgres::Error> {
    let row = client
        .query_opt(
            "SELECT seed FROM receipt_keys WHERE seed IS NOT NULL
             ORDER BY created_at DESC, key_id LIMIT 1",
            &[],
        )
        .await?;
    Ok(row.and_then(|row| {
        let seed: Vec<u8> = row.get(0);
        seed.try_into().ok().map(ReceiptSigner::from_seed)
    }))
}

/// At serve time: the configured key (recorded by `migrate`), or the stored one.
pub async fn load_signer(
    client: &impl GenericClient,
    configured: Option<&Secret>,
) -> Result<ReceiptSigner, ReceiptKeyError> {
    match configured {
        Some(configured) => {
            let signer = ReceiptSigner::from_seed(parse_seed(configured)?);
            // A key given only to `serve` is recorded too, so its receipts stay checkable.
            insert_key(client, &signer, false).await?;
            Ok(signer)
        }
        None => stored_signer(client).await?.ok_or(ReceiptKeyError::NoKey),
    }
}

/// Sign and store the receipt for a paid order, inside the caller's transaction.
pub async fn issue_for_order(
    tx: &impl GenericClient,
    signer: &ReceiptSigner,
    account_id: &str,
    order_id: &str,
    credits: i64,
    amount_cents: i64,
    currency: &str,
) -> Result<Receipt, tokio_postgres::Error> {
    let mut receipt = draft(ReceiptKind::Purchase, account_id, credits);
    receipt.order_id = Some(order_id.to_owned());
    receipt.amount_cents = Some(amount_cents);
    receipt.currency = Some(currency.to_owned());
    store(tx, signer, receipt).await
}

/// Sign and store the receipt for a job's charge, inside the transaction
/// that charges it.
pub async fn issue_for_job(
    tx: &impl GenericClient,
    signer: &ReceiptSigner,
    account_id: &str,
    job_id: &str,
    credits: i64,
    output_sha256: &str,
) -> Result<Receipt, tokio_postgres::Error> {
    let mut receipt = draft(ReceiptKind::Job, account_id, credits);
    receipt.job_id = Some(job_id.to_owned());
    receipt.output_sha256 = Some(output_sha256.to_owned());
    store(tx, signer, receipt).await
}

/// A receipt issued now (in whole seconds, as signed), not yet signed.
fn draft(kind: ReceiptKind, account_id: &str, credits: i64) -> Receipt {
    let now = OffsetDateTime::now_utc();
    let issued_at = OffsetDateTime::from_unix_timestamp(now.unix_timestamp())
        .expect("the current time is a valid timestamp");
    Receipt {
        receipt_id: ids::new_id("rcpt"),
        kind,
        account_id: account_id.to_owned(),
        order_id: None,
        job_id: None,
        credits,
        amount_cents: None,
        currency: None,
        output_sha256: None,
        issued_at,
        key_id: String::new(),
        signature: String::new(),
    }
}

async fn store(
    tx: &impl GenericClient,
    signer: &ReceiptSigner,
    mut receipt: Receipt,
) -> Result<Receipt, tokio_postgres::Error> {
    signer.sign(&mut receipt);
    let signature = hex::decode(&receipt.signature).expect("just encoded");
    tx.execute(
        "INSERT INTO receipts (receipt_id, kind, account_id, order_id, job_id, credits,
                               amount_cents, currency, output_sha256, issued_at, key_id, signature)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        &[
            &receipt.receipt_id,
            &receipt.kind.as_str(),
            &receipt.account_id,
            &receipt.order_id,
            &receipt.job_id,
            &receipt.credits,
            &receipt.amount_cents,
            &receipt.currency,
            &receipt.output_sha256,
            &receipt.issued_at,
            &receipt.key_id,
            &signature,
        ],
    )
    .await?;
    Ok(receipt)
}

const RECEIPT_COLUMNS: &str = "receipt_id, kind, account_id, order_id, job_id, credits, \
     amount_cents, currency, output_sha256, issued_at, key_id, signature";

fn from_row(row: &Row) -> Receipt {
    Receipt {
        receipt_id: row.get(0),
        kind: ReceiptKind::parse(row.get(1)).expect("the receipts' CHECK allows only known kinds"),
        account_id: row.get(2),
        order_id: row.get(3),
        job_id: row.get(4),
        credits: row.get(5),
        amount_cents: row.get(6),
        currency: row.get(7),
        output_sha256: row.get(8),
        issued_at: row.get(9),
        key_id: row.get(10),
        signature: hex::encode(row.get::<_, Vec<u8>>(11)),
    }
}

/// A receipt of this account's, by id.
pub async fn find(
    client: &impl GenericClient,
    account_id: &str,
    receipt_id: &str,
) -> Result<Option<Receipt>, tokio_postgres::Error> {
    let sql =
        format!("SELECT {RECEIPT_COLUMNS} FROM receipts WHERE receipt_id = $1 AND account_id = $2");
    let row = client.query_opt(&sql, &[&receipt_id, &account_id]).await?;
    Ok(row.as_ref().map(from_row))
}

/// The receipt of an order, once it is paid.
pub async fn for_order(
    client: &impl GenericClient,
    order_id: &str,
) -> Result<Option<Receipt>, tokio_postgres::Error> {
    let sql = format!("SELECT {RECEIPT_COLUMNS} FROM receipts WHERE order_id = $1");
    let row = client.query_opt(&sql, &[&order_id]).await?;
    Ok(row.as_ref().map(from_row))
}

/// The receipt of a job, once it succeeded.
pub async fn for_job(
    client: &impl GenericClient,
    job_id: &str,
) -> Result<Option<Receipt>, tokio_postgres::Error> {
    let sql = format!("SELECT {RECEIPT_COLUMNS} FROM receipts WHERE job_id = $1");
    let row = client.query_opt(&sql, &[&job_id]).await?;
    Ok(row.as_ref().map(from_row))
}
