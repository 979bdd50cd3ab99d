//! The Likeness desktop shell: a composition root ([`setup`]) and thin
//! commands grouped by domain ([`commands`]) over the core.

mod commands;
mod error;
mod events;
mod setup;
mod state;

use commands::{consent, history, jobs, library, settings, studio};

/// Build and run the app.
pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .setup(setup::setup)
        .invoke_handler(tauri::generate_handler![
            library::app_info,
            library::list_portraits,
            library::import_portrait,
            library::delete_portrait,
            consent::consent_status,
            consent::consent_history,
            consent::record_consent,
            consent::withdraw_consent,
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
        ])
        .run(tauri::generate_context!())
        .expect("Likeness failed to start");
}
