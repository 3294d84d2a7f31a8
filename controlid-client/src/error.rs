//! The device's error bodies, and typed views of the failures callers act on.

use biometric_core::{Error, RawResponse};
use serde::Deserialize;

use crate::ids::UserId;

/// Reads the two shapes the device uses: `{"error": "..."}` and
/// `{"success": false, "errors": [{"code": 2, "message": "Face not detected"}]}`.
pub(crate) fn parse_error_body(raw: &RawResponse) -> (Option<String>, Option<String>) {
    #[derive(Deserialize)]
    struct Body {
        error: Option<String>,
        #[serde(default)]
        errors: Vec<Item>,
    }
    #[derive(Deserialize)]
    struct Item {
        code: Option<serde_json::Value>,
        message: Option<String>,
    }
    match serde_json::from_slice::<Body>(&raw.body) {
        Ok(Body {
            error: Some(error), ..
        }) => (None, Some(error)),
        Ok(Body { errors, .. }) if !errors.is_empty() => {
            let first = &errors[0];
            let code = first
                .code
                .as_ref()
                .map(|c| c.as_str().map_or_else(|| c.to_string(), str::to_owned));
            (code, first.message.clone())
        }
        _ => biometric_core::default_error_parser(raw),
    }
}

/// Why a remote enrollment failed, read from an [`Error`] the enrollment returned.
///
/// ```
/// # fn handle(err: controlid_client::Error) {
/// use controlid_client::EnrollFailure;
/// if let Some(failure) = EnrollFailure::from_error(&err) {
///     if let Some(existing) = failure.match_user_id {
///         println!("this face is already enrolled as user {existing}");
///     }
/// }
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EnrollFailure {
    /// The device's reason, as sent. The notes name `FACE_EXISTS`; no other reason text is
    /// documented, so compare others only with what your devices are seen to send.
    pub reason: String,
    /// With `FACE_EXISTS`: the user the face already belongs to.
    pub match_user_id: Option<UserId>,
}

impl EnrollFailure {
    /// The device's reason when `error` is a failed remote enrollment.
    pub fn from_error(error: &Error) -> Option<Self> {
        let api = error.as_api()?;
        if !api.operation.starts_with("controlid.remote_enroll") {
            return None;
        }
        #[derive(Deserialize)]
        struct Body {
            error: Option<String>,
            match_user_id: Option<i64>,
        }
        let body: Body = serde_json::from_slice(&api.body).ok()?;
        Some(EnrollFailure {
            reason: body.error.or_else(|| api.message.clone())?,
            match_user_id: body
                .match_user_id
                .filter(|id| *id > 0)
                .map(UserId::from_device),
        })
    }

    /// True when the face is already enrolled for another user.
    pub fn is_face_exists(&self) -> bool {
        self.reason == "FACE_EXISTS"
    }
}

/// The device's text is scrubbed and cut the way [`biometric_core::ApiError`]'s `Debug` does
/// it: a device that echoes a session or an image in its reason, or sends a megabyte of it,
/// must not put it in a log.
impl std::fmt::Debug for EnrollFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrollFailure")
            .field(
                "reason",
                &biometric_core::redact::text_preview(&self.reason),
            )
            .field("match_user_id", &self.match_user_id)
            .finish()
    }
}
