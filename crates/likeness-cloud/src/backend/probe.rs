//! The queue probe: a backend with no models, for measuring the queue itself
//! (the bench's jobs per second) and for tests of leases and scale. It answers
//! every job with the input's colours inverted after `delay`, checking for a
//! stop every 10 ms. It runs no moderation, so it is never for users:
//! `likeness-cloud work` takes it only with `--backend queue-probe`.

use std::time::{Duration, Instant};

use image::DynamicImage;
use likeness_core::imaging::{self, StoredFormat};

use super::{Backend, BackendError, Control, Output, Work};

/// Inverts the input after a fixed delay.
pub struct QueueProbe {
    pub delay: Duration,
}

impl Backend for QueueProbe {
    fn name(&self) -> &'static str {
        "queue-probe"
    }

    fn run(&self, work: &Work<'_>, control: &Control) -> Result<Output, BackendError> {
        let started = Instant::now();
        while started.elapsed() < self.delay {
            if control.should_stop() {
                return Err(BackendError::Stopped);
            }
            control.report(started.elapsed().as_secs_f32() / self.delay.as_secs_f32());
            std::thread::sleep(Duration::from_millis(10).min(self.delay));
        }
        let mut image = imaging::sniff(work.input)
            .and_then(|format| imaging::decode(work.input, format))
            .map_err(|e| BackendError::Failed {
                code: "unreadable".into(),
                message: e.to_string(),
            })?
            .into_rgb8();
        image::imageops::invert(&mut image);
        let (width, height) = image.dimensions();
        let png =
            imaging::encode(&DynamicImage::ImageRgb8(image), StoredFormat::Png).map_err(|e| {
                BackendError::Failed {
                    code: "encode_failed".into(),
                    message: e.to_string(),
                }
            })?;
        Ok(Output { png, width, height })
    }
}
