//! The `{"success": bool, "status": "<text>"}` answer of the camera and control calls.

use biometric_core::{RawResponse, Result};
use serde::Deserialize;

#[derive(Deserialize)]
struct Outcome {
    success: bool,
    #[serde(default)]
    status: String,
}

/// `success: true` gives the device's `status` text; `success: false` is an
/// [`Error::Api`](biometric_core::Error::Api) carrying that text as its message (and the raw
/// body), whatever the HTTP status: the device reports a refused command under HTTP 200.
pub(crate) fn decode_outcome(raw: RawResponse) -> Result<String> {
    let outcome: Outcome = raw.json()?;
    if outcome.success {
        Ok(outcome.status)
    } else {
        Err(raw.api_error(None, Some(outcome.status)))
    }
}
