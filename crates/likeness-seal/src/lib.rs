//! Authenticated encryption of one file at a time, and keyed names.
//!
//! A sealed file is `nonce (24 bytes) ‖ ciphertext ‖ tag (16 bytes)`, made
//! with XChaCha20-Poly1305: a random 192-bit nonce per file is safe to pick at
//! random, and the tag makes any change to the file (or moving it under
//! another name, through the associated data) an error rather than garbage.
//! The functions are not generic, so that the crate's own `opt-level`
//! applies to the cipher even in debug builds of its users.

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Bytes of a key.
pub const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;

/// A fresh random key.
pub fn random_key() -> [u8; KEY_LEN] {
    XChaCha20Poly1305::generate_key(&mut OsRng).into()
}

/// `plaintext` sealed under `key`, bound to `aad`.
pub fn seal(key: &[u8; KEY_LEN], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let cipher = XChaCha20Poly1305::new(key.into());
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let sealed = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .expect("XChaCha20-Poly1305 encrypts any length a Vec can hold");
    let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    out
}

/// The plaintext of `sealed`, if it was sealed under `key` with `aad` and not
/// changed since; `None` otherwise.
pub fn open(key: &[u8; KEY_LEN], aad: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
    if sealed.len() < NONCE_LEN {
        return None;
    }
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    XChaCha20Poly1305::new(key.into())
        .decrypt(XNonce::from_slice(nonce), Payload { msg: body, aad })
        .ok()
}

/// HMAC-SHA256 of `message` under `key`: keyed names, and keys derived from a
/// master key by a label.
pub fn keyed_hash(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_file_opens_only_with_its_key_and_name_and_unchanged() {
        let key = random_key();
        let sealed = seal(&key, b"originals/abc", b"a face");
        assert_eq!(
            open(&key, b"originals/abc", &sealed).as_deref(),
            Some(&b"a face"[..])
        );
        assert_eq!(open(&random_key(), b"originals/abc", &sealed), None);
        assert_eq!(open(&key, b"originals/abd", &sealed), None);
        let mut flipped = sealed.clone();
        flipped[30] ^= 1;
        assert_eq!(open(&key, b"originals/abc", &flipped), None);
        assert_eq!(open(&key, b"originals/abc", &sealed[..10]), None);
    }

    #[test]
    fn the_same_file_sealed_twice_looks_different() {
        let key = random_key();
        assert_ne!(seal(&key, b"", b"same"), seal(&key, b"", b"same"));
    }
}
