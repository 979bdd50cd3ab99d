//! Library commands: list, import and delete portraits.

use likeness_core::library::{ImportOutcome, ImportProgress, Portrait};
use likeness_core::paths::AppInfo;
use tauri::ipc::Request;
use tauri::{AppHandle, Emitter, State};

use super::{percent_decode, raw_body};
use crate::error::ApiError;
use crate::events::IMPORT_PROGRESS;
use crate::state::AppState;

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        data_dir: state.services.data_dir.display().to_string(),
        vault_dir: state.services.vault.root().display().to_string(),
    }
}

#[tauri::command]
pub async fn list_portraits(state: State<'_, AppState>) -> Result<Vec<Portrait>, ApiError> {
    state
        .on_services(move |services| Ok(services.portraits.list()?))
        .await
}

/// Import one image sent as the raw request body, named by the `x-file-name` header
/// (URI-encoded). Emits `import-progress` as it goes.
#[tauri::command]
pub async fn import_portrait(
    app: AppHandle,
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<ImportOutcome, ApiError> {
    let bytes = raw_body(&request, "image")?;
    let name = request
        .headers()
        .get("x-file-name")
        .and_then(|v| v.to_str().ok())
        .map(percent_decode)
        .unwrap_or_default();
    state
        .on_services(move |services| {
            Ok(services
                .portraits
                .import_bytes(&name, &bytes, &mut |stage| {
                    // Progress is best effort: a closed window must not fail the import.
                    let _ = app.emit(
                        IMPORT_PROGRESS,
                        ImportProgress {
                            name: name.clone(),
                            stage,
                        },
                    );
                })?)
        })
        .await
}

/// Delete a portrait and, with `with_images`, every image made from it.
#[tauri::command]
pub async fn delete_portrait(
    state: State<'_, AppState>,
    id: i64,
    with_images: bool,
) -> Result<(), ApiError> {
    state
        .on_services(move |services| Ok(services.privacy.delete_portrait(id, with_images)?))
        .await
}

/// Keep a portrait close to expiry: counts as a use.
#[tauri::command]
pub async fn keep_portrait(state: State<'_, AppState>, id: i64) -> Result<Portrait, ApiError> {
    state
        .on_services(move |services| Ok(services.portraits.keep(id)?))
        .await
}

/// How many History images were made from a portrait (the delete dialog offers them).
#[tauri::command]
pub async fn portrait_image_count(state: State<'_, AppState>, id: i64) -> Result<u64, ApiError> {
    state
        .on_services(move |services| Ok(services.privacy.images_made_from(id)?))
        .await
}

#[cfg(test)]
mod tests {
    use crate::commands::percent_decode;

    #[test]
    fn file_names_from_the_ui_are_decoded_from_uri_encoding() {
        assert_eq!(percent_decode("Ma%C3%AFa%20(1).jpg"), "Maïa (1).jpg");
        assert_eq!(percent_decode("100%.png"), "100%.png");
    }
}
