//! The composition root: opens the data folder (its key from the OS keyring),
//! starts the job queue and hands the state to the commands. A data folder
//! that cannot open (no keyring, say) is not replaced by anything weaker:
//! the window shows why ([`StartupError`]) and nothing else runs.

use std::sync::Arc;

use likeness_core::history::export::{self, ExportDestinations};
use likeness_core::idle;
use likeness_core::jobs::{JobEvent, JobQueue};
use likeness_core::moderation::{Moderator, Thresholds};
use likeness_core::privacy::expiry;
use likeness_core::services::Options;
use likeness_core::{paths, Services};
use tauri::{App, Emitter, Manager};

use crate::error::ApiError;
use crate::events::JOB_EVENT;
use crate::state::AppState;
use crate::uploads::Uploads;

/// Why the data folder did not open; the window's first call gets it.
pub struct StartupError(pub ApiError);

/// The main window opens hidden and shows once its page has loaded, so that no
/// blank window flashes at launch; if the page never says so, it shows anyway.
const SHOW_ANYWAY: std::time::Duration = std::time::Duration::from_secs(5);

pub fn setup(app: &mut App) -> Result<(), Box<dyn std::error::Error>> {
    let handle = app.handle().clone();
    std::thread::spawn(move || {
        std::thread::sleep(SHOW_ANYWAY);
        if let Some(window) = handle.get_webview_window("main") {
            let _ = window.show();
        }
    });
    let data_dir = match paths::env_override() {
        Some(dir) => dir,
        None => app.path().app_local_data_dir()?,
    };
    // ONNX Runtime and the models ship as bundle resources.
    let resources = app.path().resource_dir()?;
    let ort = Some(resources.join("lib/libonnxruntime.so.1")).filter(|p| p.is_file());
    let models = Some(resources.join("models")).filter(|p| p.is_dir());
    let (moderator_ort, moderator_models) = (ort.clone(), models.clone());
    let options = Options {
        ort_lib: ort,
        models_dir: models,
        ..Options::default()
    };
    let opened = Services::open_with(
        &data_dir,
        move || {
            let (ort, models) = (moderator_ort.as_deref(), moderator_models.as_deref());
            Moderator::load(ort, models, Thresholds::default()).map(Arc::new)
        },
        options,
    );
    let services = match opened {
        Ok(services) => services,
        Err(e) => {
            eprintln!("likeness: could not open {}: {e}", data_dir.display());
            app.manage(StartupError(ApiError::from(e)));
            return Ok(());
        }
    };
    if let Some(note) = services.privacy.opening_sweep_note() {
        eprintln!("likeness: {note}");
    }
    let handle = app.handle().clone();
    let queue = JobQueue::start(
        services.db.clone(),
        services.vault.clone(),
        services.clock.clone(),
        services.staging_dir(),
        services.studio.clone(),
        move |event: JobEvent| {
            // Progress is best effort: a closed window must not fail a job.
            let _ = handle.emit(JOB_EVENT, event);
        },
    )?;
    let services = Arc::new(services);
    app.manage(AppState {
        services: services.clone(),
        queue: Arc::new(queue),
        exports: Arc::new(ExportDestinations::new(export::default_export_folder())),
        uploads: Arc::new(Uploads::new(services.staging_dir().join("uploads"))),
    });
    crate::links::listen(app.handle());
    // Check any portraits that predate moderation, off the main thread.
    // The models load on first use, so an idle app does not hold them.
    let checked = services.clone();
    std::thread::spawn(move || {
        if let Err(e) = checked.portraits.check_unmoderated() {
            eprintln!("likeness: could not check older portraits: {e}");
        }
    });
    // Cancels the cloud never heard (the app was cut off) are sent now, so
    // the credits held for those jobs come back.
    let cloud = services.clone();
    std::thread::spawn(move || match cloud.cloud.send_pending_cancels() {
        Ok(0) => {}
        Ok(sent) => eprintln!("likeness: told the cloud of {sent} cancelled job(s)"),
        Err(e) => eprintln!("likeness: could not tell the cloud of cancelled jobs: {e}"),
    });
    // Models no job or check has used for a while are let go (memory).
    let studio = services.studio.clone();
    std::thread::spawn(move || loop {
        std::thread::sleep(idle::RELEASE_AFTER / 4);
        studio.release_if_idle(idle::RELEASE_AFTER);
    });
    // Retention ran at open; it runs again every hour while the app does.
    std::thread::spawn(move || loop {
        std::thread::sleep(expiry::SWEEP_INTERVAL);
        let swept = services
            .privacy
            .expire()
            .and_then(|_| services.privacy.sweep());
        if let Err(e) = swept {
            eprintln!("likeness: could not apply retention: {e}");
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    /// A window shown before its page has painted is a blank flash at every
    /// launch: the main window must start hidden, for `on_page_load` (or
    /// `SHOW_ANYWAY`) to show it.
    #[test]
    fn the_main_window_starts_hidden_until_its_page_has_loaded() {
        let config: serde_json::Value =
            serde_json::from_str(include_str!("../tauri.conf.json")).unwrap();
        let main = config["app"]["windows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["label"] == "main")
            .expect("a main window");
        assert_eq!(main["visible"], false, "{main}");
    }
}
