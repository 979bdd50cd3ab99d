//! A cloud HD job in the persistent queue. Its plan (server, idempotency key,
//! quote) is stored in the job's settings when it is queued, before anything
//! is sent, so a crash or a restart resubmits with the same key: the server
//! answers with the same job and never charges twice. The user cancelling
//! cancels on the server (which releases the hold); the app quitting does
//! not, so the job resumes at the next start. The server's job id is kept
//! until the server has seen the job end, so a cancel that never reached it
//! (a crash, a dropped line) is sent again by [`Cloud::send_pending_cancels`].

use std::path::Path;
use std::time::{Duration, Instant};

use likeness_cloud_api::client::{ClientError, CloudClient};
use likeness_cloud_api::JobState as RemoteState;
use serde::{Deserialize, Serialize};

use super::{sql, Cloud, CloudError};
use crate::db::DbError;
use crate::error::{Coded, ErrorCode};
use crate::jobs::{JobContext, JobError};
use crate::recipe::{CloudCharge, CLOUD};

/// How often a running cloud job is asked about.
const POLL: Duration = Duration::from_millis(250);
/// How long the server may be unreachable in a row before the job fails (a
/// retry resumes it with the same key).
const UNREACHABLE_FOR: Duration = Duration::from_secs(120);

/// What a cloud job was sent with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CloudPlan {
    pub server_url: String,
    pub idempotency_key: String,
    pub quote_id: String,
}

impl CloudPlan {
    /// The plan in `settings_json`, if the job is a cloud job.
    pub(crate) fn of(settings_json: &str) -> Option<CloudPlan> {
        let settings: serde_json::Value = serde_json::from_str(settings_json).ok()?;
        serde_json::from_value(settings.get(CLOUD)?.clone()).ok()
    }
}

fn job_error(error: CloudError) -> JobError {
    JobError::failed(error.code(), error.to_string())
}

impl Cloud {
    /// A plan for `quote_id` on the current server, with a fresh key.
    pub(crate) fn plan(&self, quote_id: &str) -> Result<CloudPlan, CloudError> {
        Ok(CloudPlan {
            server_url: self.server()?,
            idempotency_key: hex::encode(likeness_seal::random_key()),
            quote_id: quote_id.to_owned(),
        })
    }

    /// Run `plan` with `image` for local job `job_id`: submit (or resubmit),
    /// follow it to its end, and write the output PNG to `path`.
    pub(crate) fn run(
        &self,
        job_id: i64,
        plan: &CloudPlan,
        image: &[u8],
        ctx: &JobContext,
        path: &Path,
    ) -> Result<CloudCharge, JobError> {
        let client = self.client().map_err(job_error)?;
        if client.base() != plan.server_url {
            return Err(JobError::failed(
                ErrorCode::CloudRefused,
                "This job was priced by another server; queue it again.",
            ));
        }
        let submitted = client
            .submit(&plan.idempotency_key, &plan.quote_id, image)
            .map_err(|e| job_error(e.into()))?;
        self.db
            .write(|tx| Ok::<_, DbError>(sql::job_in_flight(tx, job_id, &submitted.job_id)?))
            .map_err(|e| job_error(e.into()))?;
        let mut unreachable_since: Option<Instant> = None;
        let remote = loop {
            if ctx.cancelled_by_user() {
                // The server releases the hold; a cancel that does not get
                // through is sent again at the next start.
                self.send_cancel(&client, job_id, &submitted.job_id);
                return Err(JobError::Cancelled);
            }
            ctx.check_cancelled()?;
            match client.job(&submitted.job_id) {
                Ok(job) if job.state.is_final() => break job,
                Ok(job) => {
                    unreachable_since = None;
                    ctx.progress(job.progress * 0.9);
                }
                Err(ClientError::Unreachable(_) | ClientError::Timeout) => {
                    let since = *unreachable_since.get_or_insert_with(Instant::now);
                    if since.elapsed() > UNREACHABLE_FOR {
                        return Err(job_error(CloudError::Client(ClientError::Timeout)));
                    }
                }
                Err(error) => return Err(job_error(error.into())),
            }
            std::thread::sleep(POLL);
        };
        self.db
            .write(|tx| Ok::<_, DbError>(sql::job_landed(tx, job_id)?))
            .map_err(|e| job_error(e.into()))?;
        match remote.state {
            RemoteState::Succeeded => {}
            RemoteState::Cancelled => return Err(JobError::Cancelled),
            _ => {
                let (code, message) = remote
                    .error
                    .map(|e| (e.code, e.message))
                    .unwrap_or_else(|| ("failed".into(), "The cloud job failed.".into()));
                // The server's own refusal codes (`multiple_people`, `unsafe_output`…)
                // are kept in the message; the code the UI branches on is ours.
                return Err(JobError::failed(
                    if remote.state == RemoteState::Refused {
                        ErrorCode::CloudRefused
                    } else {
                        ErrorCode::GenerationFailed
                    },
                    format!("{message} ({code}; nothing was charged)"),
                ));
            }
        }
        let png = client
            .output(&submitted.job_id)
            .map_err(|e| job_error(e.into()))?;
        std::fs::write(path, &png)?;
        if let Some(receipt) = &remote.receipt {
            self.db
                .write(|tx| Ok::<_, DbError>(sql::insert_receipt(tx, receipt, Some(job_id))?))
                .map_err(|e| job_error(e.into()))?;
        }
        ctx.progress(0.95);
        Ok(CloudCharge {
            remote_job_id: submitted.job_id,
            credits: remote.credits,
            receipt_id: remote.receipt.map(|r| r.receipt_id),
        })
    }
}

impl Cloud {
    /// Tell the server that local job `job_id` (`remote_job_id` there) was
    /// cancelled. Once it has heard (or the job had already ended there) the
    /// job is no longer in flight; otherwise it stays for the next try.
    fn send_cancel(&self, client: &CloudClient, job_id: i64, remote_job_id: &str) -> bool {
        let heard = match client.cancel(remote_job_id) {
            Ok(_) => true,
            Err(ClientError::Refused { code, .. }) => code == "job_already_ended",
            Err(_) => false,
        };
        heard
            && self
                .db
                .write(|tx| Ok::<_, DbError>(sql::job_landed(tx, job_id)?))
                .is_ok()
    }

    /// Send again every cancel the server has not heard: jobs cancelled here
    /// while the app was cut off, so their held credits come back instead of
    /// being charged. Each goes to the server that priced the job, with its
    /// account, whether cloud is on or off now (cancelling is what the user
    /// asked). Returns how many the server heard; the rest wait for the next
    /// start.
    pub fn send_pending_cancels(&self) -> Result<usize, CloudError> {
        let pending = self
            .db
            .read(|conn| Ok::<_, DbError>(sql::cancels_not_sent(conn)?))?;
        let mut heard = 0;
        for (job_id, settings_json, remote_job_id) in pending {
            let Some(plan) = CloudPlan::of(&settings_json) else {
                continue;
            };
            let Some(client) = self.signed_in_client(&plan.server_url)? else {
                continue;
            };
            if self.send_cancel(&client, job_id, &remote_job_id) {
                heard += 1;
            }
        }
        Ok(heard)
    }
}
