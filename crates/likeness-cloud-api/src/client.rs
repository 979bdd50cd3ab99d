//! The app's client for the Likeness Cloud API: blocking calls with deadlines,
//! and every way a call can go wrong as one [`ClientError`] the app can show.
//! A server that answers with malformed JSON, a 5xx, nothing in time, or a
//! dropped connection gets a distinct error; none of them is ever read as
//! success.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{
    AccountCreated, AccountDeleted, ApiError, Balance, CreateOrder, InsufficientCredits, Job,
    JobSubmitted, Ledger, LedgerEntry, Order, OrderCreated, Pack, PackList, Quote, QuoteRequest,
    Receipt, ReceiptKey, IDEMPOTENCY_KEY_HEADER, RECEIPT_KEY_PATH,
};

/// How long one call may take, connect to last byte, unless set otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest answer read: an HD x4 output PNG of the largest input.
const MAX_ANSWER_BYTES: u64 = 512 * 1024 * 1024;

/// Why a call did not give an answer the app can use.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClientError {
    #[error("the server address {0:?} is not an http:// or https:// URL")]
    BadUrl(String),
    #[error("Likeness Cloud could not be reached: {0}")]
    Unreachable(String),
    #[error("Likeness Cloud did not answer in time")]
    Timeout,
    #[error("Likeness Cloud answered with something that is not its API: {0}")]
    BadAnswer(String),
    #[error("Likeness Cloud had a problem (HTTP {status}); nothing was changed by this call")]
    Server { status: u16 },
    #[error("{message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
        details: serde_json::Value,
    },
    #[error("this needs {} credits and the balance is {}", .0.needed, .0.balance)]
    InsufficientCredits(InsufficientCredits),
}

/// A client for one server, signed in with an account's token or not yet.
#[derive(Clone)]
pub struct CloudClient {
    base: String,
    agent: ureq::Agent,
    token: Option<String>,
}

impl std::fmt::Debug for CloudClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudClient")
            .field("base", &self.base)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        // Statuses are answers to read, not transport errors.
        .http_status_as_error(false)
        // The API never redirects; a redirect is not to be followed with a token.
        .max_redirects(0)
        .build()
        .into()
}

impl CloudClient {
    /// A client for the server at `base` (`http://127.0.0.1:8787`).
    pub fn new(base: &str) -> Result<Self, ClientError> {
        let trimmed = base.trim().trim_end_matches('/');
        let host = trimmed
            .strip_prefix("https://")
            .or_else(|| trimmed.strip_prefix("http://"));
        if host.is_none_or(|h| h.is_empty() || h.contains(char::is_whitespace)) {
            return Err(ClientError::BadUrl(base.to_owned()));
        }
        Ok(CloudClient {
            base: trimmed.to_owned(),
            agent: agent(DEFAULT_TIMEOUT),
            token: None,
        })
    }

    /// The same client with every call limited to `timeout`.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.agent = agent(timeout);
        self
    }

    /// The same client, calling as the account `token` belongs to.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The server's address, as given (without a trailing `/`).
    pub fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn authorised<B>(&self, request: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        match &self.token {
            Some(token) => request.header("Authorization", format!("Bearer {token}")),
            None => request,
        }
    }

    fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let answer = self.authorised(self.agent.get(self.url(path))).call();
        json(answer)
    }

    fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, ClientError> {
        let body = serde_json::to_vec(body).map_err(|e| ClientError::BadAnswer(e.to_string()))?;
        let answer = self
            .authorised(self.agent.post(self.url(path)))
            .header("Content-Type", "application/json")
            .send(&body[..]);
        json(answer)
    }

    /// `POST /v1/accounts`: a new anonymous account and its token.
    pub fn create_account(&self) -> Result<AccountCreated, ClientError> {
        self.post("/v1/accounts", &serde_json::json!({}))
    }

    /// `DELETE /v1/account`: delete this account on the server.
    pub fn delete_account(&self) -> Result<AccountDeleted, ClientError> {
        json(
            self.authorised(self.agent.delete(self.url("/v1/account")))
                .call(),
        )
    }

    pub fn packs(&self) -> Result<Vec<Pack>, ClientError> {
        Ok(self.get::<PackList>("/v1/packs")?.packs)
    }

    /// Start buying `pack_id`: the checkout page to open.
    pub fn order(&self, pack_id: &str) -> Result<OrderCreated, ClientError> {
        let order = CreateOrder {
            pack_id: pack_id.to_owned(),
        };
        self.post("/v1/orders", &order)
    }

    /// The order's state as the server knows it: the only proof of payment.
    pub fn order_state(&self, order_id: &str) -> Result<Order, ClientError> {
        self.get(&format!("/v1/orders/{}", segment(order_id)?))
    }

    pub fn balance(&self) -> Result<Balance, ClientError> {
        self.get("/v1/balance")
    }

    /// Every grant, hold, charge and release, newest first.
    pub fn ledger(&self) -> Result<Vec<LedgerEntry>, ClientError> {
        Ok(self.get::<Ledger>("/v1/ledger")?.entries)
    }

    pub fn receipt(&self, receipt_id: &str) -> Result<Receipt, ClientError> {
        self.get(&format!("/v1/receipts/{}", segment(receipt_id)?))
    }

    /// The key receipts are verified against, offline.
    pub fn receipt_key(&self) -> Result<ReceiptKey, ClientError> {
        self.get(RECEIPT_KEY_PATH)
    }

    pub fn quote(&self, request: &QuoteRequest) -> Result<Quote, ClientError> {
        self.post("/v1/quotes", request)
    }

    /// Submit `image` for `quote_id` under `idempotency_key`: sending the same
    /// again (after a crash, a timeout) returns the same job, never a second
    /// charge.
    pub fn submit(
        &self,
        idempotency_key: &str,
        quote_id: &str,
        image: &[u8],
    ) -> Result<JobSubmitted, ClientError> {
        let boundary = format!("likeness-{:016x}", fnv(image));
        let mut body = Vec::with_capacity(image.len() + 512);
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"quote_id\"\r\n\r\n\
                 {quote_id}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; \
                 filename=\"image\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(image);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let answer = self
            .authorised(self.agent.post(self.url("/v1/jobs")))
            .header(IDEMPOTENCY_KEY_HEADER, idempotency_key)
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .send(&body[..]);
        json(answer)
    }

    pub fn job(&self, job_id: &str) -> Result<Job, ClientError> {
        self.get(&format!("/v1/jobs/{}", segment(job_id)?))
    }

    /// The output PNG of a job that succeeded.
    pub fn output(&self, job_id: &str) -> Result<Vec<u8>, ClientError> {
        let path = format!("/v1/jobs/{}/output", segment(job_id)?);
        read(self.authorised(self.agent.get(self.url(&path))).call())
    }

    /// Cancel a job; the server releases its hold.
    pub fn cancel(&self, job_id: &str) -> Result<Job, ClientError> {
        self.post(
            &format!("/v1/jobs/{}/cancel", segment(job_id)?),
            &serde_json::json!({}),
        )
    }
}

/// An id as one path segment; anything that could change the path is refused.
fn segment(id: &str) -> Result<&str, ClientError> {
    if !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        Ok(id)
    } else {
        Err(ClientError::BadAnswer(format!("{id:?} is not an id")))
    }
}

/// A cheap, stable hash for the multipart boundary (it must not occur in the
/// image; 64 bits of the image's own hash make that vanishingly unlikely).
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100000001b3)
    })
}

fn transport(error: ureq::Error) -> ClientError {
    match error {
        ureq::Error::Timeout(_) => ClientError::Timeout,
        ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => ClientError::Timeout,
        ureq::Error::BodyExceedsLimit(limit) => {
            ClientError::BadAnswer(format!("the answer is larger than {limit} bytes"))
        }
        other => ClientError::Unreachable(other.to_string()),
    }
}

/// A non-2xx answer as the error it stands for.
fn refusal(status: u16, body: &[u8]) -> ClientError {
    if status >= 500 {
        return ClientError::Server { status };
    }
    let Ok(error) = serde_json::from_slice::<ApiError>(body) else {
        return ClientError::BadAnswer(format!("HTTP {status} without a coded error"));
    };
    if status == 402 && error.code == "insufficient_credits" {
        if let Ok(short) = serde_json::from_value::<InsufficientCredits>(error.details.clone()) {
            return ClientError::InsufficientCredits(short);
        }
    }
    ClientError::Refused {
        status,
        code: error.code,
        message: error.message,
        details: error.details,
    }
}

type Answer = Result<ureq::http::Response<ureq::Body>, ureq::Error>;

/// The body of a 2xx answer; any other answer as the error it stands for.
fn read(answer: Answer) -> Result<Vec<u8>, ClientError> {
    let mut answer = answer.map_err(transport)?;
    let status = answer.status().as_u16();
    let bytes = answer
        .body_mut()
        .with_config()
        .limit(MAX_ANSWER_BYTES)
        .read_to_vec()
        .map_err(transport)?;
    if (200..300).contains(&status) {
        Ok(bytes)
    } else {
        Err(refusal(status, &bytes))
    }
}

/// A 2xx answer's JSON as `T`.
fn json<T: DeserializeOwned>(answer: Answer) -> Result<T, ClientError> {
    serde_json::from_slice(&read(answer)?).map_err(|e| ClientError::BadAnswer(e.to_string()))
}
