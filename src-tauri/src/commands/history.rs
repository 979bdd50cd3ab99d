//! History commands: browse, favourite and delete outputs, and export them
//! (only into a folder the user picked, revealing only files an export wrote).

use likeness_core::history::export::{ExportRequest, ExportResult};
use likeness_core::history::{Output, OutputFilter, OutputPage};
use likeness_core::ErrorCode;
use tauri::State;
use tauri_plugin_dialog::DialogExt;

use crate::error::{run_blocking, ApiError};
use crate::state::AppState;

#[tauri::command]
pub async fn list_outputs(
    state: State<'_, AppState>,
    filter: OutputFilter,
) -> Result<OutputPage, ApiError> {
    state
        .on_services(move |services| Ok(services.history.list_outputs(&filter)?))
        .await
}

/// One output, e.g. the preview an HD image was made from.
#[tauri::command]
pub async fn get_output(state: State<'_, AppState>, id: i64) -> Result<Output, ApiError> {
    state
        .on_services(move |services| Ok(services.history.get_output(id)?))
        .await
}

#[tauri::command]
pub async fn set_favourite(
    state: State<'_, AppState>,
    id: i64,
    favourite: bool,
) -> Result<Output, ApiError> {
    state
        .on_services(move |services| Ok(services.history.set_favourite(id, favourite)?))
        .await
}

#[tauri::command]
pub async fn delete_output(state: State<'_, AppState>, id: i64) -> Result<(), ApiError> {
    state
        .on_services(move |services| Ok(services.history.delete_output(id)?))
        .await
}

/// Export into a folder the user picked with `pick_folder`, or the default
/// folder; any other folder is refused (`folder_not_chosen`).
#[tauri::command]
pub async fn export_outputs(
    state: State<'_, AppState>,
    request: ExportRequest,
) -> Result<ExportResult, ApiError> {
    let (services, exports) = (state.services.clone(), state.exports.clone());
    run_blocking(move || Ok(exports.export(&services.history, &request)?)).await
}

#[tauri::command]
pub fn default_export_folder(state: State<'_, AppState>) -> Result<String, ApiError> {
    state
        .exports
        .default_folder()
        .map(|p| p.display().to_string())
        .ok_or_else(|| ApiError::new(ErrorCode::Io, "No Pictures or home folder was found."))
}

/// Ask for a folder with the system dialog, and allow exports into it;
/// `None` when the user cancels.
#[tauri::command]
pub async fn pick_folder(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
) -> Result<Option<String>, ApiError> {
    let exports = state.exports.clone();
    run_blocking(move || {
        let Some(picked) = app.dialog().file().blocking_pick_folder() else {
            return Ok(None);
        };
        let folder = picked
            .into_path()
            .map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.to_string()))?;
        let shown = folder.display().to_string();
        exports.allow_picked(folder);
        Ok(Some(shown))
    })
    .await
}

/// Show an exported file, selected, in the system file manager. Only a file
/// an export wrote since the app started is shown (`not_exported` otherwise).
#[tauri::command]
pub async fn show_in_folder(state: State<'_, AppState>, path: String) -> Result<(), ApiError> {
    let file = state.exports.exported_file(&path)?;
    run_blocking(move || {
        tauri_plugin_opener::reveal_item_in_dir(&file)
            .map_err(|e| ApiError::new(ErrorCode::Io, format!("Could not show the file: {e}")))
    })
    .await
}
