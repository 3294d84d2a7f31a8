//! The `{"success": bool, "status": "<text>"}` answer of the camera and control calls.

use biometric_core::{RawResponse, Result};
use serde::Deserialize;

#[derive(Deserialize)]
struct Outcome {
    #[serde(default)]
    status: String,
}

/// The device's `status` text. `success: false` never reaches this decoder: the client's answer
/// check ([`crate::error::failure_in_answer`]) turns it into an
/// [`Error::Api`](biometric_core::Error::Api) carrying that text, whatever the HTTP status, for
/// every call.
pub(crate) fn decode_outcome(raw: RawResponse) -> Result<String> {
    Ok(raw.json::<Outcome>()?.status)
}
