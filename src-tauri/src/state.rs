//! What every command shares: the data folder's services, its job queue and
//! where exports may go. Opened once by [`crate::setup`].

use std::sync::Arc;

use likeness_core::history::export::ExportDestinations;
use likeness_core::jobs::JobQueue;
use likeness_core::Services;

use crate::error::{run_blocking, ApiError};
use crate::uploads::Uploads;

pub struct AppState {
    pub services: Arc<Services>,
    pub queue: Arc<JobQueue>,
    /// Exports go only where the user chose; only their files are revealed.
    pub exports: Arc<ExportDestinations>,
    /// Archives the window is sending, chunk by chunk.
    pub uploads: Arc<Uploads>,
}

impl AppState {
    /// Run `work` on the data folder's services, off the UI thread.
    pub async fn on_services<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Services) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let services = self.services.clone();
        run_blocking(move || work(&services)).await
    }

    /// Run `work` on the job queue, off the UI thread.
    pub async fn on_queue<T: Send + 'static>(
        &self,
        work: impl FnOnce(&JobQueue) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let queue = self.queue.clone();
        run_blocking(move || work(&queue)).await
    }
}
