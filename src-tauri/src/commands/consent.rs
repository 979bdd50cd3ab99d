//! Consent commands: where consent stands, its history, answering and withdrawing.

use likeness_core::consent::{
    ConsentAnswers, ConsentKind, ConsentRecord, ConsentStatus, ConsentWording,
};
use likeness_core::privacy::WithdrawOutcome;
use tauri::{AppHandle, Manager, State};

use crate::error::ApiError;
use crate::setup::StartupError;
use crate::state::AppState;

/// Where consent stands: the window's first call, so it also carries why the
/// data folder could not open, if it could not.
#[tauri::command]
pub async fn consent_status(app: AppHandle) -> Result<ConsentStatus, ApiError> {
    let Some(state) = app.try_state::<AppState>() else {
        let failed = app.try_state::<StartupError>();
        return Err(failed.map_or_else(
            || ApiError::new(likeness_core::ErrorCode::Io, "Likeness is still starting."),
            |f| f.0.clone(),
        ));
    };
    state
        .on_services(move |services| Ok(services.consent.status()?))
        .await
}

#[tauri::command]
pub async fn consent_history(state: State<'_, AppState>) -> Result<Vec<ConsentRecord>, ApiError> {
    state
        .on_services(move |services| Ok(services.consent.history()?))
        .await
}

/// Record the consent answers (any `no` withdraws) with the wording shown;
/// once all are given, check any portraits that predate moderation.
#[tauri::command]
pub async fn record_consent(
    state: State<'_, AppState>,
    answers: ConsentAnswers,
    wording: ConsentWording,
) -> Result<ConsentStatus, ApiError> {
    state
        .on_services(move |services| {
            let status = services.privacy.record_consent(answers, &wording)?;
            services.portraits.check_unmoderated()?;
            Ok(status)
        })
        .await
}

/// Withdraw consent: deletes every portrait, everything made from them and their files.
#[tauri::command]
pub async fn withdraw_consent(state: State<'_, AppState>) -> Result<WithdrawOutcome, ApiError> {
    state
        .on_services(move |services| Ok(services.privacy.withdraw_consent()?))
        .await
}

/// Withdraw one consent; its consequence is the same as withdrawing all.
#[tauri::command]
pub async fn withdraw_purpose(
    state: State<'_, AppState>,
    kind: ConsentKind,
) -> Result<WithdrawOutcome, ApiError> {
    state
        .on_services(move |services| Ok(services.privacy.withdraw_purpose(kind)?))
        .await
}
