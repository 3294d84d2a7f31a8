//! Secrets: passwords, keys, tokens and session ids, which must never be printed.
//!
//! Built on [`secrecy`]: a [`SecretString`] prints as `[REDACTED]` in `Debug`, and its value is
//! only reachable through [`ExposeSecret::expose_secret`], which makes every use easy to audit.

use std::fmt;

use http::HeaderValue;
pub use secrecy::{ExposeSecret, SecretSlice, SecretString};
use url::Url;

use crate::error::{Error, Result};

/// What a builder that takes a secret (a password, a key, a token) accepts: text (`&str`,
/// `String`, `&String`, `Box<str>`) or a [`SecretString`] the application already holds (moved,
/// or borrowed and cloned), so a secret kept wrapped never has to be exposed to be passed on.
///
/// ```
/// use biometric_core::{Credentials, ExposeSecret, SecretString};
/// let from_vault = SecretString::from("correct horse");
/// let a = Credentials::new("admin", &from_vault);
/// let b = Credentials::new("admin", from_vault);
/// let c = Credentials::new("admin", String::from("correct horse"));
/// let d = Credentials::new("admin", "correct horse");
/// for creds in [a, b, c, d] {
///     assert_eq!(creds.password().expose_secret(), "correct horse");
/// }
/// ```
pub trait IntoSecret {
    /// The value as a secret.
    fn into_secret(self) -> SecretString;
}

impl IntoSecret for SecretString {
    fn into_secret(self) -> SecretString {
        self
    }
}

impl IntoSecret for &SecretString {
    fn into_secret(self) -> SecretString {
        self.clone()
    }
}

impl IntoSecret for String {
    fn into_secret(self) -> SecretString {
        SecretString::from(self)
    }
}

impl IntoSecret for &String {
    fn into_secret(self) -> SecretString {
        SecretString::from(self.as_str())
    }
}

impl IntoSecret for &str {
    fn into_secret(self) -> SecretString {
        SecretString::from(self)
    }
}

impl IntoSecret for Box<str> {
    fn into_secret(self) -> SecretString {
        SecretString::from(self)
    }
}

/// A login name and its password.
///
/// ```
/// use biometric_core::Credentials;
/// let creds = Credentials::new("admin", "correct horse");
/// assert_eq!(creds.login(), "admin");
/// assert!(!format!("{creds:?}").contains("correct horse"));
/// ```
#[derive(Clone)]
pub struct Credentials {
    login: String,
    password: SecretString,
}

impl Credentials {
    /// Credentials from a login and a password.
    pub fn new(login: impl Into<String>, password: impl IntoSecret) -> Self {
        Credentials {
            login: login.into(),
            password: password.into_secret(),
        }
    }

    /// The login name (not secret).
    pub fn login(&self) -> &str {
        &self.login
    }

    /// The password.
    pub fn password(&self) -> &SecretString {
        &self.password
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("login", &self.login)
            .field("password", &"[REDACTED]")
            .finish()
    }
}

/// A header value built from a secret and marked sensitive, so that HTTP stacks leave it out of
/// their own debug output.
///
/// ```
/// use biometric_core::{SecretString, sensitive_header};
/// let value = sensitive_header("Bearer ", &SecretString::from("tok")).unwrap();
/// assert!(value.is_sensitive());
/// assert!(!format!("{value:?}").contains("tok"));
/// ```
pub fn sensitive_header(prefix: &str, secret: &SecretString) -> Result<HeaderValue> {
    let text = format!("{prefix}{}", secret.expose_secret());
    // `http` also takes bytes 0x80-0xFF (obs-text), which a server reads as opaque bytes, not
    // as the text the caller typed: refused like control characters.
    let visible = text.bytes().all(|b| b == b' ' || b.is_ascii_graphic());
    let mut value = HeaderValue::try_from(text)
        .ok()
        .filter(|_| visible)
        .ok_or_else(|| {
            Error::invalid("credential", "must be visible ASCII to travel in a header")
        })?;
    value.set_sensitive(true);
    Ok(value)
}

/// The text that replaces secret values in logs.
pub const REDACTED: &str = "REDACTED";

/// `url` for logging: the value of every query parameter not named in `loggable` is replaced by
/// [`REDACTED`].
///
/// An allow-list, not a deny-list: a secret parameter nobody thought of (a session, a lock id, a
/// signed-URL token) stays hidden; a parameter is shown only when someone decided it is safe.
///
/// ```
/// use biometric_core::{Url, redact_url};
/// let url = Url::parse("http://dev/1.0/logs?lock_uid=0b7c&page=2").unwrap();
/// assert_eq!(redact_url(&url, &["page"]), "http://dev/1.0/logs?lock_uid=REDACTED&page=2");
/// ```
pub fn redact_url(url: &Url, loggable: &[&str]) -> String {
    if url.query().is_none() {
        return url.to_string();
    }
    let mut redacted = url.clone();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let value = if loggable.iter().any(|s| s.eq_ignore_ascii_case(&k)) {
                v.into_owned()
            } else {
                REDACTED.to_owned()
            };
            (k.into_owned(), value)
        })
        .collect();
    redacted.query_pairs_mut().clear().extend_pairs(pairs);
    redacted.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_only_loggable_parameters() {
        let url = Url::parse("http://dev/x.fcgi?session=abc%2Fd&user_id=7").unwrap();
        let text = redact_url(&url, &["user_id"]);
        assert_eq!(text, "http://dev/x.fcgi?session=REDACTED&user_id=7");
    }
}
