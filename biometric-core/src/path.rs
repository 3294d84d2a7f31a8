//! Request paths built from segments, so that a caller's value can never change a path's shape.
//!
//! Formatting a value into a path string (`format!("user/{id}")`) lets an id holding `/`, `.`
//! or `..` address another resource: `user/..` is `DELETE /`. Here the vendor's fixed text and
//! the caller's values are kept apart: fixed text is split on `/` as written (a trailing slash
//! kept), each value is one percent-encoded segment, and an empty, `.` or `..` value makes the
//! request invalid before anything is sent.

use std::fmt::Write as _;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use crate::error::{Error, Result};
use crate::secret::REDACTED;

/// The characters escaped in a path segment: the URL standard's path-segment set plus `/`, `%`
/// and the other delimiters a server might split on.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%')
    .add(b'\\')
    .add(b'^')
    .add(b'|')
    .add(b'[')
    .add(b']');

#[derive(Clone, Debug)]
enum Part {
    /// Vendor text, one segment, used as written.
    Fixed(&'static str),
    /// A caller value, encoded; a secret one is redacted when rendered for logs.
    Value { text: String, secret: bool },
}

/// The path of one operation, relative to the base URL.
#[derive(Clone, Debug, Default)]
pub(crate) struct RequestPath {
    parts: Vec<Part>,
    pub(crate) trailing_slash: bool,
    /// The first caller value that broke the segment rule: (field, rule).
    invalid: Option<(&'static str, &'static str)>,
}

impl RequestPath {
    pub(crate) fn fixed(path: &'static str) -> Self {
        let mut this = RequestPath::default();
        this.push_fixed(path);
        this
    }

    pub(crate) fn push_fixed(&mut self, path: &'static str) {
        self.parts
            .extend(path.split('/').filter(|s| !s.is_empty()).map(Part::Fixed));
        if path.trim_matches('/').is_empty() {
            // "" changes nothing; "/" after a value ends the path with a slash.
            self.trailing_slash |= path.ends_with('/') && !self.parts.is_empty();
        } else {
            self.trailing_slash = path.ends_with('/');
        }
    }

    pub(crate) fn push_value(&mut self, field: &'static str, text: String, secret: bool) {
        if self.invalid.is_none() {
            let rule = match text.as_str() {
                "" => Some("must not be empty (it is a path segment)"),
                "." | ".." => Some("must not be `.` or `..` (it is a path segment)"),
                _ => None,
            };
            self.invalid = rule.map(|rule| (field, rule));
        }
        self.parts.push(Part::Value { text, secret });
        self.trailing_slash = false;
    }

    pub(crate) fn validate(&self) -> Result<()> {
        match self.invalid {
            Some((field, rule)) => Err(Error::invalid(field, rule)),
            None => Ok(()),
        }
    }

    /// The encoded path (no leading slash); `for_log` replaces secret segments.
    pub(crate) fn render(&self, for_log: bool) -> String {
        let mut out = String::new();
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                out.push('/');
            }
            match part {
                Part::Fixed(text) => out.push_str(text),
                Part::Value { secret: true, .. } if for_log => out.push_str(REDACTED),
                Part::Value { text, .. } => {
                    let _ = write!(out, "{}", utf8_percent_encode(text, SEGMENT));
                }
            }
        }
        if self.trailing_slash {
            out.push('/');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(path: &mut RequestPath, text: &str) {
        path.push_value("id", text.to_owned(), false);
    }

    #[test]
    fn fixed_text_keeps_its_trailing_slash() {
        assert_eq!(RequestPath::fixed("api/token/").render(false), "api/token/");
        assert_eq!(RequestPath::fixed("/version").render(false), "version");
        assert_eq!(RequestPath::fixed("").render(false), "");
    }

    #[test]
    fn values_are_one_encoded_segment_each() {
        let mut path = RequestPath::fixed("user");
        value(&mut path, "a/b?c#d%e f");
        path.push_fixed("faces/");
        assert_eq!(path.render(false), "user/a%2Fb%3Fc%23d%25e%20f/faces/");
        assert!(path.validate().is_ok());
    }

    #[test]
    fn empty_dot_and_dot_dot_values_are_invalid() {
        for bad in ["", ".", ".."] {
            let mut path = RequestPath::fixed("user");
            value(&mut path, bad);
            let err = path.validate().unwrap_err();
            assert!(
                matches!(&err, Error::InvalidRequest { field, .. } if field == "id"),
                "{bad:?}: {err}"
            );
        }
        let mut ok = RequestPath::fixed("user");
        value(&mut ok, "...");
        assert!(ok.validate().is_ok(), "three dots are an ordinary name");
    }

    #[test]
    fn secret_values_are_redacted_for_logs_only() {
        let mut path = RequestPath::fixed("lock");
        path.push_value("lock_uid", "0b7c-secret".to_owned(), true);
        assert_eq!(path.render(true), "lock/REDACTED");
        assert_eq!(path.render(false), "lock/0b7c-secret");
    }
}
