//! The device's error bodies, and typed views of the failures callers act on.

use biometric_core::{Error, RawResponse};
use serde::Deserialize;

use crate::ids::UserId;
use crate::photos::{PhotoProblem, RefusalBody};

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

/// The keys that mark a refusal, read without building the rest of the answer (a user list, a
/// face image): serde skips what it does not need.
#[derive(Deserialize)]
struct RefusalMarks {
    success: Option<serde_json::Value>,
    error: Option<serde_json::Value>,
    #[serde(default)]
    errors: Option<Vec<serde::de::IgnoredAny>>,
}

/// The device refuses inside answers whose HTTP status says success: `{"error": "..."}` (a
/// remote enrollment, a login) or `{"success": false, "errors": [...]}` (a photo, an
/// enrollment on newer firmware), seen under HTTP 200 as well as 4xx. Read on every accepted
/// answer of every call by the engine ([`biometric_core::EngineBuilder::answer_check`]), before
/// the call's decoder, so no call can take a refusal for a result: `success` is read as a
/// boolean, `0`/`1` or their strings, `error` whatever its type.
pub(crate) fn failure_in_answer(raw: &RawResponse) -> Option<(Option<String>, Option<String>)> {
    let body = raw.body.trim_ascii_start();
    if !body.starts_with(b"{") {
        return None;
    }
    let marks: RefusalMarks = serde_json::from_slice(body).ok()?;
    let failed = marks.success.as_ref().and_then(crate::callbacks::boolean) == Some(false);
    let error = marks.error.filter(|value| !value.is_null());
    let errors = marks.errors.is_some_and(|errors| !errors.is_empty());
    if !(failed || error.is_some() || errors) {
        return None;
    }
    let (code, message) = parse_error_body(raw);
    let said = |value: &serde_json::Value| match value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let message = message.or_else(|| error.as_ref().map(said));
    // The documented reason (`FACE_EXISTS`) doubles as the code when no numeric code is given.
    let code = code.or_else(|| error.as_ref().map(said));
    Some((
        code,
        message.or(Some("the device refused the request".to_owned())),
    ))
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
    /// With `FACE_EXISTS` (or code 3, "Face exists"): the user the face already belongs to.
    pub match_user_id: Option<UserId>,
    /// How confident the device was of that match, when it said.
    pub match_confidence: Option<i64>,
    /// The device's code, when it answered with an `errors` list (`3` = face exists).
    pub code: Option<i64>,
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
            #[serde(default, deserialize_with = "crate::callbacks::lenient_opt_i64")]
            match_user_id: Option<i64>,
            #[serde(default, deserialize_with = "crate::callbacks::lenient_opt_i64")]
            match_confidence: Option<i64>,
        }
        let body: Body = serde_json::from_slice(&api.body).ok()?;
        // The `{"success": false, "errors": [{"code", "message", "info"}]}` shape, seen from
        // deployed devices for enrollments as for photos.
        let refusal: Option<RefusalBody> = serde_json::from_slice(&api.body).ok();
        let problem = refusal.and_then(|r| r.errors.into_iter().next());
        let reason = body
            .error
            .or_else(|| problem.as_ref().map(|p| p.message.clone()))
            .or_else(|| api.message.clone())?;
        let match_user_id = body
            .match_user_id
            .filter(|id| *id > 0)
            .map(UserId::from_device)
            .or_else(|| problem.as_ref().and_then(PhotoProblem::match_user_id));
        Some(EnrollFailure {
            reason,
            match_user_id,
            match_confidence: body
                .match_confidence
                .or_else(|| problem.as_ref().and_then(PhotoProblem::match_confidence)),
            code: problem.map(|p| p.code),
        })
    }

    /// True when the face is already enrolled for another user (`FACE_EXISTS`, or code 3).
    pub fn is_face_exists(&self) -> bool {
        self.reason == "FACE_EXISTS" || self.code == Some(3)
    }
}

/// `enrollment refused: FACE_EXISTS: already enrolled as user 7, confidence 1048`, the device's
/// reason scrubbed and cut like an error's.
impl std::fmt::Display for EnrollFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let reason = biometric_core::redact::text_preview(&self.reason);
        write!(f, "enrollment refused: {reason}")?;
        if let Some(code) = self.code {
            write!(f, " (code {code})")?;
        }
        if let Some(user) = self.match_user_id {
            write!(f, ": already enrolled as user {user}")?;
            if let Some(confidence) = self.match_confidence {
                write!(f, ", confidence {confidence}")?;
            }
        }
        Ok(())
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
            .field("match_confidence", &self.match_confidence)
            .field("code", &self.code)
            .finish()
    }
}
