//! Studio and History commands: queue previews and HD upscales, follow jobs,
//! browse, favourite, delete and export outputs. Each takes its state, calls
//! the core off the main thread, and maps errors to `{code, message}`.

use std::path::PathBuf;
use std::sync::Arc;

use likeness_core::export::{ExportDestinations, ExportRequest, ExportResult};
use likeness_core::generation::engines::{StyleInfo, STYLES};
use likeness_core::generation::studio::{GenerationSettings, StylePicture};
use likeness_core::jobs::{Job, JobFilter, JobKind, Output, OutputFilter, OutputPage};
use likeness_core::{ApiError, ErrorCode};
use tauri::ipc::{InvokeBody, Request};
use tauri::State;
use tauri_plugin_dialog::DialogExt;

use crate::commands::{run_blocking, Shared};

#[tauri::command]
pub fn list_styles() -> Vec<StyleInfo> {
    STYLES.to_vec()
}

/// The portrait in every built-in style, small: `(style id, file)`.
#[tauri::command]
pub async fn style_thumbnails(
    state: State<'_, Shared>,
    portrait_id: i64,
) -> Result<Vec<(String, PathBuf)>, ApiError> {
    let studio = state.studio();
    run_blocking(move || studio.style_thumbnails(portrait_id)).await
}

#[tauri::command]
pub async fn enqueue_preview(
    state: State<'_, Shared>,
    portrait_id: i64,
    settings: GenerationSettings,
) -> Result<Job, ApiError> {
    settings.validate()?;
    let queue = state.queue();
    run_blocking(move || {
        let id = queue.enqueue(
            Some(portrait_id),
            JobKind::Preview,
            &settings.to_job_json(),
            None,
        )?;
        Ok(queue.get(id)?)
    })
    .await
}

/// Upscale a preview ×2 or ×4; the HD output keeps the preview's settings.
#[tauri::command]
pub async fn enqueue_hd(
    state: State<'_, Shared>,
    output_id: i64,
    factor: u8,
) -> Result<Job, ApiError> {
    if !matches!(factor, 2 | 4) {
        return Err(ApiError::new(ErrorCode::InvalidInput, "HD is ×2 or ×4."));
    }
    let queue = state.queue();
    run_blocking(move || {
        let parent = queue.history().get_output(output_id)?;
        let settings: GenerationSettings = serde_json::from_str(&parent.settings_json)
            .map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.to_string()))?;
        let settings = GenerationSettings {
            hd_factor: Some(factor),
            ..settings
        };
        let id = queue.enqueue(None, JobKind::Hd, &settings.to_job_json(), Some(output_id))?;
        Ok(queue.get(id)?)
    })
    .await
}

#[tauri::command]
pub async fn list_jobs(state: State<'_, Shared>) -> Result<Vec<Job>, ApiError> {
    let queue = state.queue();
    run_blocking(move || Ok(queue.list(&JobFilter::default())?)).await
}

#[tauri::command]
pub async fn cancel_job(state: State<'_, Shared>, id: i64) -> Result<Job, ApiError> {
    let queue = state.queue();
    run_blocking(move || Ok(queue.cancel(id)?)).await
}

#[tauri::command]
pub async fn retry_job(state: State<'_, Shared>, id: i64) -> Result<Job, ApiError> {
    let queue = state.queue();
    run_blocking(move || Ok(queue.retry(id)?)).await
}

#[tauri::command]
pub async fn list_outputs(
    state: State<'_, Shared>,
    filter: OutputFilter,
) -> Result<OutputPage, ApiError> {
    let queue = state.queue();
    run_blocking(move || Ok(queue.history().list_outputs(&filter)?)).await
}

#[tauri::command]
pub async fn set_favourite(
    state: State<'_, Shared>,
    id: i64,
    favourite: bool,
) -> Result<Output, ApiError> {
    let queue = state.queue();
    run_blocking(move || Ok(queue.history().set_favourite(id, favourite)?)).await
}

#[tauri::command]
pub async fn delete_output(state: State<'_, Shared>, id: i64) -> Result<(), ApiError> {
    let queue = state.queue();
    run_blocking(move || Ok(queue.history().delete_output(id)?)).await
}

/// Export into a folder the user picked with `pick_folder`, or the default
/// folder; any other folder is refused (`folder_not_chosen`).
#[tauri::command]
pub async fn export_outputs(
    state: State<'_, Shared>,
    destinations: State<'_, Arc<ExportDestinations>>,
    request: ExportRequest,
) -> Result<ExportResult, ApiError> {
    let (queue, destinations) = (state.queue(), Arc::clone(&destinations));
    run_blocking(move || Ok(destinations.export(queue.history(), &request)?)).await
}

#[tauri::command]
pub fn default_export_folder(
    destinations: State<'_, Arc<ExportDestinations>>,
) -> Result<String, ApiError> {
    destinations
        .default_folder()
        .map(|p| p.display().to_string())
        .ok_or_else(|| ApiError::new(ErrorCode::Io, "No Pictures or home folder was found."))
}

/// Ask for a folder with the system dialog, and allow exports into it;
/// `None` when the user cancels.
#[tauri::command]
pub async fn pick_folder(
    app: tauri::AppHandle,
    destinations: State<'_, Arc<ExportDestinations>>,
) -> Result<Option<String>, ApiError> {
    let destinations = Arc::clone(&destinations);
    run_blocking(move || {
        let Some(picked) = app.dialog().file().blocking_pick_folder() else {
            return Ok(None);
        };
        let folder = picked
            .into_path()
            .map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.to_string()))?;
        let shown = folder.display().to_string();
        destinations.allow_picked(folder);
        Ok(Some(shown))
    })
    .await
}

/// Show an exported file, selected, in the system file manager. Only a file
/// an export wrote since the app started is shown (`not_exported` otherwise).
#[tauri::command]
pub async fn show_in_folder(
    destinations: State<'_, Arc<ExportDestinations>>,
    path: String,
) -> Result<(), ApiError> {
    let file = destinations.exported_file(&path)?;
    run_blocking(move || {
        tauri_plugin_opener::reveal_item_in_dir(&file)
            .map_err(|e| ApiError::new(ErrorCode::Io, format!("Could not show the file: {e}")))
    })
    .await
}

/// Keep a picture sent as the raw body to use as a style.
#[tauri::command]
pub async fn import_style_picture(
    state: State<'_, Shared>,
    request: Request<'_>,
) -> Result<StylePicture, ApiError> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "Send the picture as raw bytes.",
        ));
    };
    let bytes = bytes.clone();
    let library = state.library();
    run_blocking(move || {
        Ok(StylePicture {
            sha256: library.import_style_picture(&bytes)?,
        })
    })
    .await
}
