//! The Likeness desktop shell: a composition root ([`setup`]) and thin
//! commands grouped by domain ([`commands`]) over the core.

mod checkout;
mod commands;
mod error;
mod events;
mod links;
mod setup;
mod state;
mod uploads;
mod vault_protocol;

use tauri::webview::PageLoadEvent;
use tauri::Manager;

use commands::{cloud, consent, history, jobs, library, privacy, settings, studio};

/// Build and run the app.
pub fn run() {
    tauri::Builder::default()
        // First, so that a second start hands its arguments (a `likeness://`
        // link) to the running app and exits before anything else runs.
        .plugin(single_instance())
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_dialog::init())
        .register_asynchronous_uri_scheme_protocol(vault_protocol::SCHEME, vault_protocol::handle)
        .manage(links::Links::default())
        .on_page_load(|webview, payload| {
            if webview.label() == "main" && payload.event() == PageLoadEvent::Finished {
                let _ = webview.window().show();
            }
        })
        .setup(setup::setup)
        .invoke_handler(tauri::generate_handler![
            library::app_info,
            library::list_portraits,
            library::import_portrait,
            library::delete_portrait,
            library::keep_portrait,
            library::portrait_image_count,
            consent::consent_status,
            consent::consent_history,
            consent::record_consent,
            consent::withdraw_consent,
            consent::withdraw_purpose,
            settings::youthful_age,
            settings::set_youthful_age,
            studio::list_styles,
            studio::style_thumbnails,
            studio::portrait_facing,
            studio::enqueue_preview,
            studio::enqueue_hd,
            jobs::list_jobs,
            jobs::cancel_job,
            jobs::retry_job,
            history::list_outputs,
            history::get_output,
            history::set_favourite,
            history::delete_output,
            history::export_outputs,
            history::default_export_folder,
            history::pick_folder,
            history::show_in_folder,
            studio::import_style_picture,
            privacy::privacy_inventory,
            privacy::retention,
            privacy::set_retention,
            privacy::list_moderation_records,
            privacy::delete_moderation_record,
            privacy::list_style_pictures,
            privacy::delete_style_picture,
            privacy::export_everything,
            privacy::begin_archive_upload,
            privacy::append_archive_upload,
            privacy::import_archive,
            privacy::delete_everything,
            cloud::cloud_status,
            cloud::enable_cloud,
            cloud::disable_cloud,
            cloud::cloud_packs,
            cloud::cloud_balance,
            cloud::cloud_ledger,
            cloud::cloud_receipts,
            cloud::buy_pack,
            cloud::hd_choices,
            cloud::enqueue_cloud_hd,
            studio::studio_choices,
            studio::set_studio_choices,
            studio::framing_fits,
            cloud::buy_pack_in_browser,
            cloud::cloud_order,
            links::take_link_outcome,
        ])
        .run(tauri::generate_context!())
        .expect("Likeness failed to start");
}

/// One app per data folder: a second start with the same folder brings the
/// first to the front and hands it its link. A folder given by
/// `$LIKENESS_DATA_DIR` (tests, portable installs) gets its own instance.
fn single_instance() -> tauri::plugin::TauriPlugin<tauri::Wry> {
    let builder = tauri_plugin_single_instance::Builder::new().callback(|app, _args, _cwd| {
        if let Some(window) = app.get_webview_window("main") {
            let _ = window.unminimize();
            let _ = window.set_focus();
        }
    });
    match likeness_core::paths::env_override() {
        Some(dir) => builder
            .dbus_id(format!(
                "{}.Folder{}",
                likeness_core::paths::APP_IDENTIFIER,
                likeness_core::paths::folder_tag(&dir)
            ))
            .build(),
        None => builder.build(),
    }
}
