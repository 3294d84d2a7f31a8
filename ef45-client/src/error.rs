//! The device's error bodies and response codes (sheet Response_code).

use std::fmt;

use biometric_core::{Error, RawResponse, StatusCode, redact};
use serde::Deserialize;

/// A response code of the Response_code sheet: the device's own codes (1100 and up) and the HTTP
/// statuses the sheet lists in the same table, as they appear in a body's `status_code`.
///
/// Codes this version does not know are kept as [`ResponseCode::Unknown`].
///
/// ```
/// use ef45_client::ResponseCode;
/// assert_eq!(ResponseCode::from_code(1102), ResponseCode::UnavailableAccessToken);
/// assert_eq!(ResponseCode::from_code(1102).message(), "Unavailable accessToken!");
/// assert_eq!(ResponseCode::from_code(404).code(), 404);
/// assert!(ResponseCode::from_code(1999).is_unknown());
/// assert_eq!(ResponseCode::from_code(1999).code(), 1999);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResponseCode {
    /// 1100 "User not found!".
    UserNotFound,
    /// 1101 "Incorrect information".
    IncorrectInformation,
    /// 1102 "Unavailable accessToken!": read by this crate as a `lock_uid` no longer valid (the
    /// sheet gives only the code and text); the client locks again once and repeats the call.
    UnavailableAccessToken,
    /// 1200 "Unknown Device!".
    UnknownDevice,
    /// 1301 "Permission denied!".
    PermissionDenied,
    /// An HTTP status (100 to 599) given as a response code (the sheet lists 100 to 505).
    Http(StatusCode),
    /// A code this version of the SDK does not know, kept as sent.
    Unknown(UnknownCode),
}

/// A response code this version of the SDK does not know (read it with [`UnknownCode::get`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UnknownCode(u32);

impl UnknownCode {
    /// The code as sent.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl ResponseCode {
    /// The code for a number sent by the device.
    pub fn from_code(code: u32) -> Self {
        match code {
            1100 => ResponseCode::UserNotFound,
            1101 => ResponseCode::IncorrectInformation,
            1102 => ResponseCode::UnavailableAccessToken,
            1200 => ResponseCode::UnknownDevice,
            1301 => ResponseCode::PermissionDenied,
            100..=599 => match u16::try_from(code)
                .ok()
                .and_then(|c| StatusCode::from_u16(c).ok())
            {
                Some(status) => ResponseCode::Http(status),
                None => ResponseCode::Unknown(UnknownCode(code)),
            },
            other => ResponseCode::Unknown(UnknownCode(other)),
        }
    }

    /// The number on the wire.
    pub fn code(self) -> u32 {
        match self {
            ResponseCode::UserNotFound => 1100,
            ResponseCode::IncorrectInformation => 1101,
            ResponseCode::UnavailableAccessToken => 1102,
            ResponseCode::UnknownDevice => 1200,
            ResponseCode::PermissionDenied => 1301,
            ResponseCode::Http(status) => u32::from(status.as_u16()),
            ResponseCode::Unknown(code) => code.get(),
        }
    }

    /// The message the sheet gives for the code (the HTTP reason phrase for a status, empty for
    /// an unknown code).
    pub fn message(self) -> &'static str {
        match self {
            ResponseCode::UserNotFound => "User not found!",
            ResponseCode::IncorrectInformation => "Incorrect information",
            ResponseCode::UnavailableAccessToken => "Unavailable accessToken!",
            ResponseCode::UnknownDevice => "Unknown Device!",
            ResponseCode::PermissionDenied => "Permission denied!",
            ResponseCode::Http(status) => status.canonical_reason().unwrap_or(""),
            ResponseCode::Unknown(_) => "",
        }
    }

    /// True for a code this version of the SDK does not know.
    pub fn is_unknown(self) -> bool {
        matches!(self, ResponseCode::Unknown(_))
    }
}

impl fmt::Display for ResponseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())?;
        match self.message() {
            "" => Ok(()),
            message => write!(f, " {message}"),
        }
    }
}

/// The sheets' error fields: `status_code` (the code) and `reason_phrase` (the message).
#[derive(Deserialize)]
struct ErrorBody {
    status_code: Option<serde_json::Value>,
    reason_phrase: Option<String>,
}

/// Reads `{"status_code": 1102, "reason_phrase": "..."}`; anything else goes to the core's
/// default reader (short plain text becomes the message).
pub(crate) fn parse_error_body(raw: &RawResponse) -> (Option<String>, Option<String>) {
    match serde_json::from_slice::<ErrorBody>(&raw.body) {
        Ok(body) if body.status_code.is_some() || body.reason_phrase.is_some() => {
            let code = body.status_code.map(|c| match c {
                serde_json::Value::String(text) => text,
                other => other.to_string(),
            });
            (code, body.reason_phrase)
        }
        _ => biometric_core::default_error_parser(raw),
    }
}

/// Answers longer than this are not searched for a device code: a failure is a short document
/// (`{"status_code": 1102, "reason_phrase": "..."}`), while a 5 MB capture is not one, and
/// scanning it twice would double its decoding time. List envelopes of any length are still
/// checked by their decoder.
const FAILURE_ANSWER_MAX_BYTES: usize = 64 * 1024;

/// The top-level keys that carry a failure in an EF-45 answer, each read as any JSON value so
/// that an answer using one of these names for something else (the preview's numeric
/// `message`) still decodes.
#[derive(Deserialize)]
struct FailureMarks {
    status_code: Option<serde_json::Value>,
    /// Not in the sheets, which write `status_code`; read too because terminals were seen
    /// answering `{"code": 1102, ...}`, and the core's default error reader reads it under 4xx.
    code: Option<serde_json::Value>,
    reason_phrase: Option<serde_json::Value>,
    message: Option<serde_json::Value>,
    success: Option<serde_json::Value>,
    status: Option<serde_json::Value>,
}

/// The device reports its own failures inside its answers, whatever the HTTP status: the
/// sheets document `status_code` as the "error code" of an answer (with `reason_phrase`), and
/// the camera and control calls answer `{"success": false, "status": "<why>"}` under HTTP 200.
/// Nothing in the workbook promises a 4xx with either. Read on every answer of every call by
/// the engine ([`biometric_core::EngineBuilder::answer_check`]), before the call's decoder:
///
/// - a numeric `status_code` (or `code`) outside 200..=299 is a failure with that code;
/// - `success: false` is a failure with the `status` text.
pub(crate) fn failure_in_answer(raw: &RawResponse) -> Option<(Option<String>, Option<String>)> {
    let body = raw.body.trim_ascii_start();
    if body.len() > FAILURE_ANSWER_MAX_BYTES || !body.starts_with(b"{") {
        return None;
    }
    let marks: FailureMarks = serde_json::from_slice(body).ok()?;
    let code = [&marks.status_code, &marks.code]
        .into_iter()
        .flatten()
        .find_map(device_code);
    let message = || {
        [&marks.reason_phrase, &marks.message, &marks.status]
            .into_iter()
            .flatten()
            .find_map(|value| match value {
                serde_json::Value::String(text) if !text.trim().is_empty() => Some(text.clone()),
                _ => None,
            })
    };
    let refused = matches!(marks.success, Some(serde_json::Value::Bool(false)));
    match code {
        Some(code) if !(200..=299).contains(&code) => Some((Some(code.to_string()), message())),
        _ if refused => Some((None, message())),
        _ => None,
    }
}

/// A code written as a number or as a numeric string.
fn device_code(value: &serde_json::Value) -> Option<u32> {
    match value {
        serde_json::Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        serde_json::Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// The device's answer to a failed call, read from an [`Error::Api`].
///
/// ```
/// # fn handle(err: ef45_client::Error) {
/// use ef45_client::{DeviceFailure, ResponseCode};
/// if let Some(failure) = DeviceFailure::from_error(&err) {
///     if failure.code == Some(ResponseCode::UserNotFound) {
///         println!("no such user");
///     }
/// }
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceFailure {
    /// The HTTP status.
    pub status: StatusCode,
    /// The body's `status_code`, when it had a numeric one.
    pub code: Option<ResponseCode>,
    /// The body's `reason_phrase` (or its plain text), as sent.
    pub reason: Option<String>,
}

/// The reason is shown cut and with token-like runs elided, like the core's errors: a device
/// message may echo what was sent.
impl fmt::Debug for DeviceFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceFailure")
            .field("status", &self.status)
            .field("code", &self.code)
            .field(
                "reason",
                &self
                    .reason
                    .as_deref()
                    .map(|r| redact::cut(&redact::scrub_text(r))),
            )
            .finish()
    }
}

/// `device code 1100 User not found! (HTTP 400 Bad Request)`, with the device's reason after
/// the code's text when it says something else (scrubbed and cut like an error's).
impl fmt::Display for DeviceFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the device refused the call")?;
        if let Some(code) = self.code {
            write!(f, " with code {code}")?;
        }
        let reason = self.reason.as_deref().map(str::trim).unwrap_or_default();
        let said_by_code = self.code.is_some_and(|code| code.message() == reason);
        if !reason.is_empty() && !said_by_code {
            write!(f, ": {}", redact::text_preview(reason))?;
        }
        write!(f, " (HTTP {})", self.status)
    }
}

impl DeviceFailure {
    /// The device's code and reason when `error` is an API error of this crate's calls, or an
    /// authentication failure carrying one (the device refused the renewed lock too: 1102).
    pub fn from_error(error: &Error) -> Option<Self> {
        let api = match error {
            Error::Auth {
                source: Some(source),
                ..
            } => source.as_api()?,
            other => other.as_api()?,
        };
        if !api.operation.starts_with("ef45.") {
            return None;
        }
        Some(DeviceFailure {
            status: api.status,
            code: api
                .code
                .as_deref()
                .and_then(|c| c.trim().parse::<u32>().ok())
                .map(ResponseCode::from_code),
            reason: api.message.clone(),
        })
    }
}
