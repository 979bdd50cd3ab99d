//! Consent: the three answers a user gives before any import, each kept as a
//! record (what, policy version, when), and what withdrawing them means.
//!
//! [`require_consent`] is the one gate every use of a face goes through: import,
//! style pictures, style thumbnails, queued and running jobs, and the CLI's
//! one-off `moderate` and `generate`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub(crate) mod sql;

use std::sync::Arc;

use crate::db::{Db, DbError};
use crate::error::{Coded, ErrorCode};

/// The consent policy the current app asks for. Bump it when the wording changes:
/// consent given under an older version no longer counts.
pub const POLICY_VERSION: &str = "2026-11-22";

/// What a consent record is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ConsentKind {
    /// "I am 18 or older."
    Adult,
    /// "I have the right to use the photos I import."
    PhotoRights,
    /// Explicit consent to on-device processing of face (biometric) data.
    FaceProcessing,
}

impl ConsentKind {
    pub const ALL: [ConsentKind; 3] = [Self::Adult, Self::PhotoRights, Self::FaceProcessing];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Adult => "adult",
            Self::PhotoRights => "photo_rights",
            Self::FaceProcessing => "face_processing",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// One stored answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ConsentRecord {
    #[ts(type = "number")]
    pub id: i64,
    pub kind: ConsentKind,
    pub granted: bool,
    pub policy_version: String,
    /// RFC 3339, UTC.
    pub recorded_at: String,
    /// The language the wording was shown in (`None` for early records and withdrawals).
    pub language: Option<String>,
    /// The sha256 of the exact wording shown.
    pub wording_sha256: Option<String>,
}

/// The exact consent wording a person was shown, and its language. A record
/// keeps the language and the wording's sha256, never the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ConsentWording {
    /// A BCP 47 tag, e.g. `en` or `pt-BR`.
    pub language: String,
    pub text: String,
}

/// The longest wording accepted.
const MAX_WORDING: usize = 20_000;

/// The sha256 of the consent wording the app shows in each of its languages.
/// `ui/src/consent/wording.test.ts` fails until this file matches the app's
/// messages (`UPDATE_SNAPSHOTS=1 npx vitest run src/consent` rewrites it).
const APP_WORDINGS: &str = include_str!("wordings.json");

/// What `likeness-cli consent --grant` declares (its `--help` says the same).
const COMMAND_LINE_WORDING: &str =
    "I am 18 or older. I have the right to use the photos I import. \
I consent to Likeness analysing faces in my photos on this computer, to check that each photo \
shows one adult and to find the face for framing.";

/// Whether `sha256` is the hash of a wording the app (in any of its
/// languages) or the CLI shows today. Consent given to other words, an
/// older wording, no longer counts: the person is asked again.
fn is_current_wording(sha256: &str) -> bool {
    static CURRENT: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    CURRENT
        .get_or_init(|| {
            let app: std::collections::BTreeMap<String, String> =
                serde_json::from_str(APP_WORDINGS).expect("wordings.json is a map of hashes");
            let command_line = crate::vault::sha256_hex(COMMAND_LINE_WORDING.as_bytes());
            app.into_values().chain([command_line]).collect()
        })
        .iter()
        .any(|current| current == sha256)
}

impl ConsentWording {
    /// The wording the command line shows, in English (the CLI's language).
    pub fn command_line() -> Self {
        Self {
            language: "en".into(),
            text: COMMAND_LINE_WORDING.into(),
        }
    }

    /// The language and hash to record, refusing a missing or oversized wording
    /// or a language that is not a tag.
    pub fn to_record(&self) -> Result<(String, String), String> {
        let tag = &self.language;
        let is_tag = (2..=35).contains(&tag.len())
            && tag
                .split('-')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()));
        if !is_tag {
            return Err(format!("{tag:?} is not a language tag."));
        }
        if self.text.trim().is_empty() || self.text.len() > MAX_WORDING {
            return Err("The consent wording shown is missing or too long.".into());
        }
        Ok((tag.clone(), crate::vault::sha256_hex(self.text.as_bytes())))
    }
}

/// The answers as the consent screen submits them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ConsentAnswers {
    pub adult: bool,
    pub photo_rights: bool,
    pub face_processing: bool,
}

impl ConsentAnswers {
    /// Every answer `yes`, or every answer `no`.
    pub const fn all(granted: bool) -> Self {
        Self {
            adult: granted,
            photo_rights: granted,
            face_processing: granted,
        }
    }

    /// True when every answer is `yes`.
    pub fn all_given(&self) -> bool {
        ConsentKind::ALL.into_iter().all(|kind| self.get(kind))
    }

    pub fn get(&self, kind: ConsentKind) -> bool {
        match kind {
            ConsentKind::Adult => self.adult,
            ConsentKind::PhotoRights => self.photo_rights,
            ConsentKind::FaceProcessing => self.face_processing,
        }
    }
}

/// Where consent stands now: each answer counts only if its latest record is a
/// grant under the current policy version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ConsentStatus {
    pub adult: bool,
    pub photo_rights: bool,
    pub face_processing: bool,
    pub policy_version: String,
    /// All three are given: imports are allowed.
    pub complete: bool,
}

impl ConsentStatus {
    /// Derive the status from the history, newest record first.
    pub fn from_history(history: &[ConsentRecord]) -> Self {
        let current = |kind: ConsentKind| {
            history.iter().find(|r| r.kind == kind).is_some_and(|r| {
                r.granted
                    && r.policy_version == POLICY_VERSION
                    && r.wording_sha256.as_deref().is_none_or(is_current_wording)
            })
        };
        let (adult, photo_rights, face_processing) = (
            current(ConsentKind::Adult),
            current(ConsentKind::PhotoRights),
            current(ConsentKind::FaceProcessing),
        );
        Self {
            adult,
            photo_rights,
            face_processing,
            policy_version: POLICY_VERSION.to_owned(),
            complete: adult && photo_rights && face_processing,
        }
    }

    /// Where consent stands in a library's records.
    pub fn recorded(conn: &rusqlite::Connection) -> Result<Self, DbError> {
        Ok(Self::from_history(&sql::history(conn)?))
    }

    /// The status of answers given for one run only, never recorded (the CLI's
    /// `--i-consent` for `moderate` and `generate`, which have no library).
    pub fn declared(answers: ConsentAnswers) -> Self {
        Self {
            adult: answers.adult,
            photo_rights: answers.photo_rights,
            face_processing: answers.face_processing,
            policy_version: POLICY_VERSION.to_owned(),
            complete: answers.all_given(),
        }
    }
}

/// Why a face was not analysed: consent is missing, partial or withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Please confirm the consent steps first: Likeness analyses faces only with your consent.")]
pub struct ConsentRequired;

impl Coded for ConsentRequired {
    fn code(&self) -> ErrorCode {
        ErrorCode::ConsentRequired
    }
}

/// Refuse to analyse or use a face unless all three answers are given under
/// the current policy. Call it before any work on a portrait or picture, and
/// again when queued work starts, so a withdrawal stops work queued before it.
pub fn require_consent(status: &ConsentStatus) -> Result<(), ConsentRequired> {
    if status.complete {
        Ok(())
    } else {
        Err(ConsentRequired)
    }
}

/// The consent records of one data folder.
pub struct Consent {
    db: Arc<Db>,
}

impl Consent {
    pub fn new(db: Arc<Db>) -> Self {
        Self { db }
    }

    /// Where consent stands now.
    pub fn status(&self) -> Result<ConsentStatus, DbError> {
        self.db.read(ConsentStatus::recorded)
    }

    /// Every answer, newest first (by when it was given).
    pub fn history(&self) -> Result<Vec<ConsentRecord>, DbError> {
        self.db.read(|conn| Ok(sql::history(conn)?))
    }

    /// Refuse with `consent_required` unless all three consents stand now.
    pub fn require(&self) -> Result<(), RequireError> {
        require(&self.db)
    }
}

/// Refuse with `consent_required` unless all three consents stand now, as
/// recorded in `db`: the gate every feature that uses a face calls.
pub(crate) fn require(db: &Db) -> Result<(), RequireError> {
    Ok(require_consent(&db.read(ConsentStatus::recorded)?)?)
}

/// Why [`Consent::require`] refused: no consent, or the records could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RequireError {
    #[error(transparent)]
    Missing(#[from] ConsentRequired),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl Coded for RequireError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::Missing(e) => e.code(),
            Self::Db(e) => e.code(),
        }
    }
}
