//! What the firmware and database uploads share: one unit of base64 text per request, and a
//! running digest instead of the uploaded bytes.

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};

use super::synthetic::{FNV_START, fnv1a64};
pub(super) use super::wire::no_body;
use super::wire::{Reject, bad, strict_base64};

/// The most base64 text one unit may carry: 1 MiB. The sheets say units are "about 1MB in
/// total per each unit which is encoded with Base64"; the Database sheet's example unit,
/// `continuous/786432`, is 786 432 bytes, exactly 1 MiB of base64.
pub const MAX_UNIT_TEXT: usize = 1024 * 1024;

/// A running FNV-1a 64 of uploaded bytes: what the fake keeps of an upload (never the bytes, so
/// that a 256 MB firmware does not hold 256 MB). A test computes the same over what it sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadDigest(u64);

impl Default for UploadDigest {
    fn default() -> Self {
        UploadDigest(FNV_START)
    }
}

impl UploadDigest {
    /// The digest of nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Continues over `data`.
    pub fn update(&mut self, data: &[u8]) {
        self.0 = fnv1a64(self.0, data);
    }

    /// The digest of everything given so far.
    pub fn value(&self) -> u64 {
        self.0
    }
}

/// The unit a request carries. The sheets do not give the body format of an upload unit; the
/// fake's choice: the unit's standard base64 text as the whole body, sent as `Content-Type:
/// text/plain` (415 otherwise), at most [`MAX_UNIT_TEXT`] characters and not empty (400).
pub(super) fn unit(headers: &HeaderMap, body: &Bytes, at: &str) -> Result<Vec<u8>, Reject> {
    let types: Vec<_> = headers.get_all(header::CONTENT_TYPE).iter().collect();
    let plain = matches!(types.as_slice(), [one] if one
        .to_str()
        .unwrap_or_default()
        .split(';')
        .next()
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("text/plain")));
    if !plain {
        return Err(Reject::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            format!("{at}: a unit is sent as one Content-Type: text/plain (base64 text)"),
        ));
    }
    if body.is_empty() {
        return Err(bad(format!("{at}: the unit is empty")));
    }
    if body.len() > MAX_UNIT_TEXT {
        return Err(bad(format!(
            "{at}: a unit is at most {MAX_UNIT_TEXT} characters of base64, found {}",
            body.len()
        )));
    }
    let text = std::str::from_utf8(body).map_err(|_| bad(format!("{at}: not base64 text")))?;
    strict_base64(text, at)
}
