//! Rules on a caller's text (an id, a name, a tag, a message), checked before any I/O.

use std::borrow::Cow;

use crate::error::{Error, Result};

/// A rule on a caller's text: not blank (unless allowed), no control character, at most so
/// many characters.
///
/// Control characters never belong in the ids, names and messages the vendors take (a line break
/// in a name, an escape sequence in an on-screen message, a NUL in an id), and a huge value is
/// almost always a mistake (a file read into a name). Each vendor crate states its limit and
/// where it comes from: the vendor's documentation, or, where that is silent, the crate's own
/// generous choice, said so in its documentation.
///
/// ```
/// use biometric_core::TextLimit;
/// let name = TextLimit::at_most(8);
/// assert!(name.check("name", "Ana").is_ok());
/// let err = name.check("name", "Ana\nSouza").unwrap_err();
/// assert_eq!(err.to_string(), "invalid request: `name` must not contain control characters (found U+000A); nothing was sent");
/// let err = name.check("name", "Ana Souza").unwrap_err();
/// assert_eq!(err.to_string(), "invalid request: `name` must be at most 8 characters (found 9); nothing was sent");
/// assert!(name.check("name", " ").is_err());
/// assert!(name.allow_blank().check("name", "").is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextLimit {
    max_chars: usize,
    allow_blank: bool,
}

impl TextLimit {
    /// Not blank, no control character, at most `max_chars` characters.
    pub const fn at_most(max_chars: usize) -> Self {
        TextLimit {
            max_chars,
            allow_blank: false,
        }
    }

    /// The same rule, accepting an empty or blank text.
    pub const fn allow_blank(self) -> Self {
        TextLimit {
            allow_blank: true,
            ..self
        }
    }

    /// The most characters allowed.
    pub const fn max_chars(&self) -> usize {
        self.max_chars
    }

    /// `Ok` when `text` follows the rule, otherwise [`Error::InvalidRequest`] naming `field`.
    pub fn check(&self, field: impl Into<Cow<'static, str>>, text: &str) -> Result<()> {
        if !self.allow_blank && text.trim().is_empty() {
            return Err(Error::invalid(field, "must not be empty or blank"));
        }
        if let Some(control) = text.chars().find(|c| c.is_control()) {
            return Err(Error::invalid(
                field,
                format!(
                    "must not contain control characters (found U+{:04X})",
                    control as u32
                ),
            ));
        }
        // Counted without walking a megabyte when the bytes already fit.
        if text.len() > self.max_chars {
            let chars = text.chars().count();
            if chars > self.max_chars {
                return Err(Error::invalid(
                    field,
                    format!(
                        "must be at most {} characters (found {chars})",
                        self.max_chars
                    ),
                ));
            }
        }
        Ok(())
    }
}
