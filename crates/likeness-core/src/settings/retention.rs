//! How long each kind of data is kept. The defaults are the longest allowed:
//! the user can shorten each, and choose "keep until I delete" for their own
//! portraits and images. The sweep that applies it is [`crate::privacy`]'s.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use ts_rs::TS;

use super::sql;
use crate::clock;

/// Days each kind is kept. `None` is "keep until I delete", allowed for
/// portraits and outputs only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RetentionPolicy {
    /// A portrait, counted from its last use (import, generation or "keep").
    pub portrait_days: Option<u32>,
    /// A generated image, counted from when it was made; favourites never expire.
    pub output_days: Option<u32>,
    /// A moderation record, counted from the decision.
    pub moderation_record_days: u32,
    /// A consent record, counted from the answer; the current answers are always kept.
    pub consent_record_days: u32,
    /// A finished (done, failed or cancelled) job, counted from when it finished.
    pub job_days: u32,
}

/// Three years.
const RECORD_DAYS: u32 = 3 * 365;

impl Default for RetentionPolicy {
    /// The longest each kind may be kept.
    fn default() -> Self {
        Self {
            portrait_days: Some(30),
            output_days: Some(90),
            moderation_record_days: RECORD_DAYS,
            consent_record_days: RECORD_DAYS,
            job_days: 90,
        }
    }
}

/// Settings keys, one per kind.
const KEYS: [&str; 5] = [
    "retention.portrait_days",
    "retention.output_days",
    "retention.moderation_record_days",
    "retention.consent_record_days",
    "retention.job_days",
];

/// The stored value of "keep until I delete".
const KEEP: &str = "keep";

impl RetentionPolicy {
    /// Refuse a period longer than the default (or zero), and "keep until I
    /// delete" for records and jobs; the message says which and why.
    pub fn check(&self) -> Result<(), String> {
        let max = Self::default();
        let periods = [
            ("Portraits", self.portrait_days, max.portrait_days, true),
            ("Images", self.output_days, max.output_days, true),
            (
                "Moderation records",
                Some(self.moderation_record_days),
                Some(max.moderation_record_days),
                false,
            ),
            (
                "Consent records",
                Some(self.consent_record_days),
                Some(max.consent_record_days),
                false,
            ),
            (
                "Finished jobs",
                Some(self.job_days),
                Some(max.job_days),
                false,
            ),
        ];
        for (what, days, max, may_keep) in periods {
            let max = max.unwrap_or(u32::MAX);
            match days {
                None if !may_keep => return Err(format!("{what} are always deleted in time.")),
                Some(d) if d == 0 || d > max => {
                    return Err(format!("{what} can be kept from 1 to {max} days."))
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn values(&self) -> [Option<u32>; 5] {
        [
            self.portrait_days,
            self.output_days,
            Some(self.moderation_record_days),
            Some(self.consent_record_days),
            Some(self.job_days),
        ]
    }
}

/// The policy in force, read on `conn`. A stored value that is not allowed
/// (hand-edited) falls back to that kind's default, never to longer.
pub(crate) fn policy(conn: &Connection) -> rusqlite::Result<RetentionPolicy> {
    let default = RetentionPolicy::default();
    let mut values = default.values();
    for (value, key) in values.iter_mut().zip(KEYS) {
        match sql::get(conn, key)?.as_deref() {
            Some(KEEP) => *value = None,
            Some(days) => *value = days.parse().ok().or(*value),
            None => {}
        }
    }
    let [portrait_days, output_days, moderation, consent, jobs] = values;
    let read = RetentionPolicy {
        portrait_days,
        output_days,
        moderation_record_days: moderation.unwrap_or(default.moderation_record_days),
        consent_record_days: consent.unwrap_or(default.consent_record_days),
        job_days: jobs.unwrap_or(default.job_days),
    };
    Ok(if read.check().is_ok() { read } else { default })
}

/// Store `policy` (already checked).
pub(crate) fn set_policy(conn: &Connection, policy: &RetentionPolicy) -> rusqlite::Result<()> {
    for (value, key) in policy.values().into_iter().zip(KEYS) {
        let text = value.map_or_else(|| KEEP.to_owned(), |d| d.to_string());
        sql::set(conn, key, &text)?;
    }
    Ok(())
}

/// When something stored at `since` (stored form) expires after `days`, in
/// the stored form; `None` when it is kept until deleted, or `since` is unreadable.
pub fn expires_at(since: &str, days: Option<u32>) -> Option<String> {
    let since =
        OffsetDateTime::parse(since, &time::format_description::well_known::Rfc3339).ok()?;
    Some(clock::stored(since + Duration::days(i64::from(days?))))
}

/// The moment before which anything kept `days` has expired, at `now`.
pub fn cutoff(now: OffsetDateTime, days: u32) -> String {
    clock::stored(now - Duration::days(i64::from(days)))
}
