//! Caller-side edge values: what an application may pass by mistake, or pass on from its own
//! users.

use proptest::prelude::*;

/// The size of a "huge" caller string: 1 MB.
pub const HUGE_LEN: usize = 1_000_000;

/// A 1 MB string.
pub fn huge_text() -> String {
    "a".repeat(HUGE_LEN)
}

/// Texts holding a control character: NUL, line breaks, tab, an ANSI escape, DEL and a C1
/// control.
pub const CONTROL_TEXTS: &[&str] = &[
    "nul\0byte",
    "line\nbreak",
    "carriage\rreturn",
    "tab\there",
    "esc\u{1b}[31mred",
    "del\u{7f}",
    "c1\u{85}next-line",
];

/// Empty and blank texts.
pub const BLANK_TEXTS: &[&str] = &["", " ", "   "];

/// Any text with at least one control character somewhere in it.
pub fn text_with_control() -> impl Strategy<Value = String> {
    (
        "\\PC{0,8}",
        "[\\x00-\\x1f\\x7f\\u{80}-\\u{9f}]",
        "\\PC{0,8}",
    )
        .prop_map(|(before, control, after)| format!("{before}{control}{after}"))
}

/// A JPEG (by its first bytes) of exactly `len` bytes (`len >= 4`).
pub fn jpeg(len: usize) -> Vec<u8> {
    let mut data = vec![0u8; len.max(4)];
    data[..4].copy_from_slice(&[0xff, 0xd8, 0xff, 0xe0]);
    data
}

/// A PNG (by its first bytes) of exactly `len` bytes (`len >= 8`).
pub fn png(len: usize) -> Vec<u8> {
    let mut data = vec![0u8; len.max(8)];
    data[..8].copy_from_slice(b"\x89PNG\r\n\x1a\n");
    data
}

/// 100 MB: the "huge image" of the edge sweeps (allocate it once per crate, not per case).
pub const HUNDRED_MB: usize = 100_000_000;

/// A file name that is not UTF-8 (`face-\xff.jpg`).
#[cfg(unix)]
pub fn non_utf8_file_name() -> std::ffi::OsString {
    use std::os::unix::ffi::OsStringExt;
    std::ffi::OsString::from_vec(b"face-\xff.jpg".to_vec())
}
