//! Backends: what turns a job's input into its output. A worker runs one
//! [`Backend`]; [`likeness::LikenessBackend`] runs Likeness's own engines and
//! moderation from the core. The trait takes the input bytes and gives PNG
//! bytes, so a backend that calls out (a ComfyUI server) fits it too.

pub mod likeness;
pub mod probe;

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use likeness_cloud_api::JobKind;

use crate::params::JobParams;

/// One job's work, as a backend sees it.
pub struct Work<'a> {
    pub kind: JobKind,
    pub params: &'a JobParams,
    pub input: &'a [u8],
}

/// An output image.
#[derive(Debug)]
pub struct Output {
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Why a backend made no output.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BackendError {
    /// Moderation refused the input or the output (code: `multiple_people`,
    /// `minor`, `unsafe_output`, …).
    #[error("refused ({code}): {message}")]
    Refused { code: String, message: String },
    /// The work could not be done (code: `moderation_unavailable`, `engine_failed`, …).
    #[error("failed ({code}): {message}")]
    Failed { code: String, message: String },
    /// The worker asked it to stop.
    #[error("stopped: the job was cancelled or its lease was lost")]
    Stopped,
}

/// Shared between a running backend and the worker's heartbeat: the progress
/// it reports, and whether it must stop.
#[derive(Debug, Default)]
pub struct Control {
    stop: AtomicBool,
    progress: AtomicU32,
}

impl Control {
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    pub fn should_stop(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    pub fn report(&self, fraction: f32) {
        self.progress
            .store(fraction.clamp(0.0, 1.0).to_bits(), Ordering::Relaxed);
    }

    pub fn progress(&self) -> f32 {
        f32::from_bits(self.progress.load(Ordering::Relaxed))
    }
}

/// A way to do jobs. `run` blocks (the worker calls it on a blocking thread)
/// and should return [`BackendError::Stopped`] soon after `control` says stop.
pub trait Backend: Send + Sync + 'static {
    /// Shown in the worker's log.
    fn name(&self) -> &'static str;
    fn run(&self, work: &Work<'_>, control: &Control) -> Result<Output, BackendError>;
}
