//! Settings commands: how strict the age check is.

use tauri::State;

use crate::error::ApiError;
use crate::state::AppState;

/// The age under which faces are refused as ambiguously youthful.
#[tauri::command]
pub async fn youthful_age(state: State<'_, AppState>) -> Result<f32, ApiError> {
    state
        .on_services(move |services| Ok(services.settings.thresholds()?.youthful_age()))
        .await
}

/// Change that age: raise it for a stricter check; never below 21.
#[tauri::command]
pub async fn set_youthful_age(state: State<'_, AppState>, years: f32) -> Result<f32, ApiError> {
    state
        .on_services(move |services| Ok(services.settings.set_youthful_age(years)?.youthful_age()))
        .await
}
