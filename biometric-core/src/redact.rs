//! What may be printed of a response: bodies truncated, secret-looking values replaced.
//!
//! Errors keep the exact bytes a server sent (for a caller who needs them), but their `Debug` and
//! `Display` go through this module, because error values end up in logs. The rules:
//!
//! - a JSON body is shown with the value of every field whose name looks secret ([`is_secret_name`]:
//!   tokens, passwords, keys, sessions, lock ids, images, templates...) replaced by
//!   [`REDACTED`], every other string longer than 48 characters (base64
//!   payloads, opaque tokens under an innocent name) replaced by its length, and token-like runs
//!   inside shorter strings (a UUID in a message) elided as [`scrub_text`] does;
//! - any other text has its long token-like runs replaced the same way ([`scrub_text`]);
//! - the result is cut at [`PREVIEW_CHARS`] characters.
//!
//! ```
//! use biometric_core::redact::body_preview;
//! let body = br#"{"access":"eyJhbGciOiJIUzI1NiJ9.e30.sig","user":"ana","valid":true}"#;
//! let shown = body_preview(body);
//! assert!(!shown.contains("eyJ"));
//! assert!(shown.contains(r#""user":"ana""#));
//! ```

use std::fmt;

use http::HeaderMap;
use serde_json::Value;

use crate::secret::REDACTED;

/// The most characters of a body that `Debug` or `Display` shows.
pub const PREVIEW_CHARS: usize = 256;

/// Strings longer than this are shown as their length (base64 images, tokens, templates).
const LONG_STRING: usize = 48;

/// Parts of field and header names that mark their values as secret or biometric. Compared
/// case-insensitively with `_` and `-` removed, as substrings (`access_token`, `lock_uid`,
/// `Ocp-Apim-Subscription-Key`, `left_eye__iris_template`, `imagen`...).
const SECRET_NAME_PARTS: &[&str] = &[
    "token",
    "access",
    "refresh",
    "password",
    "passwd",
    "pwd",
    "secret",
    "key",
    "session",
    "lockuid",
    "cookie",
    "authorization",
    "credential",
    "signature",
    "jwt",
    "pin",
    "cedula",
    "image",
    "imagen",
    "photo",
    "selfie",
    "frontside",
    "thumbnail",
    "template",
    "face",
    "finger",
    "iris",
    "biometric",
];

/// Whether a JSON field, header or query parameter with this name holds a secret or biometric
/// data, by the name alone.
///
/// ```
/// use biometric_core::redact::is_secret_name;
/// assert!(is_secret_name("lock_uid"));
/// assert!(is_secret_name("Ocp-Apim-Subscription-Key"));
/// assert!(!is_secret_name("page_size"));
/// ```
pub fn is_secret_name(name: &str) -> bool {
    let folded: String = name
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    SECRET_NAME_PARTS.iter().any(|part| folded.contains(part))
}

/// A printable preview of a body: redacted as the module describes, at most [`PREVIEW_CHARS`]
/// characters, with the full size noted when it was cut.
pub fn body_preview(body: &[u8]) -> String {
    if body.is_empty() {
        return String::new();
    }
    let shown = match serde_json::from_slice::<Value>(body) {
        Ok(mut value) => {
            redact_value(&mut value);
            value.to_string()
        }
        Err(_) => match std::str::from_utf8(body) {
            Ok(text) => scrub_text(text),
            Err(_) => return format!("<{} bytes of binary data>", body.len()),
        },
    };
    truncate(shown, body.len())
}

/// Replaces every run of 24 or more token-like characters (letters, digits, `+/=_.-`) that
/// holds a digit or one of `+/=` with its length, and every such run of 48 or more whatever it
/// holds: JWTs, base64 payloads and long hex ids disappear, while prose and the vendors' own
/// identifiers (`RejectedByPassiveLiveDetection`, `TEMPLATE_NOT_FOUND`) stay readable.
///
/// ```
/// use biometric_core::redact::scrub_text;
/// let text = scrub_text("invalid type: string \"dG9rZW4tdG9rZW4tdG9rZW4tdG9rZW4=\", expected u64");
/// assert_eq!(text, "invalid type: string \"<32 chars>\", expected u64");
/// assert_eq!(scrub_text("RejectedByPassiveLiveDetection"), "RejectedByPassiveLiveDetection");
/// ```
pub fn scrub_text(text: &str) -> String {
    const MIN_RUN: usize = 24;
    const MIN_WORDS_RUN: usize = 48;
    let is_token_char = |c: char| c.is_ascii_alphanumeric() || "+/=_.-".contains(c);
    let looks_encoded = |run: &str| run.chars().any(|c| c.is_ascii_digit() || "+/=".contains(c));
    let mut out = String::with_capacity(text.len().min(PREVIEW_CHARS * 2));
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let length = run.chars().count();
        if length >= MIN_WORDS_RUN || (length >= MIN_RUN && looks_encoded(run)) {
            out.push_str(&format!("<{length} chars>"));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if is_token_char(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// A short text from a server (an error code or message, a JSON path) made safe and short
/// enough to print: [`scrub_text`], then cut at [`PREVIEW_CHARS`] characters with the full size
/// noted. A hostile server's megabyte of prose must not become a megabyte log line.
///
/// ```
/// use biometric_core::redact::text_preview;
/// let long = "word ".repeat(1000);
/// assert!(text_preview(&long).ends_with("… (5000 bytes in all)"));
/// assert_eq!(text_preview("Face not detected"), "Face not detected");
/// ```
pub fn text_preview(text: &str) -> String {
    truncate(scrub_text(text), text.len())
}

/// `text` cut at [`PREVIEW_CHARS`] characters with the full size noted, otherwise as is: for
/// names that are not secret but may be long (a JSON path, whose keys scrubbing would hide,
/// as in `data.api_response.liveness`; a request path).
///
/// ```
/// use biometric_core::redact::cut;
/// assert_eq!(cut("data.api_response.liveness"), "data.api_response.liveness");
/// assert!(cut(&"a/".repeat(500)).ends_with("… (1000 bytes in all)"));
/// ```
pub fn cut(text: &str) -> String {
    truncate(text.to_owned(), text.len())
}

/// A serde error message made safe to print: serde quotes the offending value (`invalid type:
/// string "eyJ...", expected u64`), so every quoted span is elided when the failing field's
/// name looks secret, and long token-like runs are elided always.
pub(crate) fn decode_message(path: &str, message: &str) -> String {
    let field = path
        .rsplit(['.', '['])
        .find(|part| !part.is_empty() && !part.ends_with(']'))
        .unwrap_or("");
    if !is_secret_name(field) {
        return scrub_text(message);
    }
    let mut out = String::with_capacity(message.len());
    let mut quoted = false;
    for c in message.chars() {
        if c == '"' {
            if quoted {
                out.push_str("<elided>\"");
            } else {
                out.push('"');
            }
            quoted = !quoted;
        } else if !quoted {
            out.push(c);
        }
    }
    out
}

/// Replaces, in place, the values of secret-named fields and long strings.
fn redact_value(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (name, field) in map.iter_mut() {
                let secret = is_secret_name(name) && !matches!(field, Value::Bool(_) | Value::Null);
                if secret {
                    *field = Value::String(REDACTED.to_owned());
                } else {
                    redact_value(field);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_value),
        Value::String(text) if text.chars().count() > LONG_STRING => {
            *text = format!("<{} chars>", text.chars().count());
        }
        Value::String(text) => *text = scrub_text(text),
        _ => {}
    }
}

fn truncate(mut shown: String, original_len: usize) -> String {
    if let Some((cut, _)) = shown.char_indices().nth(PREVIEW_CHARS) {
        shown.truncate(cut);
        shown.push_str(&format!("… ({original_len} bytes in all)"));
    }
    shown
}

/// `Debug` of a body through [`body_preview`].
pub(crate) struct Body<'a>(pub(crate) &'a [u8]);

impl fmt::Debug for Body<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", body_preview(self.0))
    }
}

/// `Debug` of headers with secret-named or sensitive-marked values replaced.
pub(crate) struct Headers<'a>(pub(crate) &'a HeaderMap);

impl fmt::Debug for Headers<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in self.0 {
            if value.is_sensitive() || is_secret_name(name.as_str()) {
                map.entry(&name.as_str(), &REDACTED);
            } else {
                map.entry(&name.as_str(), &value);
            }
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_secrets_and_long_strings_are_replaced() {
        let body = br#"{"data":{"refresh":"r-123","faces":[{"image":"AAAA"}],"note":"ok"},
            "blob":"QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"}"#;
        let shown = body_preview(body);
        assert!(
            !shown.contains("r-123") && !shown.contains("AAAA"),
            "{shown}"
        );
        assert!(shown.contains(r#""note":"ok""#), "{shown}");
        assert!(shown.contains("<64 chars>"), "{shown}");
    }

    #[test]
    fn decode_messages_lose_quoted_secrets() {
        let message = r#"invalid type: string "hunter2", expected u64 at line 1 column 9"#;
        let safe = decode_message("data.password", message);
        assert!(!safe.contains("hunter2"), "{safe}");
        assert_eq!(decode_message("users[1].id", message), message);
    }

    #[test]
    fn long_bodies_are_cut() {
        let body = "word ".repeat(200);
        let shown = body_preview(body.as_bytes());
        assert!(shown.chars().count() < PREVIEW_CHARS + 40, "{shown}");
        assert!(shown.ends_with("(1000 bytes in all)"), "{shown}");
    }

    #[test]
    fn binary_bodies_show_their_size_only() {
        assert_eq!(
            body_preview(&[0xff, 0xd8, 0xff, 0x00]),
            "<4 bytes of binary data>"
        );
    }
}
