//! The Likeness desktop shell: opens the library, scopes the asset protocol to
//! the vault, and exposes the core through thin commands.

mod commands;
mod generation;

use std::sync::Arc;

use likeness_core::export::{self, ExportDestinations};
use likeness_core::generation::studio::Studio;
use likeness_core::jobs::{Job, JobContext, JobEvent, JobQueue, JobRunner};
use likeness_core::{paths, Library, Moderator, Thresholds};
use tauri::{Emitter, Manager};

/// Event name for `JobEvent` payloads.
const JOB_EVENT: &str = "job-event";

/// Build and run the app.
pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            let data_dir = match paths::env_override() {
                Some(dir) => dir,
                None => app.path().app_local_data_dir()?,
            };
            // ONNX Runtime and the models ship as bundle resources.
            let resources = app.path().resource_dir()?;
            let ort = Some(resources.join("lib/libonnxruntime.so.1")).filter(|p| p.is_file());
            let models = Some(resources.join("models")).filter(|p| p.is_dir());
            let (moderator_ort, moderator_models) = (ort.clone(), models.clone());
            let library = Library::open(&data_dir, move || {
                let (ort, models) = (moderator_ort.as_deref(), moderator_models.as_deref());
                Moderator::load(ort, models, Thresholds::default()).map(Arc::new)
            })?;
            if let Some(note) = library.opening_sweep_note() {
                eprintln!("likeness: {note}");
            }
            // The webview may load images from the vault and nowhere else.
            app.asset_protocol_scope()
                .allow_directory(library.vault_dir(), true)?;
            let library = Arc::new(library);
            let studio = Arc::new(Studio::new(Arc::clone(&library), ort, models));
            let (store, vault) = library.storage();
            let handle = app.handle().clone();
            let queue = JobQueue::start(
                store,
                vault,
                data_dir.join("staging"),
                {
                    let studio = Arc::clone(&studio);
                    move |job: &Job, ctx: &JobContext| studio.run(job, ctx)
                },
                move |event: JobEvent| {
                    // Progress is best effort: a closed window must not fail a job.
                    let _ = handle.emit(JOB_EVENT, event);
                },
            )?;
            // Exports go only where the user chose; only their files are revealed.
            app.manage(Arc::new(ExportDestinations::new(
                export::default_export_folder(),
            )));
            app.manage(commands::Shared::new(
                Arc::clone(&library),
                Arc::new(queue),
                studio,
                data_dir,
            ));
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
            commands::youthful_age,
            commands::set_youthful_age,
            generation::list_styles,
            generation::style_thumbnails,
            generation::enqueue_preview,
            generation::enqueue_hd,
            generation::list_jobs,
            generation::cancel_job,
            generation::retry_job,
            generation::list_outputs,
            generation::set_favourite,
            generation::delete_output,
            generation::export_outputs,
            generation::default_export_folder,
            generation::pick_folder,
            generation::show_in_folder,
            generation::import_style_picture,
        ])
        .run(tauri::generate_context!())
        .expect("Likeness failed to start");
}
