//! What every command shares: the data folder's services, its job queue and
//! where exports may go. Opened once by [`crate::setup`].

use std::sync::Arc;

use likeness_core::history::export::ExportDestinations;
use likeness_core::jobs::JobQueue;
use likeness_core::Services;

pub struct AppState {
    pub services: Arc<Services>,
    pub queue: Arc<JobQueue>,
    /// Exports go only where the user chose; only their files are revealed.
    pub exports: Arc<ExportDestinations>,
}
