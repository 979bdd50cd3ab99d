//! The `vault:` protocol: the only way the window gets an image. It serves
//! one vault item by the id of its row (`vault://localhost/portrait%2F12`),
//! decrypted in memory, to the main window only; nothing on disk is ever
//! readable by the webview.

use likeness_core::vault::VaultItem;
use tauri::http::{header, Request, Response, StatusCode};
use tauri::{Manager, Runtime, UriSchemeContext, UriSchemeResponder};

use crate::commands::percent_decode;
use crate::state::AppState;

pub const SCHEME: &str = "vault";

/// Answer one request, off the main thread.
pub fn handle<R: Runtime>(
    ctx: UriSchemeContext<'_, R>,
    request: Request<Vec<u8>>,
    responder: UriSchemeResponder,
) {
    let item = (ctx.webview_label() == "main")
        .then(|| VaultItem::parse(&percent_decode(request.uri().path())))
        .flatten();
    let services = ctx.app_handle().state::<AppState>().services.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let read = item.map(|item| services.privacy.read_item(&item));
        let response = match read {
            Some(Ok((bytes, media_type))) => Response::builder()
                .header(header::CONTENT_TYPE, media_type)
                // Private data: never kept in a cache on disk.
                .header(header::CACHE_CONTROL, "no-store")
                .body(bytes),
            _ => Response::builder()
                .status(StatusCode::NOT_FOUND)
                .body(Vec::new()),
        };
        responder.respond(response.unwrap_or_else(|_| Response::new(Vec::new())));
    });
}
