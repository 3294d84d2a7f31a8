//! Request options and typed answers.

use biometric_core::{RawResponse, Result};
use serde::Deserialize;
use serde_json::Value;

/// The device type that improves the accuracy of the liveness test (when that service is
/// contracted). Sent as `IOS`, `ANDROID` or `DESKTOP`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Device {
    /// `IOS`.
    Ios,
    /// `ANDROID`.
    Android,
    /// `DESKTOP`.
    Desktop,
}

impl Device {
    /// The text on the wire.
    pub fn as_str(&self) -> &'static str {
        match self {
            Device::Ios => "IOS",
            Device::Android => "ANDROID",
            Device::Desktop => "DESKTOP",
        }
    }
}

/// The kind of document shown on the front side of a foreigner check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DocumentType {
    /// `passport`.
    Passport,
    /// `identification_card`.
    IdentificationCard,
    /// `profile_image`.
    ProfileImage,
}

impl DocumentType {
    /// The text on the wire.
    pub fn as_str(&self) -> &'static str {
        match self {
            DocumentType::Passport => "passport",
            DocumentType::IdentificationCard => "identification_card",
            DocumentType::ProfileImage => "profile_image",
        }
    }
}

/// The answer of the citizen-ID biometric check (`endpoint-biometria`).
///
/// `valid: false` is a successful call with a negative result (the face does not match the ID,
/// or the check failed for the reason in `message`), not an error. Read liberally: `valid` as a
/// boolean, `0`/`1` or `"True"`/`"False"`, `code` and `id` as numbers or numeric strings, and a
/// missing `code` as `None`; fields the documentation does not list are kept in
/// [`other`](Self::other).
#[derive(Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct BiometricCheck {
    /// Whether the face was validated against the citizen ID.
    #[serde(deserialize_with = "lenient::boolean")]
    pub valid: bool,
    /// Why the validation failed, or `None`.
    #[serde(default)]
    pub message: Option<String>,
    /// The service's code. The list of codes is not public, so it is kept as a number.
    #[serde(default, deserialize_with = "lenient::integer")]
    pub code: Option<i64>,
    /// The transaction number, when it was asked for with `return_id(true)`.
    #[serde(default, deserialize_with = "lenient::integer")]
    pub id: Option<i64>,
    /// Fields the documentation does not list, as sent (their names only in `Debug`).
    #[serde(flatten)]
    pub other: serde_json::Map<String, Value>,
}

/// The service's message is scrubbed as error messages are.
impl std::fmt::Debug for BiometricCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BiometricCheck")
            .field("valid", &self.valid)
            .field(
                "message",
                &self
                    .message
                    .as_deref()
                    .map(biometric_core::redact::scrub_text),
            )
            .field("code", &self.code)
            .field("id", &self.id)
            .field("other", &self.other.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl BiometricCheck {
    /// The negative result, when the face was not validated (`valid: false`).
    ///
    /// ```
    /// let answer: apptenticate_client::BiometricCheck =
    ///     serde_json::from_str(r#"{"valid": false, "message": "Face does not match", "code": 2}"#)
    ///         .unwrap();
    /// assert_eq!(
    ///     answer.rejection().unwrap().to_string(),
    ///     "not validated: Face does not match (code 2)"
    /// );
    /// ```
    pub fn rejection(&self) -> Option<CheckRejection> {
        (!self.valid).then(|| CheckRejection {
            message: self.message.clone(),
            code: self.code,
        })
    }
}

/// A check the service answered with `valid: false`: a successful call with a negative result.
/// Its `Display` is the one line to log or show.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckRejection {
    /// Why, in the service's words, when it said.
    pub message: Option<String>,
    /// The service's code (the list of codes is not public).
    pub code: Option<i64>,
}

/// `not validated: Face does not match (code 2)`, the message scrubbed and cut like an error's.
impl std::fmt::Display for CheckRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not validated")?;
        if let Some(message) = self.message.as_deref().filter(|m| !m.trim().is_empty()) {
            write!(f, ": {}", biometric_core::redact::text_preview(message))?;
        }
        if let Some(code) = self.code {
            write!(f, " (code {code})")?;
        }
        Ok(())
    }
}

/// The message is scrubbed like an error message.
impl std::fmt::Debug for CheckRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckRejection")
            .field(
                "message",
                &self
                    .message
                    .as_deref()
                    .map(biometric_core::redact::text_preview),
            )
            .field("code", &self.code)
            .finish()
    }
}

/// Readers for values the service may send in more than one JSON type.
mod lenient {
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    /// `true`/`false`, `1`/`0`, or their texts (Python's `True`/`False` included).
    pub(super) fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        let value = Value::deserialize(d)?;
        match &value {
            Value::Bool(b) => Some(*b),
            Value::Number(n) => n.as_i64().map(|n| n != 0),
            Value::String(text) => match text.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Some(true),
                "false" | "0" => Some(false),
                _ => None,
            },
            _ => None,
        }
        .ok_or_else(|| serde::de::Error::custom(format!("{value} is not a boolean")))
    }

    /// A number, a numeric text, or `null`/`""` (none).
    pub(super) fn integer<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        let value = Value::deserialize(d)?;
        match &value {
            Value::Null => Ok(None),
            Value::Number(n) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("{n} is not an integer"))),
            Value::String(text) if text.trim().is_empty() => Ok(None),
            Value::String(text) => text
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| serde::de::Error::custom(format!("{text:?} is not an integer"))),
            other => Err(serde::de::Error::custom(format!(
                "{other} is not an integer"
            ))),
        }
    }
}

/// The answer of a v3 nationals or foreigners check.
///
/// The notes on these endpoints give their fields but not their answer. The fields of the
/// citizen-ID check's answer (`valid`, `message`, `code`, `id`) are read when they are present
/// with those types; the whole JSON document is kept in [`raw`](Self::raw) for anything else.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct IdentityCheck {
    /// `valid`, when present and a boolean.
    pub valid: Option<bool>,
    /// `message`, when present and a string.
    pub message: Option<String>,
    /// `code`, when present and an integer.
    pub code: Option<i64>,
    /// `id` (the transaction number), when present and an integer.
    pub id: Option<i64>,
    /// The answer as sent.
    pub raw: Value,
}

/// The raw answer (undocumented fields: personal data, images) is shown redacted and cut
/// like an error body ([`biometric_core::redact::body_preview`]); `message` scrubbed.
impl std::fmt::Debug for IdentityCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityCheck")
            .field("valid", &self.valid)
            .field(
                "message",
                &self
                    .message
                    .as_deref()
                    .map(biometric_core::redact::scrub_text),
            )
            .field("code", &self.code)
            .field("id", &self.id)
            .field("raw", &redacted(&self.raw))
            .finish()
    }
}

/// A JSON document as [`biometric_core::redact::body_preview`] shows it.
fn redacted(value: &Value) -> String {
    biometric_core::redact::body_preview(value.to_string().as_bytes())
}

impl IdentityCheck {
    /// The negative result, when the answer says `valid: false`.
    pub fn rejection(&self) -> Option<CheckRejection> {
        (self.valid == Some(false)).then(|| CheckRejection {
            message: self.message.clone(),
            code: self.code,
        })
    }

    pub(crate) fn decode(response: RawResponse) -> Result<Self> {
        let raw: Value = response.json()?;
        if !raw.is_object() {
            return Err(response.decode_error(None, "expected a JSON object"));
        }
        Ok(IdentityCheck {
            valid: raw.get("valid").and_then(Value::as_bool),
            message: raw
                .get("message")
                .and_then(Value::as_str)
                .map(str::to_owned),
            code: raw.get("code").and_then(Value::as_i64),
            id: raw.get("id").and_then(Value::as_i64),
            raw,
        })
    }
}

/// The liveness rule the documentation states: a quality or liveness under 0.5 is rejected.
///
/// The service applies it; the client only reports it (see [`ApiResponse::meets_documented_rule`]).
pub const LIVENESS_REJECTION_THRESHOLD: f64 = 0.5;

/// The raw answer is shown redacted and cut like an error body.
impl std::fmt::Debug for Liveness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Liveness")
            .field("api_response", &self.api_response)
            .field("raw", &redacted(&self.raw))
            .finish()
    }
}

/// The answer of the v2 liveness check.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct Liveness {
    /// `data.api_response`: the scores.
    pub api_response: ApiResponse,
    /// The answer as sent (the notes document `data.api_response` only; everything else,
    /// such as a transaction id or details, is here).
    pub raw: Value,
}

/// The scores of a liveness check (`data.api_response`).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct ApiResponse {
    /// `score`.
    pub score: f64,
    /// `quality`.
    pub quality: f64,
    /// `liveness`.
    pub liveness: f64,
}

/// Scores that break the documented liveness rule, read with [`ApiResponse::rejection`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct LivenessRejection {
    /// `quality`.
    pub quality: f64,
    /// `liveness`.
    pub liveness: f64,
}

/// `liveness rejected: quality 0.31 under 0.5`, naming each score under
/// [`LIVENESS_REJECTION_THRESHOLD`].
impl std::fmt::Display for LivenessRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let low = [("quality", self.quality), ("liveness", self.liveness)]
            .into_iter()
            // Not `>=` the threshold: a NaN score is named too.
            .filter(|(_, score)| {
                score
                    .partial_cmp(&LIVENESS_REJECTION_THRESHOLD)
                    .is_none_or(|o| o.is_lt())
            })
            .map(|(name, score)| format!("{name} {score} under {LIVENESS_REJECTION_THRESHOLD}"))
            .collect::<Vec<_>>();
        write!(f, "liveness rejected: {}", low.join(", "))
    }
}

impl ApiResponse {
    /// The scores that break the documented rule, when they do (the opposite of
    /// [`meets_documented_rule`](Self::meets_documented_rule)).
    ///
    /// ```
    /// let scores: apptenticate_client::ApiResponse =
    ///     serde_json::from_str(r#"{"score": 0.9, "quality": 0.31, "liveness": 0.8}"#).unwrap();
    /// assert_eq!(
    ///     scores.rejection().unwrap().to_string(),
    ///     "liveness rejected: quality 0.31 under 0.5"
    /// );
    /// ```
    pub fn rejection(&self) -> Option<LivenessRejection> {
        (!self.meets_documented_rule()).then_some(LivenessRejection {
            quality: self.quality,
            liveness: self.liveness,
        })
    }

    /// Whether the scores pass the documented rule (neither quality nor liveness under
    /// [`LIVENESS_REJECTION_THRESHOLD`]). Informative: the client does not turn a rejection
    /// into an error, and the service's own verdict is in the answer.
    pub fn meets_documented_rule(&self) -> bool {
        self.quality >= LIVENESS_REJECTION_THRESHOLD
            && self.liveness >= LIVENESS_REJECTION_THRESHOLD
    }
}

impl Liveness {
    pub(crate) fn decode(response: RawResponse) -> Result<Self> {
        #[derive(Deserialize)]
        struct Envelope {
            data: Data,
        }
        #[derive(Deserialize)]
        struct Data {
            api_response: ApiResponse,
        }
        let envelope: Envelope = response.json()?;
        let raw: Value = response.json()?;
        Ok(Liveness {
            api_response: envelope.data.api_response,
            raw,
        })
    }
}
