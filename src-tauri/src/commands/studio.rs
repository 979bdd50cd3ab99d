//! Studio commands: styles and their thumbnails, which way the chosen
//! portrait faces, which framings its photo supports, style pictures, and
//! queuing previews and HD upscales with typed settings.

use likeness_core::engines::{HeadTurn, StyleInfo, STYLES};
use likeness_core::framing::{FramingFits, Orientation};
use likeness_core::generation::choices::{self, StudioChoices};
use likeness_core::generation::{self, GenerationSettings, StylePicture, StyleThumbnail};
use likeness_core::jobs::Job;
use tauri::ipc::Request;
use tauri::State;

use super::raw_body;
use crate::error::ApiError;
use crate::state::AppState;

#[tauri::command]
pub fn list_styles() -> Vec<StyleInfo> {
    STYLES.to_vec()
}

/// The portrait in every built-in style, small.
#[tauri::command]
pub async fn style_thumbnails(
    state: State<'_, AppState>,
    portrait_id: i64,
) -> Result<Vec<StyleThumbnail>, ApiError> {
    state
        .on_services(move |services| Ok(services.studio.style_thumbnails(portrait_id)?))
        .await
}

/// Which way the head in the portrait is turned; `null` when the face mesh
/// finds no face.
#[tauri::command]
pub async fn portrait_facing(
    state: State<'_, AppState>,
    portrait_id: i64,
) -> Result<Option<HeadTurn>, ApiError> {
    state
        .on_services(move |services| Ok(services.studio.portrait_facing(portrait_id)?))
        .await
}

/// Every framing's crop on the portrait's photo in `orientation`, and which
/// of them the photo supports.
#[tauri::command]
pub async fn framing_fits(
    state: State<'_, AppState>,
    portrait_id: i64,
    orientation: Orientation,
) -> Result<FramingFits, ApiError> {
    state
        .on_services(move |services| {
            Ok(generation::framing_fits(
                &services.portraits,
                portrait_id,
                orientation,
            )?)
        })
        .await
}

/// Queue a preview; a framing the photo does not support is refused.
#[tauri::command]
pub async fn enqueue_preview(
    state: State<'_, AppState>,
    portrait_id: i64,
    settings: GenerationSettings,
) -> Result<Job, ApiError> {
    let queue = state.queue.clone();
    state
        .on_services(move |services| {
            Ok(generation::enqueue_preview(
                &queue,
                &services.portraits,
                portrait_id,
                &settings,
            )?)
        })
        .await
}

/// Upscale a preview ×2 or ×4; the HD output keeps the preview's settings.
#[tauri::command]
pub async fn enqueue_hd(
    state: State<'_, AppState>,
    output_id: i64,
    factor: u8,
) -> Result<Job, ApiError> {
    state
        .on_queue(move |queue| Ok(generation::enqueue_hd(queue, output_id, factor)?))
        .await
}

/// Keep a picture sent as the raw body to use as a style.
#[tauri::command]
pub async fn import_style_picture(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Result<StylePicture, ApiError> {
    let bytes = raw_body(&request, "picture")?;
    state
        .on_services(move |services| {
            Ok(StylePicture {
                sha256: services.style_pictures.import(&bytes)?,
            })
        })
        .await
}

/// The Studio's last choices, to open it as the user left it.
#[tauri::command]
pub async fn studio_choices(state: State<'_, AppState>) -> Result<Option<StudioChoices>, ApiError> {
    state
        .on_services(|services| Ok(choices::load(&services.db)?))
        .await
}

#[tauri::command]
pub async fn set_studio_choices(
    state: State<'_, AppState>,
    choices: StudioChoices,
) -> Result<(), ApiError> {
    state
        .on_services(move |services| Ok(choices::save(&services.db, &choices)?))
        .await
}
