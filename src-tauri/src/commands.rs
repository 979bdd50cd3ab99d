//! Tauri commands: each takes its state, runs the core off the main thread,
//! and maps errors to `{code, message}`.

use std::path::PathBuf;
use std::sync::Arc;

use likeness_core::consent::{ConsentAnswers, ConsentRecord, ConsentStatus, WithdrawOutcome};
use likeness_core::generation::studio::Studio;
use likeness_core::jobs::JobQueue;
use likeness_core::library::{ImportProgress, LibraryError};
use likeness_core::paths::AppInfo;
use likeness_core::{ApiError, ErrorCode, ImportOutcome, Library, Portrait};
use tauri::ipc::{InvokeBody, Request};
use tauri::{AppHandle, Emitter, State};

/// Event name for `ImportProgress` payloads.
pub const IMPORT_PROGRESS: &str = "import-progress";

/// The library, its job queue and studio, and where they live, shared by all commands.
pub struct Shared {
    library: Arc<Library>,
    queue: Arc<JobQueue>,
    studio: Arc<Studio>,
    data_dir: PathBuf,
}

impl Shared {
    pub fn new(
        library: Arc<Library>,
        queue: Arc<JobQueue>,
        studio: Arc<Studio>,
        data_dir: PathBuf,
    ) -> Self {
        Self {
            library,
            queue,
            studio,
            data_dir,
        }
    }

    pub fn library(&self) -> Arc<Library> {
        Arc::clone(&self.library)
    }

    pub fn queue(&self) -> Arc<JobQueue> {
        Arc::clone(&self.queue)
    }

    pub fn studio(&self) -> Arc<Studio> {
        Arc::clone(&self.studio)
    }
}

/// Run blocking core work on the blocking pool, never on the UI thread.
pub async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::new(ErrorCode::Io, format!("background task failed: {e}")))?
}

/// [`run_blocking`] with the library.
async fn blocking<T: Send + 'static>(
    state: &Shared,
    work: impl FnOnce(&Library) -> Result<T, LibraryError> + Send + 'static,
) -> Result<T, ApiError> {
    let lib = state.library();
    run_blocking(move || work(&lib).map_err(ApiError::from)).await
}

#[tauri::command]
pub fn app_info(state: State<'_, Shared>) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        data_dir: state.data_dir.display().to_string(),
        vault_dir: state.library.vault_dir().display().to_string(),
    }
}

#[tauri::command]
pub async fn list_portraits(state: State<'_, Shared>) -> Result<Vec<Portrait>, ApiError> {
    blocking(&state, |lib| lib.list()).await
}

/// Import one image sent as the raw request body, named by the `x-file-name` header
/// (URI-encoded). Emits `import-progress` as it goes.
#[tauri::command]
pub async fn import_portrait(
    app: AppHandle,
    state: State<'_, Shared>,
    request: Request<'_>,
) -> Result<ImportOutcome, ApiError> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "Send the image as raw bytes.",
        ));
    };
    let bytes = bytes.clone();
    let name = request
        .headers()
        .get("x-file-name")
        .and_then(|v| v.to_str().ok())
        .map(percent_decode)
        .unwrap_or_default();
    blocking(&state, move |lib| {
        lib.import_bytes(&name, &bytes, &mut |stage| {
            // Progress is best effort: a closed window must not fail the import.
            let _ = app.emit(
                IMPORT_PROGRESS,
                ImportProgress {
                    name: name.clone(),
                    stage,
                },
            );
        })
    })
    .await
}

#[tauri::command]
pub async fn delete_portrait(state: State<'_, Shared>, id: i64) -> Result<(), ApiError> {
    blocking(&state, move |lib| lib.delete(id)).await
}

#[tauri::command]
pub async fn consent_status(state: State<'_, Shared>) -> Result<ConsentStatus, ApiError> {
    blocking(&state, |lib| lib.consent_status()).await
}

#[tauri::command]
pub async fn consent_history(state: State<'_, Shared>) -> Result<Vec<ConsentRecord>, ApiError> {
    blocking(&state, |lib| lib.consent_history()).await
}

/// Record the consent answers; once all are given, check any portraits that
/// predate moderation.
#[tauri::command]
pub async fn record_consent(
    state: State<'_, Shared>,
    answers: ConsentAnswers,
) -> Result<ConsentStatus, ApiError> {
    blocking(&state, move |lib| {
        let status = lib.record_consent(answers)?;
        lib.check_unmoderated()?;
        Ok(status)
    })
    .await
}

/// Withdraw consent: deletes every portrait and its files.
#[tauri::command]
pub async fn withdraw_consent(state: State<'_, Shared>) -> Result<WithdrawOutcome, ApiError> {
    blocking(&state, |lib| lib.withdraw_consent()).await
}

/// The age under which faces are refused as ambiguously youthful.
#[tauri::command]
pub async fn youthful_age(state: State<'_, Shared>) -> Result<f32, ApiError> {
    blocking(&state, |lib| Ok(lib.thresholds()?.youthful_age())).await
}

/// Change that age: raise it for a stricter check; never below 21.
#[tauri::command]
pub async fn set_youthful_age(state: State<'_, Shared>, years: f32) -> Result<f32, ApiError> {
    blocking(&state, move |lib| {
        Ok(lib.set_youthful_age(years)?.youthful_age())
    })
    .await
}

/// Decode `%XX` escapes from `encodeURIComponent`; malformed escapes stay as they are.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn file_names_from_the_ui_are_decoded_from_uri_encoding() {
        assert_eq!(percent_decode("Ma%C3%AFa%20(1).jpg"), "Maïa (1).jpg");
        assert_eq!(percent_decode("100%.png"), "100%.png");
    }
}
