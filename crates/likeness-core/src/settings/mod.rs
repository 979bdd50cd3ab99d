//! User settings that change how the app behaves, kept as key/value text:
//! how strict the age check is, and how long each kind of data is kept.

pub mod retention;
pub(crate) mod sql;

use std::sync::Arc;

use crate::db::{Db, DbError};
use crate::error::{Coded, ErrorCode};
use crate::moderation::Thresholds;
pub use retention::RetentionPolicy;

/// Settings key of the youthful-age threshold.
const YOUTHFUL_AGE: &str = "moderation.youthful_age";

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{0}")]
    Invalid(String),
}

impl Coded for SettingsError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::Db(e) => e.code(),
            Self::Invalid(_) => ErrorCode::InvalidInput,
        }
    }
}

/// The settings of one data folder.
pub struct Settings {
    db: Arc<Db>,
}

impl Settings {
    pub fn new(db: Arc<Db>) -> Self {
        Self { db }
    }

    /// The moderation thresholds in force: the defaults, made stricter if the
    /// user raised the youthful-age threshold.
    pub fn thresholds(&self) -> Result<Thresholds, DbError> {
        self.db.read(thresholds)
    }

    /// Raise (or lower back towards 21) the age under which faces are refused as
    /// ambiguously youthful. Values below 21 are refused.
    pub fn set_youthful_age(&self, years: f32) -> Result<Thresholds, SettingsError> {
        let thresholds =
            Thresholds::new(years).map_err(|e| SettingsError::Invalid(e.to_string()))?;
        self.db
            .write(|tx| Ok::<_, DbError>(set_youthful_age(tx, years)?))?;
        Ok(thresholds)
    }
}

/// Store the youthful-age threshold (already checked).
pub(crate) fn set_youthful_age(conn: &rusqlite::Connection, years: f32) -> rusqlite::Result<()> {
    sql::set(conn, YOUTHFUL_AGE, &years.to_string())
}

/// The thresholds in force, read on `conn`.
pub(crate) fn thresholds(conn: &rusqlite::Connection) -> Result<Thresholds, DbError> {
    let years = sql::get(conn, YOUTHFUL_AGE)?.and_then(|v| v.parse().ok());
    // A stored value below the floor (hand-edited) is ignored, never obeyed.
    Ok(years
        .and_then(|y| Thresholds::new(y).ok())
        .unwrap_or_default())
}
