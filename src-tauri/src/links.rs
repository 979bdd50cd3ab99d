//! `likeness://` links. A checkout finished in the system browser comes back
//! as one: the OS starts a second Likeness with the link, the single-instance
//! plugin hands it to the running one, and the deep-link plugin reads it. The
//! core decides what a link may do: only ask the server how an order this app
//! started stands. The window hears [`LINK_OPENED`] and asks for the outcome,
//! so the outcome of a link that started the app is kept until it asks.

use std::sync::Mutex;

use likeness_core::cloud::CloudOrder;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, State, Url};
use tauri_plugin_deep_link::DeepLinkExt;
use ts_rs::TS;

use crate::error::ApiError;
use crate::events::LINK_OPENED;
use crate::state::AppState;

/// What the last link did.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export)]
pub enum LinkOutcome {
    /// A checkout came back; this is how the server says its order stands.
    Order { order: CloudOrder },
    /// The link was refused and did nothing.
    Refused { error: ApiError },
}

/// The outcome the window has not asked for yet.
#[derive(Default)]
pub struct Links(Mutex<Option<LinkOutcome>>);

impl Links {
    pub fn take(&self) -> Option<LinkOutcome> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    fn put(&self, outcome: LinkOutcome) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(outcome);
    }
}

/// Listen for links, and handle the one this process was started with.
pub fn listen(app: &AppHandle) {
    register(app);
    let handle = app.clone();
    app.deep_link().on_open_url(move |event| {
        if let Some(url) = event.urls().into_iter().next() {
            opened(&handle, url);
        }
    });
    if let Ok(Some(urls)) = app.deep_link().get_current() {
        if let Some(url) = urls.into_iter().next() {
            opened(app, url);
        }
    }
}

/// A package registers the scheme when it is installed; a build run from
/// its folder (`scripts/run.sh`) registers it for this user at start.
fn register(app: &AppHandle) {
    #[cfg(target_os = "linux")]
    {
        let installed = tauri::utils::platform::current_exe()
            .map(|exe| exe.starts_with("/usr"))
            .unwrap_or(true);
        if !installed {
            let app = app.clone();
            std::thread::spawn(move || {
                if let Err(e) = app.deep_link().register_all() {
                    eprintln!("likeness: could not register likeness:// links: {e}");
                }
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = app;
}

fn opened(app: &AppHandle, url: Url) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let outcome = match app.try_state::<AppState>() {
            Some(state) => {
                let link = url.to_string();
                state
                    .on_services(move |services| Ok(services.cloud.checkout_returned(&link)?))
                    .await
            }
            // The data folder did not open: the window says why already.
            None => return,
        };
        let outcome = match outcome {
            Ok(order) => LinkOutcome::Order { order },
            Err(error) => {
                eprintln!("likeness: a link was not used: {}", error.message);
                LinkOutcome::Refused { error }
            }
        };
        app.state::<Links>().put(outcome);
        let _ = app.emit(LINK_OPENED, ());
    });
}

/// The outcome of the last link, once.
#[tauri::command]
pub fn take_link_outcome(links: State<'_, Links>) -> Option<LinkOutcome> {
    links.take()
}
