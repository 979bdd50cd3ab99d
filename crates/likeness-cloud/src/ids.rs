//! Random identifiers and account tokens from the operating system's CSPRNG.
//!
//! Ids carry a short prefix saying what they name (`acct_`, `ord_`, `rcpt_`),
//! as Stripe's do, so a log line or a support request is unambiguous.

/// `n` random bytes.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).expect("the operating system's random source failed");
    bytes
}

/// A new id: `prefix`, an underscore and 24 hex digits (96 random bits).
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", hex::encode(random_bytes::<12>()))
}

/// A new account token: `lk_` and 64 hex digits (256 random bits).
pub fn new_token() -> String {
    format!("lk_{}", hex::encode(random_bytes::<32>()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_prefixed_and_distinct() {
        let a = new_id("ord");
        let b = new_id("ord");
        assert!(a.starts_with("ord_") && a.len() == 28);
        assert_ne!(a, b);
        assert_eq!(new_token().len(), 67);
    }
}
