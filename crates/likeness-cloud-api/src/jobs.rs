//! Jobs on the wire: submitting one, following it and fetching its output.
//!
//! `POST /v1/jobs` is `multipart/form-data` with a `quote_id` text field and
//! an `image` file field, and an [`IDEMPOTENCY_KEY_HEADER`]. It answers
//! `202` with [`JobSubmitted`], or `402 insufficient_credits` with
//! [`InsufficientCredits`] as the error's details.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{JobKind, Receipt};

/// The header that makes a submit safe to retry: the same key with the same
/// request is the same job, charged once.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";

/// The header on `GET /v1/jobs/{id}/output` that says how long the server
/// keeps the output (`deleted-after-download; max-age=SECONDS`).
pub const OUTPUT_RETENTION_HEADER: &str = "Likeness-Output-Retention";

/// Where a job stands. The last four are final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Submitted and held; waiting for a worker.
    Queued,
    /// A worker is on it.
    Running,
    /// Done: the output is ready and the hold was charged.
    Succeeded,
    /// It could not be done: the hold was released, nothing charged.
    Failed,
    /// Cancelled by its account: the hold was released, nothing charged.
    Cancelled,
    /// Moderation refused the input or the output: released, nothing charged.
    Refused,
}

impl JobState {
    /// The name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
            JobState::Refused => "refused",
        }
    }

    /// Parse the name [`JobState::as_str`] gives.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "succeeded" => JobState::Succeeded,
            "failed" => JobState::Failed,
            "cancelled" => JobState::Cancelled,
            "refused" => JobState::Refused,
            _ => return None,
        })
    }

    /// Whether the job has ended (nothing about it changes any more).
    pub fn is_final(self) -> bool {
        !matches!(self, JobState::Queued | JobState::Running)
    }
}

/// Why a job failed or was refused: branch on `code`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobError {
    pub code: String,
    pub message: String,
}

/// The output of a job that succeeded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobOutput {
    pub width: u32,
    pub height: u32,
    /// The PNG's SHA-256 in hex, as the receipt signs it.
    pub sha256: String,
    pub bytes: u64,
    /// False once the server has deleted it (after download, or 24 hours).
    pub available: bool,
}

/// `GET /v1/jobs/{id}`, and each event of `GET /v1/jobs/{id}/events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub job_id: String,
    pub kind: JobKind,
    pub state: JobState,
    /// 0 to 1.
    pub progress: f32,
    /// What the job holds, or was charged when it succeeded: the quote's price.
    pub credits: i64,
    #[serde(default)]
    pub error: Option<JobError>,
    #[serde(default)]
    pub output: Option<JobOutput>,
    /// The signed receipt of the charge, once the job succeeded.
    #[serde(default)]
    pub receipt: Option<Receipt>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub ended_at: Option<OffsetDateTime>,
}

/// `202` from `POST /v1/jobs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobSubmitted {
    pub job_id: String,
    pub state: JobState,
}

/// The details of `402 insufficient_credits`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InsufficientCredits {
    pub needed: i64,
    pub balance: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_states_round_trip_and_know_which_are_final() {
        for name in [
            "queued",
            "running",
            "succeeded",
            "failed",
            "cancelled",
            "refused",
        ] {
            assert_eq!(JobState::parse(name).unwrap().as_str(), name);
        }
        assert!(!JobState::Running.is_final());
        assert!(JobState::Refused.is_final());
        assert_eq!(
            serde_json::to_value(JobState::Succeeded).unwrap(),
            "succeeded"
        );
    }
}
