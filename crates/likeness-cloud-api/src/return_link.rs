//! The link a checkout opened in the system browser returns to the app with:
//! `likeness://checkout/return?order=<id>`, with `&cancelled=true` when the
//! buyer cancelled. The server's return page offers it; the app parses it.
//!
//! Anyone can hand the app a link (a web page, another program), so it is
//! parsed strictly. The link only makes the app ask the server how that
//! order stands; it proves nothing and can change nothing.

/// The scheme the app registers with the OS.
pub const SCHEME: &str = "likeness";
/// Links longer than this are refused unread.
const MAX_LEN: usize = 256;

/// Why a link was not used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReturnLinkError {
    #[error("it is not a Likeness checkout link.")]
    NotACheckoutLink,
    #[error("it does not name an order properly.")]
    BadOrder,
}

/// The order id in a checkout return link, or why the link is refused.
pub fn order_in_return_link(link: &str) -> Result<&str, ReturnLinkError> {
    if link.len() > MAX_LEN {
        return Err(ReturnLinkError::NotACheckoutLink);
    }
    let rest = link
        .strip_prefix(SCHEME)
        .and_then(|r| r.strip_prefix("://checkout/return?"))
        .ok_or(ReturnLinkError::NotACheckoutLink)?;
    let mut order = None;
    for pair in rest.split('&') {
        match pair.split_once('=') {
            Some(("order", id)) if order.is_none() => order = Some(id),
            Some(("cancelled", "true")) => {}
            Some(("order", _)) => return Err(ReturnLinkError::BadOrder),
            _ => return Err(ReturnLinkError::NotACheckoutLink),
        }
    }
    let order = order.ok_or(ReturnLinkError::BadOrder)?;
    if !is_order_id(order) {
        return Err(ReturnLinkError::BadOrder);
    }
    Ok(order)
}

/// Whether `id` is an order id: `ord_` and 24 lowercase hex digits, as the server makes them.
pub fn is_order_id(id: &str) -> bool {
    id.strip_prefix("ord_").is_some_and(|hex| {
        hex.len() == 24 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// The link back to the app for `order_id`, which must be an order id.
pub fn return_link(order_id: &str, cancelled: bool) -> String {
    debug_assert!(is_order_id(order_id));
    let cancelled = if cancelled { "&cancelled=true" } else { "" };
    format!("{SCHEME}://checkout/return?order={order_id}{cancelled}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORDER: &str = "ord_0123456789abcdef01234567";

    #[test]
    fn a_checkout_return_link_names_its_order() {
        let link = format!("likeness://checkout/return?order={ORDER}");
        assert_eq!(order_in_return_link(&link).unwrap(), ORDER);
        let cancelled = format!("likeness://checkout/return?order={ORDER}&cancelled=true");
        assert_eq!(order_in_return_link(&cancelled).unwrap(), ORDER);
        let first = format!("likeness://checkout/return?cancelled=true&order={ORDER}");
        assert_eq!(order_in_return_link(&first).unwrap(), ORDER);
    }

    #[test]
    fn the_return_link_reads_back_as_its_order() {
        for cancelled in [false, true] {
            assert_eq!(
                order_in_return_link(&return_link(ORDER, cancelled)),
                Ok(ORDER)
            );
        }
    }

    #[test]
    fn hostile_or_malformed_links_are_refused() {
        let long = format!(
            "likeness://checkout/return?order={ORDER}&{}",
            "a".repeat(300)
        );
        for (link, expected) in [
            ("", ReturnLinkError::NotACheckoutLink),
            ("likeness://", ReturnLinkError::NotACheckoutLink),
            (
                "likeness://checkout/return",
                ReturnLinkError::NotACheckoutLink,
            ),
            (
                "https://checkout/return?order=x",
                ReturnLinkError::NotACheckoutLink,
            ),
            (
                "LIKENESS://checkout/return?order=x",
                ReturnLinkError::NotACheckoutLink,
            ),
            (
                "likeness://checkout/pay?order=x",
                ReturnLinkError::NotACheckoutLink,
            ),
            (
                "likeness://evil.example/checkout/return?order=x",
                ReturnLinkError::NotACheckoutLink,
            ),
            (
                "likeness://checkout/return/../../delete?order=x",
                ReturnLinkError::NotACheckoutLink,
            ),
            (
                "likeness://checkout/return?",
                ReturnLinkError::NotACheckoutLink,
            ),
            (
                "likeness://checkout/return?cancelled=true",
                ReturnLinkError::BadOrder,
            ),
            (
                "likeness://checkout/return?order=",
                ReturnLinkError::BadOrder,
            ),
            (
                "likeness://checkout/return?order=../../etc/passwd",
                ReturnLinkError::BadOrder,
            ),
            (
                "likeness://checkout/return?order=ord_0123456789ABCDEF01234567",
                ReturnLinkError::BadOrder,
            ),
            (
                "likeness://checkout/return?order=ord_0123456789abcdef0123456",
                ReturnLinkError::BadOrder,
            ),
            (
                "likeness://checkout/return?order=ord_0123456789abcdef01234567%00",
                ReturnLinkError::BadOrder,
            ),
            (&long, ReturnLinkError::NotACheckoutLink),
        ] {
            assert_eq!(order_in_return_link(link), Err(expected), "{link}");
        }
        for extra in [
            "&next=https://evil.example",
            "&order=ord_000000000000000000000000",
            "&cancelled=1",
        ] {
            let link = format!("likeness://checkout/return?order={ORDER}{extra}");
            assert!(order_in_return_link(&link).is_err(), "{link}");
        }
    }
}
