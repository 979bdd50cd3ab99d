//! Privacy centre commands: what is stored, retention, moderation records,
//! style pictures, the archive of everything (export, and import in chunks)
//! and deleting everything.

use std::path::PathBuf;

use likeness_core::generation::StoredStylePicture;
use likeness_core::library::ModerationRecordEntry;
use likeness_core::privacy::{ArchiveImport, ArchiveSummary, DeletionReceipt, Inventory};
use likeness_core::settings::RetentionPolicy;
use tauri::ipc::Request;
use tauri::{AppHandle, Manager, State};

use super::raw_body;
use crate::error::{run_blocking, ApiError};
use crate::state::AppState;

#[tauri::command]
pub async fn privacy_inventory(state: State<'_, AppState>) -> Result<Inventory, ApiError> {
    state
        .on_services(move |services| Ok(services.privacy.inventory()?))
        .await
}

#[tauri::command]
pub async fn retention(state: State<'_, AppState>) -> Result<RetentionPolicy, ApiError> {
    state
        .on_services(move |services| Ok(services.privacy.retention()?))
        .await
}

/// Store the retention periods and delete at once whatever is older.
#[tauri::command]
pub async fn set_retention(
    state: State<'_, AppState>,
    policy: RetentionPolicy,
) -> Result<RetentionPolicy, ApiError> {
    state
        .on_services(move |services| Ok(services.privacy.set_retention(policy)?))
        .await
}

#[tauri::command]
pub async fn list_moderation_records(
    state: State<'_, AppState>,
) -> Result<Vec<ModerationRecordEntry>, ApiError> {
    state
        .on_services(move |services| Ok(services.portraits.moderation_records()?))
        .await
}

#[tauri::command]
pub async fn delete_moderation_record(state: State<'_, AppState>, id: i64) -> Result<(), ApiError> {
    state
        .on_services(move |services| Ok(services.portraits.delete_moderation_record(id)?))
        .await
}

#[tauri::command]
pub async fn list_style_pictures(
    state: State<'_, AppState>,
) -> Result<Vec<StoredStylePicture>, ApiError> {
    state
        .on_services(move |services| Ok(services.style_pictures.list()?))
        .await
}

#[tauri::command]
pub async fn delete_style_picture(
    state: State<'_, AppState>,
    sha256: String,
) -> Result<(), ApiError> {
    state
        .on_services(move |services| Ok(services.style_pictures.delete(&sha256)?))
        .await
}

/// Write the archive of everything into a folder the user picked with
/// `pick_folder`, or the default export folder; it may then be revealed.
#[tauri::command]
pub async fn export_everything(
    state: State<'_, AppState>,
    folder: Option<String>,
) -> Result<ArchiveSummary, ApiError> {
    let (services, exports) = (state.services.clone(), state.exports.clone());
    run_blocking(move || {
        let folder = exports.destination(folder.as_deref())?;
        let summary = services.privacy.export_archive(&folder)?;
        exports.remember_exported(PathBuf::from(&summary.path));
        Ok(summary)
    })
    .await
}

/// Start receiving an archive from the window, in chunks; returns its upload id.
#[tauri::command]
pub async fn begin_archive_upload(state: State<'_, AppState>) -> Result<String, ApiError> {
    let uploads = state.uploads.clone();
    run_blocking(move || uploads.begin()).await
}

/// Append the request body to the upload named by the `x-upload-id` header;
/// returns the bytes received so far.
#[tauri::command]
pub async fn append_archive_upload(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<u64, ApiError> {
    let bytes = raw_body(&request, "archive")?;
    let id = request
        .headers()
        .get("x-upload-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let uploads = state.uploads.clone();
    run_blocking(move || uploads.append(&id, &bytes)).await
}

/// Import a finished upload (moderating everything again), then delete it.
#[tauri::command]
pub async fn import_archive(
    state: State<'_, AppState>,
    upload_id: String,
) -> Result<ArchiveImport, ApiError> {
    let (services, uploads) = (state.services.clone(), state.uploads.clone());
    run_blocking(move || {
        let upload = uploads.take(&upload_id)?;
        Ok(services.privacy.import_archive(upload.path())?)
    })
    .await
}

/// Delete everything: the data folder's rows and files, and the window's own
/// storage (cookies, caches, local storage). Returns the receipt.
#[tauri::command]
pub async fn delete_everything(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<DeletionReceipt, ApiError> {
    let receipt = state
        .on_services(move |services| Ok(services.privacy.delete_all()?))
        .await?;
    for window in app.webview_windows().values() {
        window
            .clear_all_browsing_data()
            .map_err(|e| ApiError::new(likeness_core::ErrorCode::Io, e.to_string()))?;
    }
    Ok(receipt)
}
