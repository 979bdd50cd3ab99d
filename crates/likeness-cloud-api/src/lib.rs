//! Likeness Cloud's wire types: what the server sends and the app reads.
//!
//! Every type here is plain data with snake_case JSON, so the server
//! (`likeness-cloud`) and the app share one definition. Times are RFC 3339.
//! Receipts are ed25519-signed by the server and verified offline with
//! [`Receipt::verify`] against the key published at [`RECEIPT_KEY_PATH`].

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[cfg(feature = "client")]
pub mod client;
mod jobs;
mod receipt;
pub mod return_link;

pub use jobs::{
    InsufficientCredits, Job, JobError, JobOutput, JobState, JobSubmitted, IDEMPOTENCY_KEY_HEADER,
    OUTPUT_RETENTION_HEADER,
};
pub use receipt::{key_id_of, Receipt, ReceiptError, ReceiptKey, ReceiptKind, RECEIPT_KEY_PATH};

/// A credit pack on sale (`GET /v1/packs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pack {
    pub pack_id: String,
    pub name: String,
    pub credits: i64,
    /// The price in the currency's smallest unit (cents).
    pub amount_cents: i64,
    /// ISO 4217, lower case, as Stripe writes it (`usd`).
    pub currency: String,
}

/// `GET /v1/packs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackList {
    pub packs: Vec<Pack>,
}

/// `POST /v1/orders`: buy one pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateOrder {
    pub pack_id: String,
}

/// The answer to [`CreateOrder`]: open `checkout_url` in the checkout window,
/// then ask `GET /v1/orders/{order_id}`; the redirect alone proves nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCreated {
    pub order_id: String,
    pub checkout_url: String,
}

/// Where an order stands. Only `paid` has granted credits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// Waiting for the buyer to pay (a declined card leaves it here).
    Pending,
    /// Paid with a method that settles later (a bank debit): no credits yet.
    Processing,
    /// The payment succeeded and the pack's credits were granted, once.
    Paid,
    /// A delayed payment failed: nothing was charged, no credits.
    Failed,
    /// The checkout was cancelled or timed out: nothing was charged, no credits.
    Expired,
}

impl OrderState {
    /// The name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::Pending => "pending",
            OrderState::Processing => "processing",
            OrderState::Paid => "paid",
            OrderState::Failed => "failed",
            OrderState::Expired => "expired",
        }
    }

    /// Parse the name [`OrderState::as_str`] gives.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "pending" => OrderState::Pending,
            "processing" => OrderState::Processing,
            "paid" => OrderState::Paid,
            "failed" => OrderState::Failed,
            "expired" => OrderState::Expired,
            _ => return None,
        })
    }
}

/// `GET /v1/orders/{id}`: visible to its own account only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub order_id: String,
    pub pack_id: String,
    pub state: OrderState,
    pub credits: i64,
    pub amount_cents: i64,
    pub currency: String,
    /// `local` or `stripe`.
    pub provider: String,
    /// The payment provider's checkout session id (`cs_…`), so that events
    /// signed by the provider's own libraries can be replayed in tests.
    pub provider_session_id: Option<String>,
    pub checkout_url: Option<String>,
    /// The signed receipt, once the order is paid.
    pub receipt: Option<Receipt>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// `POST /v1/accounts`: an anonymous device account. The token is shown once;
/// the server keeps only its SHA-256.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountCreated {
    pub account_id: String,
    pub token: String,
}

impl std::fmt::Debug for AccountCreated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountCreated")
            .field("account_id", &self.account_id)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// `DELETE /v1/account`: the account is gone; its token never signs in again.
/// Unspent credits are forfeited; the ledger and receipts stay, as the law
/// on records asks (they hold no personal data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDeleted {
    pub deleted: bool,
    pub forfeited_credits: i64,
}

/// `GET /v1/balance`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    /// Credits free to spend.
    pub credits: i64,
    /// Credits held by jobs that have not ended yet.
    pub held: i64,
}

/// What one ledger line did to the balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LedgerKind {
    /// Credits bought (an order was paid).
    Grant,
    /// Credits set aside for a job that was submitted.
    Hold,
    /// A held amount taken for a job that succeeded.
    Charge,
    /// Credits given back after a charge.
    Refund,
    /// A held amount given back for a job that failed, was cancelled or refused.
    Release,
}

impl LedgerKind {
    /// The name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            LedgerKind::Grant => "grant",
            LedgerKind::Hold => "hold",
            LedgerKind::Charge => "charge",
            LedgerKind::Refund => "refund",
            LedgerKind::Release => "release",
        }
    }

    /// Parse the name [`LedgerKind::as_str`] gives.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "grant" => LedgerKind::Grant,
            "hold" => LedgerKind::Hold,
            "charge" => LedgerKind::Charge,
            "refund" => LedgerKind::Refund,
            "release" => LedgerKind::Release,
            _ => return None,
        })
    }
}

/// One line of the append-only credits ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub entry_id: i64,
    pub kind: LedgerKind,
    /// Always positive; `kind` says which way it went.
    pub credits: i64,
    /// Why, in plain words.
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// The free balance right after this line.
    pub balance_after: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// `GET /v1/ledger`: newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    pub entries: Vec<LedgerEntry>,
}

/// Every error the server returns: branch on `code`, show `message`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: String,
    pub message: String,
    #[serde(default)]
    pub details: serde_json::Value,
}

/// What a job will do, for its price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// A painterly style at the input's resolution.
    Style,
    /// Upscale x2.
    HdX2,
    /// Upscale x4.
    HdX4,
}

impl JobKind {
    /// The name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Style => "style",
            JobKind::HdX2 => "hd_x2",
            JobKind::HdX4 => "hd_x4",
        }
    }

    /// Parse the name [`JobKind::as_str`] gives.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "style" => JobKind::Style,
            "hd_x2" => JobKind::HdX2,
            "hd_x4" => JobKind::HdX4,
            _ => return None,
        })
    }
}

/// The input image's size, which sets the price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputSize {
    pub width: u32,
    pub height: u32,
}

/// `POST /v1/quotes`: what would this job cost?
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuoteRequest {
    pub kind: JobKind,
    #[serde(default)]
    pub params: serde_json::Value,
    pub input: InputSize,
}

/// A price that holds until `expires_at`; a job submitted with it is charged
/// exactly `credits`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub quote_id: String,
    pub kind: JobKind,
    pub credits: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_are_snake_case() {
        assert_eq!(
            serde_json::to_value(OrderState::Processing).unwrap(),
            "processing"
        );
        assert_eq!(
            serde_json::to_value(LedgerKind::Release).unwrap(),
            "release"
        );
        assert_eq!(serde_json::to_value(JobKind::HdX4).unwrap(), "hd_x4");
        for state in ["pending", "processing", "paid", "failed", "expired"] {
            assert_eq!(OrderState::parse(state).unwrap().as_str(), state);
        }
        for kind in ["grant", "hold", "charge", "refund", "release"] {
            assert_eq!(LedgerKind::parse(kind).unwrap().as_str(), kind);
        }
    }

    #[test]
    fn an_account_token_never_prints() {
        let created = AccountCreated {
            account_id: "acct_1".into(),
            token: "lk_secret".into(),
        };
        assert!(!format!("{created:?}").contains("lk_secret"));
    }

    #[test]
    fn a_ledger_entry_omits_the_reference_it_lacks() {
        let entry = LedgerEntry {
            entry_id: 1,
            kind: LedgerKind::Grant,
            credits: 100,
            reason: "bought".into(),
            order_id: Some("ord_1".into()),
            job_id: None,
            balance_after: 100,
            at: OffsetDateTime::UNIX_EPOCH,
        };
        let json = serde_json::to_value(&entry).unwrap();
        assert_eq!(json["order_id"], "ord_1");
        assert!(json.get("job_id").is_none());
        assert_eq!(json["at"], "1970-01-01T00:00:00Z");
    }
}
