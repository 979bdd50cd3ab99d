//! Queue commands: list, cancel and retry jobs.

use likeness_core::jobs::{Job, JobFilter};
use tauri::State;

use crate::error::ApiError;
use crate::state::AppState;

#[tauri::command]
pub async fn list_jobs(state: State<'_, AppState>) -> Result<Vec<Job>, ApiError> {
    state
        .on_queue(move |queue| Ok(queue.list(&JobFilter::default())?))
        .await
}

#[tauri::command]
pub async fn cancel_job(state: State<'_, AppState>, id: i64) -> Result<Job, ApiError> {
    state.on_queue(move |queue| Ok(queue.cancel(id)?)).await
}

#[tauri::command]
pub async fn retry_job(state: State<'_, AppState>, id: i64) -> Result<Job, ApiError> {
    state.on_queue(move |queue| Ok(queue.retry(id)?)).await
}
