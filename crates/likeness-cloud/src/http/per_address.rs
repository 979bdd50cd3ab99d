//! A per-address limit for the one unauthenticated call that writes:
//! creating an account. Counted in this node's memory only, so that no
//! address is ever stored; each `serve` node limits on its own, and a proxy in
//! front should pass real peer addresses (or apply its own limit).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Accounts one address may create per minute on one node.
pub const ACCOUNTS_PER_MINUTE: u32 = 20;

const WINDOW: Duration = Duration::from_secs(60);
/// Past this many addresses, windows that have ended are dropped.
const PRUNE_AT: usize = 10_000;

/// Fixed one-minute windows per address.
#[derive(Default)]
pub struct PerAddress {
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl PerAddress {
    /// Count one call from `address` at `now`; false when it is over the limit.
    pub fn allow(&self, address: IpAddr, now: Instant) -> bool {
        let mut windows = likeness_core::sync::lock(&self.windows);
        if windows.len() >= PRUNE_AT {
            windows.retain(|_, (started, _)| now.duration_since(*started) < WINDOW);
        }
        let window = windows.entry(address).or_insert((now, 0));
        if now.duration_since(window.0) >= WINDOW {
            *window = (now, 0);
        }
        window.1 += 1;
        window.1 <= ACCOUNTS_PER_MINUTE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_allowance_each_minute_and_others_are_not_affected() {
        let limit = PerAddress::default();
        let start = Instant::now();
        let one: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..ACCOUNTS_PER_MINUTE {
            assert!(limit.allow(one, start));
        }
        assert!(!limit.allow(one, start + Duration::from_secs(59)));
        assert!(limit.allow(other, start + Duration::from_secs(59)));
        assert!(limit.allow(one, start + WINDOW));
    }
}
