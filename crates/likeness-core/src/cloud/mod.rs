//! Likeness Cloud on this side: the user's opt-in, the account token (only
//! ever in the OS keyring), the store (packs, balance, ledger, and receipts
//! verified offline against the server's key) and the quotes the router
//! weighs. Nothing here calls the network while cloud is off.
//!
//! Cloud HD jobs run in the persistent queue like local ones ([`run`]); their
//! idempotency key and quote are stored with the job before anything is sent.

mod link;
pub mod router;
pub(crate) mod run;
pub(crate) mod sql;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use likeness_cloud_api::client::{ClientError, CloudClient};
use likeness_cloud_api::{LedgerKind, OrderState, ReceiptKey, ReceiptKind};
use serde::Serialize;
use sha2::{Digest, Sha256};
use ts_rs::TS;

use crate::clock::Clock;
use crate::consent::ConsentWording;
use crate::db::{Db, DbError};
use crate::error::{Coded, ErrorCode};
use crate::jobs::{JobFilter, JobQueue, JobState};
use crate::secrets::{KeyringUnavailable, SecretStore, Sensitive};
pub use router::{CloudChoice, EngineChoice, EngineName, LocalChoice};

/// The server a new install points at: the local reference cloud
/// (`scripts/cloud.sh`).
pub const DEFAULT_SERVER_URL: &str = "http://127.0.0.1:8787";
/// Cloud orders, receipts and opt-ins are kept 7 years, as the server keeps
/// its ledger and receipts (the records a purchase must leave).
pub const CLOUD_RECORD_DAYS: u32 = 7 * 365;
/// After the buyer comes back from checkout, how long to wait for the
/// payment's webhook before saying the order is still pending.
pub const SETTLE: Duration = Duration::from_secs(15);
/// Where the server's receipt key is pinned on first use.
const RECEIPT_KEY_SETTING: &str = "cloud.receipt_key";

/// Whether cloud is on, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CloudStatus {
    pub enabled: bool,
    pub server_url: String,
    /// An account token is in the keyring for this server.
    pub signed_in: bool,
    /// When cloud was last turned on (RFC 3339), while it is on.
    pub enabled_at: Option<String>,
}

/// A credit pack on sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CloudPack {
    pub pack_id: String,
    pub name: String,
    #[ts(type = "number")]
    pub credits: i64,
    #[ts(type = "number")]
    pub amount_cents: i64,
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CloudBalance {
    #[ts(type = "number")]
    pub credits: i64,
    /// Held by cloud jobs that have not ended.
    #[ts(type = "number")]
    pub held: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum CloudLedgerKind {
    Grant,
    Hold,
    Charge,
    Refund,
    Release,
}

/// One line of the account's ledger, linked to its order or job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CloudLedgerEntry {
    #[ts(type = "number")]
    pub entry_id: i64,
    pub kind: CloudLedgerKind,
    #[ts(type = "number")]
    pub credits: i64,
    pub order_id: Option<String>,
    pub job_id: Option<String>,
    #[ts(type = "number")]
    pub balance_after: i64,
    pub at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum CloudReceiptKind {
    Purchase,
    Job,
}

/// A kept receipt and whether its signature verifies against the server's
/// pinned key. An invalid one is shown as invalid, never hidden.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CloudReceipt {
    pub receipt_id: String,
    pub kind: CloudReceiptKind,
    #[ts(type = "number")]
    pub credits: i64,
    #[ts(type = "number | null")]
    pub amount_cents: Option<i64>,
    pub currency: Option<String>,
    pub order_id: Option<String>,
    pub job_id: Option<String>,
    pub issued_at: String,
    pub valid: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum CloudOrderState {
    Pending,
    Processing,
    Paid,
    Failed,
    /// Cancelled, or left unpaid until the checkout timed out.
    Expired,
}

/// An order as the server last said it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CloudOrder {
    pub order_id: String,
    pub pack_id: String,
    pub state: CloudOrderState,
    #[ts(type = "number")]
    pub credits: i64,
}

/// A checkout to open: the provider's page, and the address it returns to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutStarted {
    pub order_id: String,
    pub checkout_url: String,
    /// The server's return page: reaching it ends the checkout window.
    pub return_url: String,
}

/// Why a cloud call did not happen or did not work.
#[derive(Debug, thiserror::Error)]
pub enum CloudError {
    #[error("Likeness Cloud is off. Turn it on in Settings to use it.")]
    Off,
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(
        "Likeness keeps your cloud account's token only in the system keyring, and could not \
         use it ({0}). Unlock the keyring and sign in again; the token is never kept anywhere else."
    )]
    Keyring(String),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{0}")]
    Invalid(String),
    #[error("Likeness did not use this link: {0}")]
    Link(#[from] likeness_cloud_api::return_link::ReturnLinkError),
    #[error("Likeness did not use this link: it is not for an order this app started.")]
    UnknownOrder,
}

impl From<KeyringUnavailable> for CloudError {
    fn from(e: KeyringUnavailable) -> Self {
        CloudError::Keyring(e.0)
    }
}

impl From<rusqlite::Error> for CloudError {
    fn from(e: rusqlite::Error) -> Self {
        CloudError::Db(e.into())
    }
}

impl Coded for CloudError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::Off => ErrorCode::CloudOff,
            Self::Client(e) => match e {
                ClientError::BadUrl(_) => ErrorCode::InvalidInput,
                ClientError::Unreachable(_) => ErrorCode::CloudUnreachable,
                ClientError::Timeout => ErrorCode::CloudTimeout,
                ClientError::BadAnswer(_) => ErrorCode::CloudBadAnswer,
                ClientError::Server { .. } => ErrorCode::CloudServerError,
                ClientError::Refused { .. } => ErrorCode::CloudRefused,
                ClientError::InsufficientCredits(_) => ErrorCode::InsufficientCredits,
            },
            Self::Keyring(_) => ErrorCode::KeyringUnavailable,
            Self::Db(e) => e.code(),
            Self::Invalid(_) => ErrorCode::InvalidInput,
            Self::Link(_) | Self::UnknownOrder => ErrorCode::BadLink,
        }
    }
}

/// Likeness Cloud for one data folder.
pub struct Cloud {
    db: Arc<Db>,
    secrets: Arc<dyn SecretStore>,
    data_dir: PathBuf,
    clock: Arc<dyn Clock>,
    timeout: Duration,
}

impl Cloud {
    pub fn new(
        db: Arc<Db>,
        secrets: Arc<dyn SecretStore>,
        data_dir: PathBuf,
        clock: Arc<dyn Clock>,
        timeout: Duration,
    ) -> Self {
        Cloud {
            db,
            secrets,
            data_dir,
            clock,
            timeout,
        }
    }

    /// The keyring entry of this folder's account on `server_url`: one per
    /// server, so that pointing at another server never sends it the token.
    pub fn token_name(&self, server_url: &str) -> Result<String, CloudError> {
        let folder = crate::keys::folder_id(&self.data_dir)
            .map_err(|e| CloudError::Invalid(format!("The data folder has no id: {e}")))?;
        let server = hex::encode(&Sha256::digest(server_url.as_bytes())[..8]);
        Ok(format!("cloud-account-{folder}-{server}"))
    }

    /// Whether cloud is on, for which server, since when: the latest opt-in.
    fn optin(&self) -> Result<(bool, String, String), CloudError> {
        let latest = self
            .db
            .read(|conn| Ok::<_, DbError>(sql::latest_optin(conn)?))?;
        Ok(latest.unwrap_or((false, DEFAULT_SERVER_URL.to_owned(), String::new())))
    }

    pub fn status(&self) -> Result<CloudStatus, CloudError> {
        let (enabled, server_url, at) = self.optin()?;
        let signed_in = self.secrets.get(&self.token_name(&server_url)?)?.is_some();
        Ok(CloudStatus {
            enabled,
            enabled_at: enabled.then_some(at),
            server_url,
            signed_in,
        })
    }

    /// Turn cloud on for `server_url`, recording the exact `wording` shown.
    pub fn enable(
        &self,
        server_url: &str,
        wording: &ConsentWording,
    ) -> Result<CloudStatus, CloudError> {
        let server = CloudClient::new(server_url)?.base().to_owned();
        let (language, sha) = wording.to_record().map_err(CloudError::Invalid)?;
        let now = self.clock.now_rfc3339();
        self.db.write(|tx| {
            Ok::<_, DbError>(sql::insert_optin(
                tx,
                true,
                &server,
                Some((&language, &sha)),
                &now,
            )?)
        })?;
        self.status()
    }

    /// Turn cloud off: the cloud jobs still queued or running in `queue` are
    /// cancelled first (each cancels on the server, which gives its credits
    /// back), and from then on no cloud call is made.
    pub fn disable(&self, queue: &JobQueue) -> Result<CloudStatus, CloudError> {
        let open = JobFilter {
            states: vec![JobState::Queued, JobState::Running],
            ..JobFilter::default()
        };
        let jobs = queue
            .list(&open)
            .map_err(|e| CloudError::Invalid(e.to_string()))?;
        for job in jobs
            .iter()
            .filter(|j| run::CloudPlan::of(&j.settings_json).is_some())
        {
            queue
                .cancel(job.id)
                .map_err(|e| CloudError::Invalid(e.to_string()))?;
        }
        let server = self.optin()?.1;
        let now = self.clock.now_rfc3339();
        self.db
            .write(|tx| Ok::<_, DbError>(sql::insert_optin(tx, false, &server, None, &now)?))?;
        self.status()
    }

    /// The server, when cloud is on.
    fn server(&self) -> Result<String, CloudError> {
        match self.optin()? {
            (true, server_url, _) => Ok(server_url),
            _ => Err(CloudError::Off),
        }
    }

    /// A client signed in to the server, making the account on first use. A
    /// keyring that cannot keep the token stops here: it is kept nowhere else.
    pub(crate) fn client(&self) -> Result<CloudClient, CloudError> {
        let server = self.server()?;
        let client = CloudClient::new(&server)?.with_timeout(self.timeout);
        let name = self.token_name(&server)?;
        if let Some(token) = self.secrets.get(&name)? {
            return Ok(client.with_token(token.expose().clone()));
        }
        let created = client.create_account()?;
        self.secrets
            .set(&name, &Sensitive::new(created.token.clone()))?;
        Ok(client.with_token(created.token))
    }

    /// Delete this folder's account on the server, if it has one there:
    /// the credits it forfeited, or `None` with no account. Works while
    /// cloud is off too, as deleting is what the user asked for.
    pub fn delete_account(&self) -> Result<Option<i64>, CloudError> {
        let server = self.optin()?.1;
        let Some(client) = self.signed_in_client(&server)? else {
            return Ok(None);
        };
        Ok(Some(client.delete_account()?.forfeited_credits))
    }

    /// A client for `server_url` with this folder's token there, or `None`
    /// when it has no account there. Makes no account and ignores the opt-in.
    fn signed_in_client(&self, server_url: &str) -> Result<Option<CloudClient>, CloudError> {
        let Some(token) = self.secrets.get(&self.token_name(server_url)?)? else {
            return Ok(None);
        };
        Ok(Some(
            CloudClient::new(server_url)?
                .with_timeout(self.timeout)
                .with_token(token.expose().clone()),
        ))
    }

    /// Forget this folder's account token for the current server.
    pub fn forget_account(&self) -> Result<(), CloudError> {
        let server = self.optin()?.1;
        Ok(self.secrets.delete(&self.token_name(&server)?)?)
    }

    pub fn packs(&self) -> Result<Vec<CloudPack>, CloudError> {
        let server = self.server()?;
        let packs = CloudClient::new(&server)?
            .with_timeout(self.timeout)
            .packs()?;
        Ok(packs
            .into_iter()
            .map(|p| CloudPack {
                pack_id: p.pack_id,
                name: p.name,
                credits: p.credits,
                amount_cents: p.amount_cents,
                currency: p.currency,
            })
            .collect())
    }

    pub fn balance(&self) -> Result<CloudBalance, CloudError> {
        let balance = self.client()?.balance()?;
        Ok(CloudBalance {
            credits: balance.credits,
            held: balance.held,
        })
    }

    /// The account's ledger, newest first.
    pub fn ledger(&self) -> Result<Vec<CloudLedgerEntry>, CloudError> {
        let entries = self.client()?.ledger()?;
        Ok(entries
            .into_iter()
            .map(|e| CloudLedgerEntry {
                entry_id: e.entry_id,
                kind: match e.kind {
                    LedgerKind::Grant => CloudLedgerKind::Grant,
                    LedgerKind::Hold => CloudLedgerKind::Hold,
                    LedgerKind::Charge => CloudLedgerKind::Charge,
                    LedgerKind::Refund => CloudLedgerKind::Refund,
                    LedgerKind::Release => CloudLedgerKind::Release,
                },
                credits: e.credits,
                order_id: e.order_id,
                job_id: e.job_id,
                balance_after: e.balance_after,
                at: rfc3339(e.at),
            })
            .collect())
    }

    /// Start buying `pack_id`: the checkout page to open in its own window.
    pub fn start_checkout(&self, pack_id: &str) -> Result<CheckoutStarted, CloudError> {
        let client = self.client()?;
        let created = client.order(pack_id)?;
        let order = client.order_state(&created.order_id)?;
        let now = self.clock.now_rfc3339();
        self.db
            .write(|tx| Ok::<_, DbError>(sql::upsert_order(tx, &order, client.base(), &now)?))?;
        Ok(CheckoutStarted {
            order_id: created.order_id,
            checkout_url: created.checkout_url,
            return_url: format!("{}/checkout/return", client.base()),
        })
    }

    /// The order's state once it is no longer pending, or still pending after
    /// `within`: the provider's webhook may trail the buyer's return.
    pub fn order_settled(
        &self,
        order_id: &str,
        within: Duration,
    ) -> Result<CloudOrder, CloudError> {
        let deadline = std::time::Instant::now() + within;
        loop {
            let order = self.order_state(order_id)?;
            if order.state != CloudOrderState::Pending || std::time::Instant::now() >= deadline {
                return Ok(order);
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Ask the server how the order stands (the redirect back from checkout
    /// proves nothing) and keep its receipt once it is paid.
    pub fn order_state(&self, order_id: &str) -> Result<CloudOrder, CloudError> {
        let client = self.client()?;
        let order = client.order_state(order_id)?;
        let now = self.clock.now_rfc3339();
        self.db.write(|tx| {
            sql::upsert_order(tx, &order, client.base(), &now)?;
            if let Some(receipt) = &order.receipt {
                sql::insert_receipt(tx, receipt, None)?;
            }
            Ok::<_, DbError>(())
        })?;
        Ok(CloudOrder {
            order_id: order.order_id,
            pack_id: order.pack_id,
            state: match order.state {
                OrderState::Pending => CloudOrderState::Pending,
                OrderState::Processing => CloudOrderState::Processing,
                OrderState::Paid => CloudOrderState::Paid,
                OrderState::Failed => CloudOrderState::Failed,
                OrderState::Expired => CloudOrderState::Expired,
            },
            credits: order.credits,
        })
    }

    /// A quote for upscaling a `width` x `height` image by `factor` (2 or 4).
    pub fn quote_hd(
        &self,
        width: u32,
        height: u32,
        factor: u8,
    ) -> Result<likeness_cloud_api::Quote, CloudError> {
        let kind = match factor {
            2 => likeness_cloud_api::JobKind::HdX2,
            4 => likeness_cloud_api::JobKind::HdX4,
            _ => return Err(CloudError::Invalid("HD is x2 or x4.".into())),
        };
        Ok(self.client()?.quote(&likeness_cloud_api::QuoteRequest {
            kind,
            params: serde_json::Value::Null,
            input: likeness_cloud_api::InputSize { width, height },
        })?)
    }

    /// The server's receipt key: fetched once and pinned, so that a later
    /// key cannot make an old forgery look valid.
    fn receipt_key(&self) -> Result<ReceiptKey, CloudError> {
        let pinned = self
            .db
            .read(|conn| Ok::<_, DbError>(crate::settings::sql::get(conn, RECEIPT_KEY_SETTING)?))?;
        if let Some(key) = pinned.and_then(|json| serde_json::from_str(&json).ok()) {
            return Ok(key);
        }
        let key = self.client()?.receipt_key()?;
        let json = serde_json::to_string(&key).expect("plain data serializes");
        self.db.write(|tx| {
            Ok::<_, DbError>(crate::settings::sql::set(tx, RECEIPT_KEY_SETTING, &json)?)
        })?;
        Ok(key)
    }

    /// Every kept receipt, newest first, each checked offline.
    pub fn receipts(&self) -> Result<Vec<CloudReceipt>, CloudError> {
        let rows = self
            .db
            .read(|conn| Ok::<_, DbError>(sql::receipts(conn)?))?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let key = self.receipt_key()?;
        Ok(rows
            .iter()
            .filter_map(|json| serde_json::from_str::<likeness_cloud_api::Receipt>(json).ok())
            .map(|r| CloudReceipt {
                valid: r.verify(&key).is_ok(),
                receipt_id: r.receipt_id,
                kind: match r.kind {
                    ReceiptKind::Purchase => CloudReceiptKind::Purchase,
                    ReceiptKind::Job => CloudReceiptKind::Job,
                },
                credits: r.credits,
                amount_cents: r.amount_cents,
                currency: r.currency,
                order_id: r.order_id,
                job_id: r.job_id,
                issued_at: rfc3339(r.issued_at),
            })
            .collect())
    }
}

pub(crate) fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
