//! The properties every decoder's outcome must have, as proptest assertions.

use std::error::Error as StdError;
use std::fmt::Debug;

use biometric_core::Error;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// The most bytes an error's `Display` (with its sources) or `Debug` may take, whatever the
/// server sent: errors end up in logs, and a hostile server must not write megabytes there.
pub const PRINT_LIMIT: usize = 4096;

/// What a decoder's success may print, per byte of input (plus a constant): `Debug` escapes a
/// control byte as `\u{1}`, so a few characters per byte is the honest bound.
pub const OUTPUT_PER_INPUT_BYTE: usize = 8;

/// A failure to read a server's answer: an API, decode or authentication error that carries the
/// body exactly as it came, and prints within [`PRINT_LIMIT`].
pub fn server_failure(err: &Error, body: &[u8]) -> Result<(), TestCaseError> {
    prop_assert!(
        matches!(err, Error::Api(_) | Error::Decode(_) | Error::Auth { .. }),
        "not a typed server failure: {err:?}"
    );
    let carried = err.body().map(|b| b.as_ref());
    prop_assert!(
        carried == Some(body),
        "the error must carry the raw body ({} bytes); it carries {:?} bytes: {err:?}",
        body.len(),
        carried.map(<[u8]>::len)
    );
    printed_within_limit(err)
}

/// `Display` (with every source) and `Debug` of `err` each within [`PRINT_LIMIT`] bytes.
pub fn printed_within_limit(err: &Error) -> Result<(), TestCaseError> {
    let display = display_chain(err);
    let debug = format!("{err:?}");
    prop_assert!(
        display.len() <= PRINT_LIMIT,
        "Display is {} bytes: {}…",
        display.len(),
        head(&display)
    );
    prop_assert!(
        debug.len() <= PRINT_LIMIT,
        "Debug is {} bytes: {}…",
        debug.len(),
        head(&debug)
    );
    Ok(())
}

/// A decoded value's `Debug` is bounded by the input it came from.
pub fn output_within<T: Debug>(value: &T, input_len: usize) -> Result<(), TestCaseError> {
    let debug = format!("{value:?}");
    let limit = 1024 + OUTPUT_PER_INPUT_BYTE * input_len;
    prop_assert!(
        debug.len() <= limit,
        "Debug of the output is {} bytes for {input_len} bytes of input: {}…",
        debug.len(),
        head(&debug)
    );
    Ok(())
}

/// `Display` of an error followed by each of its sources.
pub fn display_chain(err: &dyn StdError) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn head(text: &str) -> &str {
    let end = text.char_indices().nth(300).map_or(text.len(), |(i, _)| i);
    &text[..end]
}

/// Panics unless `result` is [`Error::InvalidRequest`] naming `field`; returns the rule.
#[track_caller]
pub fn refused<T: Debug>(result: Result<T, Error>, field: &str) -> String {
    match result {
        Err(Error::InvalidRequest {
            field: named, rule, ..
        }) => {
            assert_eq!(named, field, "wrong field (rule: {rule})");
            assert!(!rule.is_empty(), "a rule must be stated");
            rule.into_owned()
        }
        other => panic!("expected InvalidRequest on `{field}`, got {other:?}"),
    }
}
