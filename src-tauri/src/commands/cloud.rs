//! Cloud commands: the opt-in, the store, buying in the checkout window, and
//! HD in the cloud at a quoted price.

use likeness_core::cloud::{
    self, CloudBalance, CloudLedgerEntry, CloudOrder, CloudPack, CloudReceipt, CloudStatus,
    EngineChoice,
};
use likeness_core::consent::ConsentWording;
use likeness_core::generation;
use likeness_core::jobs::Job;
use likeness_core::ErrorCode;
use tauri::{AppHandle, State};

use crate::checkout::{self, Ending};
use crate::error::ApiError;
use crate::state::AppState;

#[tauri::command]
pub async fn cloud_status(state: State<'_, AppState>) -> Result<CloudStatus, ApiError> {
    state
        .on_services(|services| Ok(services.cloud.status()?))
        .await
}

/// Turn cloud on, recording the exact words the user was shown.
#[tauri::command]
pub async fn enable_cloud(
    state: State<'_, AppState>,
    server_url: String,
    wording: ConsentWording,
) -> Result<CloudStatus, ApiError> {
    state
        .on_services(move |services| Ok(services.cloud.enable(&server_url, &wording)?))
        .await
}

/// Turn cloud off; its jobs still running are cancelled (and refunded) first.
#[tauri::command]
pub async fn disable_cloud(state: State<'_, AppState>) -> Result<CloudStatus, ApiError> {
    let queue = state.queue.clone();
    state
        .on_services(move |services| Ok(services.cloud.disable(&queue)?))
        .await
}

#[tauri::command]
pub async fn cloud_packs(state: State<'_, AppState>) -> Result<Vec<CloudPack>, ApiError> {
    state
        .on_services(|services| Ok(services.cloud.packs()?))
        .await
}

#[tauri::command]
pub async fn cloud_balance(state: State<'_, AppState>) -> Result<CloudBalance, ApiError> {
    state
        .on_services(|services| Ok(services.cloud.balance()?))
        .await
}

#[tauri::command]
pub async fn cloud_ledger(state: State<'_, AppState>) -> Result<Vec<CloudLedgerEntry>, ApiError> {
    state
        .on_services(|services| Ok(services.cloud.ledger()?))
        .await
}

#[tauri::command]
pub async fn cloud_receipts(state: State<'_, AppState>) -> Result<Vec<CloudReceipt>, ApiError> {
    state
        .on_services(|services| Ok(services.cloud.receipts()?))
        .await
}

/// Buy a pack: checkout in its own window, then the order's state as the
/// server tells it (the window returning proves nothing).
#[tauri::command]
pub async fn buy_pack(
    app: AppHandle,
    state: State<'_, AppState>,
    pack_id: String,
) -> Result<CloudOrder, ApiError> {
    let started = state
        .on_services(move |services| Ok(services.cloud.start_checkout(&pack_id)?))
        .await?;
    let ending = checkout::run(&app, &started).await?;
    let order_id = started.order_id;
    state
        .on_services(move |services| {
            Ok(match ending {
                Ending::Returned => services.cloud.order_settled(&order_id, cloud::SETTLE)?,
                Ending::Closed => services.cloud.order_state(&order_id)?,
            })
        })
        .await
}

/// Buy a pack in the system browser instead of the checkout window. The
/// order comes back pending; the `likeness://` link the return page offers
/// (or [`cloud_order`]) tells how it ended.
#[tauri::command]
pub async fn buy_pack_in_browser(
    state: State<'_, AppState>,
    pack_id: String,
) -> Result<CloudOrder, ApiError> {
    state
        .on_services(move |services| {
            let started = services.cloud.start_checkout(&pack_id)?;
            tauri_plugin_opener::open_url(&started.checkout_url, None::<&str>).map_err(|e| {
                ApiError::new(
                    ErrorCode::CheckoutFailed,
                    format!("The browser could not be opened: {e}"),
                )
            })?;
            Ok(services.cloud.order_state(&started.order_id)?)
        })
        .await
}

/// How an order this app started stands, as the server says.
#[tauri::command]
pub async fn cloud_order(
    state: State<'_, AppState>,
    order_id: String,
) -> Result<CloudOrder, ApiError> {
    state
        .on_services(move |services| Ok(services.cloud.order_state(&order_id)?))
        .await
}

/// Both ways to make an HD image, side by side, with the cloud's quote.
#[tauri::command]
pub async fn hd_choices(
    state: State<'_, AppState>,
    output_id: i64,
    factor: u8,
) -> Result<EngineChoice, ApiError> {
    let queue = state.queue.clone();
    state
        .on_services(move |services| {
            Ok(generation::hd_choices(
                &services.db,
                &queue,
                &services.cloud,
                output_id,
                factor,
            )?)
        })
        .await
}

/// Queue HD in the cloud at the price of `quote_id`, which the user picked.
#[tauri::command]
pub async fn enqueue_cloud_hd(
    state: State<'_, AppState>,
    output_id: i64,
    factor: u8,
    quote_id: String,
) -> Result<Job, ApiError> {
    let queue = state.queue.clone();
    state
        .on_services(move |services| {
            Ok(generation::enqueue_cloud_hd(
                &queue,
                &services.cloud,
                output_id,
                factor,
                &quote_id,
            )?)
        })
        .await
}
