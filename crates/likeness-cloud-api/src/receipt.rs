//! Signed receipts: the server signs what was bought or spent with ed25519,
//! and anyone holding its public key checks that offline.
//!
//! The signature covers [`Receipt::signed_message`], a fixed line-per-field
//! text, never the JSON, so that re-encoding the JSON cannot break it.

use ed25519_dalek::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// Where the server publishes its receipt key, as a [`ReceiptKey`].
pub const RECEIPT_KEY_PATH: &str = "/.well-known/likeness-receipt-key";

/// The first line of every signed message: the format's name and version.
const SIGNED_MESSAGE_HEADER: &str = "likeness-receipt-v1";

/// What a receipt is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptKind {
    /// Credits bought with money (an order).
    Purchase,
    /// Credits spent on a job.
    Job,
}

impl ReceiptKind {
    /// The name used on the wire, in the database and in the signed message.
    pub fn as_str(self) -> &'static str {
        match self {
            ReceiptKind::Purchase => "purchase",
            ReceiptKind::Job => "job",
        }
    }

    /// Parse the name [`ReceiptKind::as_str`] gives.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "purchase" => Some(ReceiptKind::Purchase),
            "job" => Some(ReceiptKind::Job),
            _ => None,
        }
    }
}

/// A signed statement of one purchase or one job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub receipt_id: String,
    pub kind: ReceiptKind,
    pub account_id: String,
    #[serde(default)]
    pub order_id: Option<String>,
    #[serde(default)]
    pub job_id: Option<String>,
    /// Credits granted (a purchase) or charged (a job).
    pub credits: i64,
    /// Money paid, in the currency's smallest unit: purchases only.
    #[serde(default)]
    pub amount_cents: Option<i64>,
    #[serde(default)]
    pub currency: Option<String>,
    /// The output's SHA-256 in hex: jobs only.
    #[serde(default)]
    pub output_sha256: Option<String>,
    /// Whole seconds: the signature covers the Unix time.
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    /// Which key signed it ([`ReceiptKey::key_id`]).
    pub key_id: String,
    /// The ed25519 signature of [`Receipt::signed_message`], in hex.
    pub signature: String,
}

/// The server's receipt public key, as served at [`RECEIPT_KEY_PATH`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptKey {
    /// Always `ed25519`.
    pub algorithm: String,
    /// The first 16 hex digits of the SHA-256 of the public key.
    pub key_id: String,
    /// The 32-byte public key, in hex.
    pub public_key: String,
}

/// Why a receipt did not verify.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReceiptError {
    #[error("the receipt key is not an ed25519 public key")]
    BadKey,
    #[error("the receipt was signed by key {receipt}, not by key {key}")]
    OtherKey { receipt: String, key: String },
    #[error("the receipt's signature is not a well-formed ed25519 signature")]
    BadSignatureEncoding,
    #[error("a receipt field holds a line break, which no genuine receipt has")]
    BadField,
    #[error("the receipt's signature does not match its contents")]
    SignatureMismatch,
}

impl ReceiptKey {
    /// Describe an ed25519 public key, deriving its id.
    pub fn from_public_key(public_key: &[u8; 32]) -> Self {
        ReceiptKey {
            algorithm: "ed25519".to_owned(),
            key_id: key_id_of(public_key),
            public_key: hex::encode(public_key),
        }
    }

    /// The key itself, checked: the algorithm, the encoding and that
    /// `key_id` belongs to it.
    pub fn verifying_key(&self) -> Result<VerifyingKey, ReceiptError> {
        if self.algorithm != "ed25519" {
            return Err(ReceiptError::BadKey);
        }
        let bytes: [u8; 32] = hex::decode(&self.public_key)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(ReceiptError::BadKey)?;
        if key_id_of(&bytes) != self.key_id {
            return Err(ReceiptError::BadKey);
        }
        VerifyingKey::from_bytes(&bytes).map_err(|_| ReceiptError::BadKey)
    }
}

/// The id of a receipt public key: the first 16 hex digits of its SHA-256.
pub fn key_id_of(public_key: &[u8; 32]) -> String {
    hex::encode(&Sha256::digest(public_key)[..8])
}

impl Receipt {
    /// The exact bytes the signature covers: one `name=value` line per field,
    /// in a fixed order, `-` for an absent value, the time as Unix seconds.
    pub fn signed_message(&self) -> Result<Vec<u8>, ReceiptError> {
        let optional = |value: &Option<String>| value.clone().unwrap_or_else(|| "-".to_owned());
        let fields: [(&str, String); 11] = [
            ("receipt_id", self.receipt_id.clone()),
            ("kind", self.kind.as_str().to_owned()),
            ("account_id", self.account_id.clone()),
            ("order_id", optional(&self.order_id)),
            ("job_id", optional(&self.job_id)),
            ("credits", self.credits.to_string()),
            (
                "amount_cents",
                self.amount_cents
                    .map_or_else(|| "-".to_owned(), |a| a.to_string()),
            ),
            ("currency", optional(&self.currency)),
            ("output_sha256", optional(&self.output_sha256)),
            ("issued_at", self.issued_at.unix_timestamp().to_string()),
            ("key_id", self.key_id.clone()),
        ];
        let mut message = format!("{SIGNED_MESSAGE_HEADER}\n");
        for (name, value) in fields {
            if value.contains(['\n', '\r']) {
                return Err(ReceiptError::BadField);
            }
            message.push_str(name);
            message.push('=');
            message.push_str(&value);
            message.push('\n');
        }
        Ok(message.into_bytes())
    }

    /// Check offline that `key` signed exactly this receipt.
    pub fn verify(&self, key: &ReceiptKey) -> Result<(), ReceiptError> {
        let verifying_key = key.verifying_key()?;
        if self.key_id != key.key_id {
            return Err(ReceiptError::OtherKey {
                receipt: self.key_id.clone(),
                key: key.key_id.clone(),
            });
        }
        let signature: [u8; 64] = hex::decode(&self.signature)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(ReceiptError::BadSignatureEncoding)?;
        let signature = Signature::from_bytes(&signature);
        verifying_key
            .verify_strict(&self.signed_message()?, &signature)
            .map_err(|_| ReceiptError::SignatureMismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    fn signed(seed: u8) -> (Receipt, ReceiptKey) {
        let signing = SigningKey::from_bytes(&[seed; 32]);
        let key = ReceiptKey::from_public_key(signing.verifying_key().as_bytes());
        let mut receipt = Receipt {
            receipt_id: "rcpt_1".into(),
            kind: ReceiptKind::Purchase,
            account_id: "acct_1".into(),
            order_id: Some("ord_1".into()),
            job_id: None,
            credits: 500,
            amount_cents: Some(1999),
            currency: Some("usd".into()),
            output_sha256: None,
            issued_at: OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap(),
            key_id: key.key_id.clone(),
            signature: String::new(),
        };
        receipt.signature =
            hex::encode(signing.sign(&receipt.signed_message().unwrap()).to_bytes());
        (receipt, key)
    }

    #[test]
    fn a_signed_receipt_verifies_after_a_json_round_trip() {
        let (receipt, key) = signed(7);
        let json = serde_json::to_string(&receipt).unwrap();
        let back: Receipt = serde_json::from_str(&json).unwrap();
        assert_eq!(back.verify(&key), Ok(()));
    }

    #[test]
    fn a_receipt_with_more_credits_than_were_signed_fails() {
        let (mut receipt, key) = signed(7);
        receipt.credits += 1;
        assert_eq!(receipt.verify(&key), Err(ReceiptError::SignatureMismatch));
    }

    #[test]
    fn a_receipt_checked_with_another_key_fails() {
        let (receipt, _) = signed(7);
        let (_, other) = signed(8);
        assert!(matches!(
            receipt.verify(&other),
            Err(ReceiptError::OtherKey { .. })
        ));
    }

    #[test]
    fn a_key_whose_id_does_not_match_is_refused() {
        let (receipt, mut key) = signed(7);
        key.key_id = "0000000000000000".into();
        assert_eq!(receipt.verify(&key), Err(ReceiptError::BadKey));
    }
}
