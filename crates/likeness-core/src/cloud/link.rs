//! A checkout in the system browser comes back as a `likeness://` link
//! ([`likeness_cloud_api::return_link`]). It is used only for an order this
//! data folder started, and only to ask the server how that order stands.

use likeness_cloud_api::return_link::order_in_return_link;

use super::{sql, Cloud, CloudError, CloudOrder};

impl Cloud {
    /// The browser came back with `link`: ask the server how its order stands
    /// (waiting [`super::SETTLE`] at most for its payment to settle).
    pub fn checkout_returned(&self, link: &str) -> Result<CloudOrder, CloudError> {
        let order_id = order_in_return_link(link)?;
        let known = self
            .db
            .read(|conn| Ok::<_, CloudError>(sql::order_known(conn, order_id)?))?;
        if !known {
            return Err(CloudError::UnknownOrder);
        }
        self.order_settled(order_id, super::SETTLE)
    }
}
