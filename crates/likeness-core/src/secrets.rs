//! Secrets live only in the OS keyring (Secret Service on Linux, Keychain on
//! macOS, Credential Manager on Windows), behind [`SecretStore`]. A secret in
//! memory is a [`Sensitive`]: it prints as `<redacted>` and cannot be
//! serialized, so it cannot end up in a log, a setting or a file by accident.

use std::fmt;

use crate::error::{Coded, ErrorCode};

/// A value that must not be shown: `Debug` and `Display` print `<redacted>`,
/// and it implements no `Serialize`.
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The value itself, for the one place that uses it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Why the keyring could not be used.
#[derive(Debug, thiserror::Error)]
#[error(
    "Likeness keeps the key that encrypts your library in your system keyring, and could not \
     use it ({0}). Unlock or set up the keyring (on Linux: a Secret Service such as GNOME \
     Keyring or KWallet) and start Likeness again; it will not open your library without it."
)]
pub struct KeyringUnavailable(pub String);

impl Coded for KeyringUnavailable {
    fn code(&self) -> ErrorCode {
        ErrorCode::KeyringUnavailable
    }
}

/// Where secrets are kept. A missing entry is `None`, never an error.
pub trait SecretStore: Send + Sync {
    fn get(&self, name: &str) -> Result<Option<Sensitive<String>>, KeyringUnavailable>;
    fn set(&self, name: &str, value: &Sensitive<String>) -> Result<(), KeyringUnavailable>;
    /// Forget `name`; one that is not there is not an error.
    fn delete(&self, name: &str) -> Result<(), KeyringUnavailable>;
}

/// The OS keyring, under one service name.
pub struct Keyring {
    service: String,
}

impl Keyring {
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    fn entry(&self, name: &str) -> Result<keyring::Entry, KeyringUnavailable> {
        keyring::Entry::new(&self.service, name).map_err(unavailable)
    }
}

/// The service name Likeness's secrets are filed under.
pub const SERVICE: &str = "studio.likeness.app";

impl Default for Keyring {
    fn default() -> Self {
        Self::new(SERVICE)
    }
}

fn unavailable(e: keyring::Error) -> KeyringUnavailable {
    KeyringUnavailable(e.to_string())
}

impl SecretStore for Keyring {
    fn get(&self, name: &str) -> Result<Option<Sensitive<String>>, KeyringUnavailable> {
        match self.entry(name)?.get_password() {
            Ok(secret) => Ok(Some(Sensitive::new(secret))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    fn set(&self, name: &str, value: &Sensitive<String>) -> Result<(), KeyringUnavailable> {
        self.entry(name)?
            .set_password(value.expose())
            .map_err(unavailable)
    }

    fn delete(&self, name: &str) -> Result<(), KeyringUnavailable> {
        match self.entry(name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }
}

/// Secrets in memory, for unit tests only: integration tests use the real
/// keyring (under a private Secret Service, see `scripts/with-keyring.sh`).
#[cfg(test)]
#[derive(Default)]
pub struct MemoryStore(std::sync::Mutex<std::collections::HashMap<String, String>>);

#[cfg(test)]
impl SecretStore for MemoryStore {
    fn get(&self, name: &str) -> Result<Option<Sensitive<String>>, KeyringUnavailable> {
        Ok(crate::sync::lock(&self.0)
            .get(name)
            .cloned()
            .map(Sensitive::new))
    }

    fn set(&self, name: &str, value: &Sensitive<String>) -> Result<(), KeyringUnavailable> {
        crate::sync::lock(&self.0).insert(name.into(), value.expose().clone());
        Ok(())
    }

    fn delete(&self, name: &str) -> Result<(), KeyringUnavailable> {
        crate::sync::lock(&self.0).remove(name);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sensitive_value_prints_as_redacted() {
        let key = Sensitive::new("0123abcd".to_string());
        assert_eq!(format!("{key} {key:?}"), "<redacted> <redacted>");
        assert_eq!(key.expose(), "0123abcd");
    }

    #[test]
    fn a_missing_secret_is_none_and_deleting_it_twice_is_fine() {
        let store = MemoryStore::default();
        assert!(store.get("k").unwrap().is_none());
        store.set("k", &Sensitive::new("v".into())).unwrap();
        assert_eq!(store.get("k").unwrap().unwrap().expose(), "v");
        store.delete("k").unwrap();
        store.delete("k").unwrap();
        assert!(store.get("k").unwrap().is_none());
    }
}
