//! The engine router: on this computer whenever it can serve, the cloud only
//! when a request needs it or when the local run would be long. It decides
//! from plain numbers (measured speeds, the quote) so its table of decisions
//! is tested without a window, a server or a model.

use serde::Serialize;
use ts_rs::TS;

use crate::ErrorCode;

/// A local run longer than this makes the cloud the suggestion, when the
/// cloud would be at least twice as fast.
pub const LONG_LOCAL_SECONDS: f64 = 60.0;

/// Which engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum EngineName {
    Local,
    Cloud,
}

/// The local side of a choice.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LocalChoice {
    pub available: bool,
    /// The estimate, from this computer's measured speed.
    pub seconds: Option<f64>,
    /// Why it is not available, as an error code the UI words.
    pub reason: Option<ErrorCode>,
}

/// The cloud side of a choice: its quote, when one was given.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CloudChoice {
    pub available: bool,
    #[ts(type = "number | null")]
    pub credits: Option<i64>,
    pub seconds: Option<f64>,
    pub quote_id: Option<String>,
    /// RFC 3339: the price holds until then.
    pub expires_at: Option<String>,
    /// Why it is not available (off, offline, too large…), as an error code
    /// the UI words.
    pub reason: Option<ErrorCode>,
}

/// Both choices, side by side, and the one the router suggests. Nothing is
/// spent until the user clicks one.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct EngineChoice {
    pub local: LocalChoice,
    pub cloud: CloudChoice,
    pub recommended: EngineName,
}

/// Suggest an engine: the cloud only when the local one cannot serve, or
/// when the local run is long and the cloud at least twice as fast.
pub fn recommend(local: &LocalChoice, cloud: &CloudChoice) -> EngineName {
    match (local.available, cloud.available) {
        (false, true) => EngineName::Cloud,
        (true, true) => match (local.seconds, cloud.seconds) {
            (Some(here), Some(there)) if here > LONG_LOCAL_SECONDS && there * 2.0 <= here => {
                EngineName::Cloud
            }
            _ => EngineName::Local,
        },
        _ => EngineName::Local,
    }
}

/// Seconds an upscale to `output_pixels` takes at a measured
/// `seconds_per_megapixel` (here, or in the cloud once it has done some).
pub fn seconds_at_speed(output_pixels: u64, seconds_per_megapixel: f64) -> f64 {
    output_pixels as f64 / 1e6 * seconds_per_megapixel
}

/// Seconds a cloud upscale takes before any was measured, sending
/// `input_bytes` and fetching a PNG of `output_pixels`: a fixed start, the
/// transfers at a modest line speed, and the server's compute on a GPU.
pub fn cloud_seconds(input_bytes: u64, output_pixels: u64) -> f64 {
    const START: f64 = 3.0;
    const LINE_BYTES_PER_SECOND: f64 = 2.5e6;
    const SERVER_SECONDS_PER_MEGAPIXEL: f64 = 0.05;
    // A PNG of a photo is about 1.5 bytes per pixel.
    let transfer = (input_bytes as f64 + output_pixels as f64 * 1.5) / LINE_BYTES_PER_SECOND;
    START + transfer + output_pixels as f64 / 1e6 * SERVER_SECONDS_PER_MEGAPIXEL
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(seconds: f64) -> LocalChoice {
        LocalChoice {
            available: true,
            seconds: Some(seconds),
            reason: None,
        }
    }

    fn cloud(seconds: f64) -> CloudChoice {
        CloudChoice {
            available: true,
            credits: Some(12),
            seconds: Some(seconds),
            quote_id: Some("quo_1".into()),
            expires_at: None,
            reason: None,
        }
    }

    fn unavailable_cloud(reason: ErrorCode) -> CloudChoice {
        CloudChoice {
            available: false,
            credits: None,
            seconds: None,
            quote_id: None,
            expires_at: None,
            reason: Some(reason),
        }
    }

    #[test]
    fn the_router_stays_local_unless_the_local_run_is_long_and_the_cloud_much_faster() {
        let cases = [
            // (local s, cloud s, suggestion)
            (2.0, 5.0, EngineName::Local), // a preview's HD: seconds here
            (45.0, 5.0, EngineName::Local), // under a minute: stays here
            (240.0, 20.0, EngineName::Cloud), // HD x4 of a big photo: 4 min vs 20 s
            (90.0, 50.0, EngineName::Local), // long, but the cloud is not twice as fast
            (90.0, 45.0, EngineName::Cloud), // exactly twice as fast
            (61.0, 30.0, EngineName::Cloud), // just over a minute
            (60.0, 1.0, EngineName::Local), // a minute is not long
        ];
        for (here, there, expected) in cases {
            assert_eq!(
                recommend(&local(here), &cloud(there)),
                expected,
                "{here} s here, {there} s in the cloud"
            );
        }
    }

    #[test]
    fn the_router_stays_local_when_the_cloud_is_off_offline_or_refused() {
        for reason in [
            ErrorCode::CloudOff,
            ErrorCode::CloudUnreachable,
            ErrorCode::InvalidInput,
        ] {
            assert_eq!(
                recommend(&local(600.0), &unavailable_cloud(reason)),
                EngineName::Local
            );
        }
    }

    #[test]
    fn the_router_suggests_the_cloud_when_this_computer_cannot_serve() {
        let cannot = LocalChoice {
            available: false,
            seconds: None,
            reason: Some(ErrorCode::EngineUnavailable),
        };
        assert_eq!(recommend(&cannot, &cloud(30.0)), EngineName::Cloud);
        assert_eq!(
            recommend(&cannot, &unavailable_cloud(ErrorCode::CloudUnreachable)),
            EngineName::Local,
            "with neither, the local side carries the reason"
        );
    }

    #[test]
    fn estimates_grow_with_the_image_and_the_line() {
        assert!((seconds_at_speed(4_000_000, 0.5) - 2.0).abs() < 1e-9);
        let small = cloud_seconds(300_000, 4_000_000);
        let large = cloud_seconds(12_000_000, 192_000_000);
        assert!(small > 3.0 && small < 10.0, "{small}");
        assert!(large > small * 10.0, "{large}");
    }
}
