//! The Likeness desktop shell: a composition root ([`setup`]) and thin
//! commands grouped by domain ([`commands`]) over the core.

mod checkout;
mod commands;
mod error;
mod events;
mod setup;
mod state;
mod uploads;
mod vault_protocol;

use commands::{cloud, consent, history, jobs, library, privacy, settings, studio};

/// Build and run the app.
pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .register_asynchronous_uri_scheme_protocol(vault_protocol::SCHEME, vault_protocol::handle)
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
            studio::enqueue_preview,
            studio::enqueue_hd,
            jobs::list_jobs,
            jobs::cancel_job,
            jobs::retry_job,
            history::list_outputs,
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
        ])
        .run(tauri::generate_context!())
        .expect("Likeness failed to start");
}
