//! Cloud commands: the opt-in, the store, buying in the checkout window, and
//! HD in the cloud at a quoted price.

use std::time::{Duration, Instant};

use likeness_core::cloud::{
    CloudBalance, CloudLedgerEntry, CloudOrder, CloudOrderState, CloudPack, CloudReceipt,
    CloudStatus, EngineChoice,
};
use likeness_core::consent::ConsentWording;
use likeness_core::generation;
use likeness_core::jobs::Job;
use tauri::{AppHandle, State};

use crate::checkout::{self, Ending};
use crate::error::ApiError;
use crate::state::AppState;

/// After the return page, how long to wait for the payment's webhook.
const SETTLE: Duration = Duration::from_secs(15);

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
            let deadline = Instant::now() + SETTLE;
            loop {
                let order = services.cloud.order_state(&order_id)?;
                let waiting = ending == Ending::Returned
                    && order.state == CloudOrderState::Pending
                    && Instant::now() < deadline;
                if !waiting {
                    return Ok(order);
                }
                std::thread::sleep(Duration::from_millis(250));
            }
        })
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
