//! Webhook signatures, exactly as Stripe makes and checks them.
//!
//! The header is `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`;
//! each `v1` is HMAC-SHA256, keyed with the whole endpoint secret, over
//! `"{t}.{raw body}"`. Any one `v1` may match (two are sent while a secret is
//! being rotated); other schemes (`v0`) are ignored. A timestamp more than
//! [`TOLERANCE_SECS`] in the past is refused, which stops replays. The
//! comparison is constant-time. The local provider signs with [`sign`], so
//! its events go through the same check as Stripe's.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::secret::Secret;

/// How old a signature's timestamp may be, as in Stripe's libraries.
pub const TOLERANCE_SECS: i64 = 300;

/// Why a webhook's signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the request has no Stripe-Signature header")]
    Missing,
    #[error("the Stripe-Signature header has no timestamp or no v1 signature")]
    Malformed,
    #[error("no v1 signature in the Stripe-Signature header matches this body")]
    Mismatch,
    #[error("the signature's timestamp is more than {TOLERANCE_SECS} s old")]
    TooOld,
}

impl SignatureError {
    /// The stable code sent to the caller.
    pub fn code(&self) -> &'static str {
        match self {
            SignatureError::Missing => "signature_missing",
            SignatureError::Malformed => "signature_malformed",
            SignatureError::Mismatch => "signature_mismatch",
            SignatureError::TooOld => "signature_expired",
        }
    }
}

fn mac(secret: &Secret, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `v1` signature of `body` at `timestamp`, in hex.
pub fn v1(secret: &Secret, timestamp: i64, body: &[u8]) -> String {
    hex::encode(
        mac(secret, &timestamp.to_string(), body)
            .finalize()
            .into_bytes(),
    )
}

/// A whole `Stripe-Signature` header value for `body` signed at `timestamp`.
pub fn sign(secret: &Secret, timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", v1(secret, timestamp, body))
}

/// Check `header` against `body` at time `now` (Unix seconds). Returns the
/// signed timestamp.
pub fn verify(
    header: Option<&str>,
    body: &[u8],
    secret: &Secret,
    now: i64,
) -> Result<i64, SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for item in header.split(',') {
        let Some((key, value)) = item.trim().split_once('=') else {
            continue;
        };
        match key {
            "t" => timestamp = Some(value),
            "v1" => signatures.push(value),
            _ => {}
        }
    }
    let timestamp_text = timestamp.ok_or(SignatureError::Malformed)?;
    let timestamp: i64 = timestamp_text
        .parse()
        .map_err(|_| SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let matched = signatures.iter().any(|candidate| {
        hex::decode(candidate).is_ok_and(|candidate| {
            mac(secret, timestamp_text, body)
                .verify_slice(&candidate)
                .is_ok()
        })
    });
    if !matched {
        return Err(SignatureError::Mismatch);
    }
    if timestamp < now - TOLERANCE_SECS {
        return Err(SignatureError::TooOld);
    }
    Ok(timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;
    const BODY: &[u8] = br#"{"id":"evt_1","type":"checkout.session.completed"}"#;

    fn secret() -> Secret {
        Secret::new("whsec_test_secret")
    }

    #[test]
    fn a_body_signed_with_the_secret_verifies() {
        let header = sign(&secret(), NOW, BODY);
        assert_eq!(verify(Some(&header), BODY, &secret(), NOW), Ok(NOW));
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // From openssl: printf '%s' "1800000000.$BODY" | openssl dgst -sha256 -hmac whsec_test_secret
        assert_eq!(
            v1(&secret(), NOW, BODY),
            "a5e7a4e212d19ae228f9bbfe2fd930bb48cd47c3dc118985dcb4103da864e05f"
        );
    }

    #[test]
    fn any_v1_may_match_while_a_secret_rotates() {
        let old = v1(&Secret::new("whsec_old"), NOW, BODY);
        let header = format!("t={NOW},v1={old},v1={},v0=abc", v1(&secret(), NOW, BODY));
        assert_eq!(verify(Some(&header), BODY, &secret(), NOW), Ok(NOW));
    }

    #[test]
    fn a_tampered_body_is_refused() {
        let header = sign(&secret(), NOW, BODY);
        let tampered = br#"{"id":"evt_1","type":"checkout.session.completed","x":1}"#;
        assert_eq!(
            verify(Some(&header), tampered, &secret(), NOW),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn a_signature_older_than_five_minutes_is_refused_but_a_fresh_one_is_not() {
        let header = sign(&secret(), NOW - 301, BODY);
        assert_eq!(
            verify(Some(&header), BODY, &secret(), NOW),
            Err(SignatureError::TooOld)
        );
        let header = sign(&secret(), NOW - 300, BODY);
        assert!(verify(Some(&header), BODY, &secret(), NOW).is_ok());
    }

    #[test]
    fn a_header_without_timestamp_or_v1_is_malformed() {
        let sig = v1(&secret(), NOW, BODY);
        for header in [
            format!("v1={sig}"),
            format!("t={NOW}"),
            format!("t=soon,v1={sig}"),
            String::new(),
        ] {
            assert_eq!(
                verify(Some(&header), BODY, &secret(), NOW),
                Err(SignatureError::Malformed),
                "{header}"
            );
        }
        assert_eq!(
            verify(None, BODY, &secret(), NOW),
            Err(SignatureError::Missing)
        );
    }

    #[test]
    fn a_signature_made_with_another_secret_is_refused() {
        let header = sign(&Secret::new("whsec_other"), NOW, BODY);
        assert_eq!(
            verify(Some(&header), BODY, &secret(), NOW),
            Err(SignatureError::Mismatch)
        );
    }
}
