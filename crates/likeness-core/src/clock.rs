//! The time, behind a seam: services ask a [`Clock`], so that retention and
//! expiry can be tested with a fixed time.

use std::sync::Mutex;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Where "now" comes from.
pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;

    /// Now, in the stored form (see [`stored`]).
    fn now_rfc3339(&self) -> String {
        stored(self.now())
    }
}

/// The computer's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that says what it is told, for tests.
#[derive(Debug)]
pub struct FixedClock(Mutex<OffsetDateTime>);

impl FixedClock {
    pub fn new(at: OffsetDateTime) -> Self {
        Self(Mutex::new(at))
    }

    /// Move the clock to `at`.
    pub fn set(&self, at: OffsetDateTime) {
        *crate::sync::lock(&self.0) = at;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        *crate::sync::lock(&self.0)
    }
}

/// A time in the stored form: RFC 3339 in UTC, whole seconds, `Z`, so that
/// comparing the text compares the times.
pub fn stored(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Now, by the computer's clock, in the stored form.
pub fn now_rfc3339() -> String {
    SystemClock.now_rfc3339()
}

/// A time filter given as RFC 3339 or a plain `YYYY-MM-DD` (midnight UTC), in
/// the stored form; `None` when it is neither.
pub fn parse_stored(s: &str) -> Option<String> {
    let parsed = OffsetDateTime::parse(s, &Rfc3339).ok().or_else(|| {
        let date =
            time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
        Some(date.midnight().assume_utc())
    })?;
    Some(stored(parsed))
}
