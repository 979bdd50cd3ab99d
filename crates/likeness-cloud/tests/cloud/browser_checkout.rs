//! Checkout in the system browser: the server's return page links back to
//! the app (`likeness://checkout/return?order=…`), and the app, given that
//! link, asks the server how the order stands. A link for an order this
//! data folder did not start, or a malformed one, is refused and changes
//! nothing.

use std::sync::Arc;

use likeness_core::cloud::{CloudBalance, CloudOrder, CloudOrderState};
use likeness_core::{Coded, ErrorCode, Services};

use crate::app_cloud::{app, blocking};
use crate::harness::Cloud;

/// The `likeness://` link on the return page the browser was sent to.
async fn link_on(cloud: &Cloud, return_page: &str) -> String {
    let page = cloud.http.get(return_page).send().await.unwrap();
    let html = page.text().await.unwrap();
    let start = html
        .find("href=\"likeness://")
        .unwrap_or_else(|| panic!("no link back to the app:\n{html}"))
        + "href=\"".len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

/// The app given `link` (it waits for the order to settle), and the balance then.
async fn returned(services: &Arc<Services>, link: String) -> (CloudOrder, CloudBalance) {
    let s = services.clone();
    blocking(move || {
        let order = s.cloud.checkout_returned(&link).unwrap();
        (order, s.cloud.balance().unwrap())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paying_in_the_browser_comes_back_through_the_app_link_and_the_server_confirms_it() {
    let cloud = Cloud::start().await;
    let dir = tempfile::tempdir().unwrap();
    let services = app(&cloud, dir.path());
    let s = services.clone();
    let started = blocking(move || s.cloud.start_checkout("starter").unwrap()).await;

    let (_, back) = cloud.press(&started.checkout_url, "", "Pay").await;
    let link = link_on(&cloud, &back.unwrap()).await;
    assert_eq!(
        link,
        format!("likeness://checkout/return?order={}", started.order_id)
    );
    let (order, balance) = returned(&services, link).await;
    assert_eq!(order.state, CloudOrderState::Paid);
    assert_eq!(balance.credits, order.credits);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_in_the_browser_comes_back_as_an_expired_order_with_nothing_charged() {
    let cloud = Cloud::start().await;
    let dir = tempfile::tempdir().unwrap();
    let services = app(&cloud, dir.path());
    let s = services.clone();
    let started = blocking(move || s.cloud.start_checkout("starter").unwrap()).await;

    let (_, back) = cloud.press(&started.checkout_url, "", "Cancel").await;
    let link = link_on(&cloud, &back.unwrap()).await;
    assert!(link.ends_with("&cancelled=true"), "{link}");
    let (order, balance) = returned(&services, link).await;
    assert_eq!(order.state, CloudOrderState::Expired);
    assert_eq!(balance.credits, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_for_another_apps_order_or_a_malformed_link_is_refused_and_changes_nothing() {
    let cloud = Cloud::start().await;
    let (mine, theirs) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let services = app(&cloud, mine.path());
    let other = app(&cloud, theirs.path());
    let s = other.clone();
    let started = blocking(move || s.cloud.start_checkout("starter").unwrap()).await;
    cloud.press(&started.checkout_url, "", "Pay").await;
    let their_link = format!("likeness://checkout/return?order={}", started.order_id);

    let s = services.clone();
    let refusals = blocking(move || {
        [
            their_link.as_str(),
            "likeness://checkout/return?order=../../v1/account",
            "likeness://checkout/return?order=ord_0123456789abcdef01234567&next=https://evil.example",
            "likeness://delete-everything",
        ]
        .map(|link| s.cloud.checkout_returned(link).unwrap_err())
    })
    .await;
    for refusal in &refusals {
        assert_eq!(refusal.code(), ErrorCode::BadLink, "{refusal}");
        assert!(refusal
            .to_string()
            .starts_with("Likeness did not use this link"));
    }
    assert!(refusals[0]
        .to_string()
        .contains("not for an order this app started"));
    let s = services.clone();
    let (orders, balance) = blocking(move || {
        let orders: i64 =
            s.db.read(|c| {
                Ok::<_, likeness_core::db::DbError>(c.query_row(
                    "SELECT count(*) FROM cloud_orders",
                    [],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
        (orders, s.cloud.balance().unwrap())
    })
    .await;
    assert_eq!(orders, 0, "no order was recorded from a link");
    assert_eq!(balance.credits, 0);
}
