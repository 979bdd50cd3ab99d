//! [`Secret`]: a value that must never reach a log or a response. It prints
//! `<redacted>` and is not `Serialize`, so it cannot be sent by accident.

use std::fmt;

/// A secret string (an API key, a webhook secret, a token).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_prints_redacted() {
        let secret = Secret::new("whsec_abc");
        assert_eq!(format!("{secret:?} {secret}"), "<redacted> <redacted>");
    }
}
