//! How long an HD upscale takes on this computer, from the ones it has done,
//! and the router's choice for an HD request: here, or in the cloud at the
//! price the server quotes.

use rusqlite::Connection;

use super::GenerationError;
use crate::cloud::router::{self, CloudChoice, EngineChoice, LocalChoice};
use crate::cloud::{rfc3339, Cloud};
use crate::db::{Db, DbError};
use crate::history::OutputId;
use crate::jobs::JobQueue;
use crate::Coded;

/// Seconds per output megapixel before this computer has done an HD job: an
/// HD x4 of a 12 MP photo (192 MP out) took about 95 s on a quiet 2-core machine.
const DEFAULT_SECONDS_PER_MEGAPIXEL: f64 = 0.5;
/// How many recent HD jobs the measured speed averages.
const RECENT: u32 = 5;

/// Seconds per output megapixel over the last few HD jobs `engine` did
/// (`on-device` or `cloud`), from queue start to a stored output: for the
/// cloud that includes the transfers and the server's queue.
fn measured_seconds_per_megapixel(
    conn: &Connection,
    engine: &str,
) -> rusqlite::Result<Option<f64>> {
    conn.query_row(
        "SELECT sum(seconds) / sum(megapixels) FROM (
             SELECT (julianday(j.finished_at) - julianday(j.started_at)) * 86400.0 AS seconds,
                    o.width * o.height / 1e6 AS megapixels
             FROM jobs j JOIN outputs o ON o.job_id = j.id
             WHERE j.kind = 'hd' AND j.state = 'done' AND o.engine = ?2
               AND j.started_at IS NOT NULL AND j.finished_at IS NOT NULL
             ORDER BY j.finished_at DESC LIMIT ?1)",
        rusqlite::params![RECENT, engine],
        |r| r.get::<_, Option<f64>>(0),
    )
    .map(|v| v.filter(|s| s.is_finite() && *s > 0.0))
}

/// Both ways to upscale preview `output_id` by `factor`, side by side. The
/// cloud side carries a quote (nothing is spent until the user picks it), or
/// the reason it cannot serve: off, offline, refused.
pub fn hd_choices(
    db: &Db,
    queue: &JobQueue,
    cloud: &Cloud,
    output_id: OutputId,
    factor: u8,
) -> Result<EngineChoice, GenerationError> {
    super::pipeline::hd_factor(Some(factor))?;
    let preview = queue.history().get_output(output_id)?;
    let out_pixels =
        u64::from(preview.width) * u64::from(preview.height) * u64::from(factor).pow(2);
    let (speed, cloud_speed) = db.read(|conn| {
        Ok::<_, DbError>((
            measured_seconds_per_megapixel(conn, "on-device")?,
            measured_seconds_per_megapixel(conn, "cloud")?,
        ))
    })?;
    let speed = speed.unwrap_or(DEFAULT_SECONDS_PER_MEGAPIXEL);
    let local = LocalChoice {
        available: true,
        seconds: Some(router::seconds_at_speed(out_pixels, speed)),
        reason: None,
    };
    let cloud = match cloud.quote_hd(preview.width, preview.height, factor) {
        Ok(quote) => CloudChoice {
            available: true,
            credits: Some(quote.credits),
            seconds: Some(match cloud_speed {
                Some(speed) => router::seconds_at_speed(out_pixels, speed),
                None => router::cloud_seconds(preview.bytes as u64, out_pixels),
            }),
            quote_id: Some(quote.quote_id),
            expires_at: Some(rfc3339(quote.expires_at)),
            reason: None,
        },
        Err(error) => CloudChoice {
            available: false,
            credits: None,
            seconds: None,
            quote_id: None,
            expires_at: None,
            reason: Some(error.code()),
        },
    };
    let recommended = router::recommend(&local, &cloud);
    Ok(EngineChoice {
        local,
        cloud,
        recommended,
    })
}
