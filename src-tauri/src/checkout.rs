//! The checkout window: the payment provider's page (the local checkout page,
//! or Stripe Checkout) in a window of its own. No capability names its label,
//! so it has no IPC at all. It may go only to the checkout's own origin and
//! to the server's return page; reaching the return page, or the user closing
//! the window, ends it. Neither proves a payment: the caller then asks the
//! server for the order's state.

use std::sync::mpsc;

use likeness_core::cloud::CheckoutStarted;
use likeness_core::ErrorCode;
use tauri::{AppHandle, Manager, Url, WebviewUrl, WebviewWindowBuilder, WindowEvent};

use crate::error::{run_blocking, ApiError};

/// The window's label. `capabilities/` grants it nothing.
pub const LABEL: &str = "checkout";

/// How a checkout window ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// It reached the return page (paid, declined or cancelled: the server says which).
    Returned,
    /// The user closed it.
    Closed,
}

fn failed(message: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        ErrorCode::CheckoutFailed,
        format!("The checkout window could not be used: {message}"),
    )
}

/// Whether the window may load `url`: the checkout's origin, or the return page.
fn allowed(url: &Url, checkout: &Url, return_page: &Url) -> bool {
    url.origin() == checkout.origin()
        || (url.origin() == return_page.origin() && url.path() == return_page.path())
}

/// Open `checkout` in its window and wait until it ends.
pub async fn run(app: &AppHandle, checkout: &CheckoutStarted) -> Result<Ending, ApiError> {
    let page = Url::parse(&checkout.checkout_url).map_err(failed)?;
    let return_page = Url::parse(&checkout.return_url).map_err(failed)?;
    if !matches!(page.scheme(), "https" | "http") {
        return Err(failed("the checkout address is not a web page"));
    }
    if let Some(open) = app.get_webview_window(LABEL) {
        let _ = open.destroy();
    }
    let (ended, endings) = mpsc::channel::<Ending>();
    let on_return = ended.clone();
    let window = WebviewWindowBuilder::new(app, LABEL, WebviewUrl::External(page.clone()))
        .title("Likeness — checkout")
        .inner_size(520.0, 760.0)
        .on_navigation(move |url| {
            if url.origin() == return_page.origin() && url.path() == return_page.path() {
                let _ = on_return.send(Ending::Returned);
                return false;
            }
            allowed(url, &page, &return_page)
        })
        .build()
        .map_err(failed)?;
    window.on_window_event(move |event| {
        if let WindowEvent::Destroyed = event {
            let _ = ended.send(Ending::Closed);
        }
    });
    let ending = run_blocking(move || {
        endings
            .recv()
            .map_err(|_| failed("it closed without a word"))
    })
    .await?;
    let _ = window.destroy();
    Ok(ending)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checkout_window_goes_only_to_the_checkout_origin_and_the_return_page() {
        let checkout = Url::parse("https://checkout.stripe.com/c/pay/cs_1").unwrap();
        let return_page = Url::parse("http://127.0.0.1:8787/checkout/return").unwrap();
        for (url, expected) in [
            ("https://checkout.stripe.com/c/pay/cs_1#step2", true),
            ("https://checkout.stripe.com/other", true),
            ("http://127.0.0.1:8787/checkout/return?order=ord_1", true),
            ("http://127.0.0.1:8787/v1/balance", false),
            ("https://evil.example/phish", false),
            ("http://checkout.stripe.com/c/pay/cs_1", false),
            ("file:///etc/passwd", false),
        ] {
            let url = Url::parse(url).unwrap();
            assert_eq!(allowed(&url, &checkout, &return_page), expected, "{url}");
        }
    }
}
