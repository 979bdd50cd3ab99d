//! The Likeness desktop shell: opens the library, scopes the asset protocol to
//! the vault, and exposes the core through thin commands.

mod commands;

use std::sync::Arc;

use likeness_core::{paths, Library};
use tauri::Manager;

/// Build and run the app.
pub fn run() {
    tauri::Builder::default()
        .setup(|app| {
            let data_dir = match paths::env_override() {
                Some(dir) => dir,
                None => app.path().app_data_dir()?,
            };
            let library = Library::open(&data_dir)?;
            // The webview may load images from the vault and nowhere else.
            app.asset_protocol_scope()
                .allow_directory(library.vault_dir(), true)?;
            app.manage(commands::Shared::new(Arc::new(library), data_dir));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::list_portraits,
            commands::import_portrait,
            commands::delete_portrait,
        ])
        .run(tauri::generate_context!())
        .expect("Likeness failed to start");
}
