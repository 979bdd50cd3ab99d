//! Quotes: what a job will cost, from a fixed price table, held for
//! [`QUOTE_TTL`]. The job that uses a quote is charged exactly its credits.
//!
//! Prices depend only on the kind and the input's size, counted in started
//! megapixels (1,000,000 pixels): the same request always gets the same price.

use likeness_cloud_api::{JobKind, Quote, QuoteRequest};
use time::{Duration, OffsetDateTime};
use tokio_postgres::GenericClient;

use crate::ids;
use crate::params::{self, BadParams};

/// How long a quote holds.
pub const QUOTE_TTL: Duration = Duration::minutes(15);

/// The largest input side accepted, in pixels.
pub const MAX_SIDE: u32 = 16_384;

/// The largest input accepted, in pixels (a 64 MP photo).
pub const MAX_PIXELS: u64 = 64_000_000;

/// The largest input HD x4 accepts: its 16x result must fit the upscaler's
/// in-memory limit (400 MP).
pub const MAX_HD_X4_PIXELS: u64 = 25_000_000;

/// Why no quote was given.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QuoteError {
    #[error("the input must be at least 1 x 1 pixels")]
    EmptyInput,
    #[error(
        "the input is {width} x {height} pixels; the limit is {MAX_SIDE} pixels a side and \
         {MAX_PIXELS} pixels in all"
    )]
    InputTooLarge { width: u32, height: u32 },
    #[error("HD x4 takes at most {MAX_HD_X4_PIXELS} pixels (this input is {width} x {height}); use HD x2")]
    TooLargeForHdX4 { width: u32, height: u32 },
    #[error(transparent)]
    BadParams(#[from] BadParams),
    #[error("more than {QUOTES_PER_MINUTE} quotes in the last minute")]
    RateLimited,
}

/// Quotes one account may ask for per minute, counted in PostgreSQL so that
/// the limit holds across `serve` nodes.
pub const QUOTES_PER_MINUTE: i64 = 300;

/// The price of `kind` on an input of `width` x `height`, in credits.
pub fn price(kind: JobKind, width: u32, height: u32) -> Result<i64, QuoteError> {
    if width == 0 || height == 0 {
        return Err(QuoteError::EmptyInput);
    }
    let pixels = u64::from(width) * u64::from(height);
    if width > MAX_SIDE || height > MAX_SIDE || pixels > MAX_PIXELS {
        return Err(QuoteError::InputTooLarge { width, height });
    }
    if kind == JobKind::HdX4 && pixels > MAX_HD_X4_PIXELS {
        return Err(QuoteError::TooLargeForHdX4 { width, height });
    }
    let megapixels = pixels.div_ceil(1_000_000) as i64;
    Ok(match kind {
        JobKind::Style => 2 + megapixels,
        JobKind::HdX2 => 3 * megapixels,
        JobKind::HdX4 => 8 * megapixels,
    })
}

/// Price `request` and record the quote for `account_id`.
pub async fn create(
    client: &impl GenericClient,
    account_id: &str,
    request: &QuoteRequest,
) -> Result<Result<Quote, QuoteError>, tokio_postgres::Error> {
    if let Err(error) = params::parse(request.kind, &request.params) {
        return Ok(Err(error.into()));
    }
    let credits = match price(request.kind, request.input.width, request.input.height) {
        Ok(credits) => credits,
        Err(error) => return Ok(Err(error)),
    };
    let recent: i64 = client
        .query_one(
            "SELECT count(*) FROM quotes
             WHERE account_id = $1 AND created_at > now() - interval '1 minute'",
            &[&account_id],
        )
        .await?
        .get(0);
    if recent >= QUOTES_PER_MINUTE {
        return Ok(Err(QuoteError::RateLimited));
    }
    let now = OffsetDateTime::now_utc();
    let now = OffsetDateTime::from_unix_timestamp(now.unix_timestamp()).expect("a valid time");
    let expires_at = now + QUOTE_TTL;
    let quote_id = ids::new_id("quo");
    let params = if request.params.is_null() {
        "{}".to_owned()
    } else {
        request.params.to_string()
    };
    client
        .execute(
            "INSERT INTO quotes (quote_id, account_id, kind, params, width, height, credits,
                                 created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &quote_id,
                &account_id,
                &request.kind.as_str(),
                &params,
                &(request.input.width as i32),
                &(request.input.height as i32),
                &credits,
                &now,
                &expires_at,
            ],
        )
        .await?;
    Ok(Ok(Quote {
        quote_id,
        kind: request.kind,
        credits,
        expires_at,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_follow_the_table_in_started_megapixels() {
        assert_eq!(price(JobKind::Style, 1000, 1000), Ok(3));
        assert_eq!(price(JobKind::Style, 1000, 1001), Ok(4));
        assert_eq!(price(JobKind::HdX2, 4000, 3000), Ok(36));
        assert_eq!(price(JobKind::HdX4, 4000, 3000), Ok(96));
        assert_eq!(price(JobKind::HdX4, 1, 1), Ok(8));
    }

    #[test]
    fn empty_and_huge_inputs_get_no_price() {
        assert_eq!(price(JobKind::Style, 0, 10), Err(QuoteError::EmptyInput));
        assert!(matches!(
            price(JobKind::HdX4, 16_385, 10),
            Err(QuoteError::InputTooLarge { .. })
        ));
        assert!(matches!(
            price(JobKind::HdX4, 10_000, 10_000),
            Err(QuoteError::InputTooLarge { .. })
        ));
        assert!(matches!(
            price(JobKind::HdX4, 6000, 5000),
            Err(QuoteError::TooLargeForHdX4 { .. })
        ));
        assert_eq!(price(JobKind::HdX2, 6000, 5000), Ok(90));
    }
}
