//! The Likeness desktop shell: opens the library, scopes the asset protocol to
//! the vault, and exposes the core through thin commands.

mod commands;

use std::sync::Arc;

use likeness_core::{paths, Library, Moderator, Thresholds};
use tauri::Manager;

/// Build and run the app.
pub fn run() {
    tauri::Builder::default()
        .setup(|app| {
            let data_dir = match paths::env_override() {
                Some(dir) => dir,
                None => app.path().app_data_dir()?,
            };
            // ONNX Runtime and the models ship as bundle resources.
            let resources = app.path().resource_dir()?;
            let library = Library::open(&data_dir, move || {
                let ort = resources.join("lib/libonnxruntime.so.1");
                let models = resources.join("models");
                let ort = ort.is_file().then_some(ort);
                let models = models.is_dir().then_some(models);
                Moderator::load(ort.as_deref(), models.as_deref(), Thresholds::default())
                    .map(Arc::new)
            })?;
            // The webview may load images from the vault and nowhere else.
            app.asset_protocol_scope()
                .allow_directory(library.vault_dir(), true)?;
            let library = Arc::new(library);
            app.manage(commands::Shared::new(Arc::clone(&library), data_dir));
            // Check any portraits that predate moderation, off the main thread.
            // The models load on first use, so an idle app does not hold them.
            std::thread::spawn(move || {
                if let Err(e) = library.check_unmoderated() {
                    eprintln!("likeness: could not check older portraits: {e}");
                }
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::list_portraits,
            commands::import_portrait,
            commands::delete_portrait,
            commands::consent_status,
            commands::consent_history,
            commands::record_consent,
            commands::withdraw_consent,
        ])
        .run(tauri::generate_context!())
        .expect("Likeness failed to start");
}
