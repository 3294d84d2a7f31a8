//! Typed views over the SDK's one error type for the failures BioPass ID documents.

use biometric_core::{Error, StatusCode};

/// What a BioPass ID failure was, as far as its (often plain-text) body tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureKind {
    /// `400 Invalid JSON format`: a misspelled key, a wrong type, or no image at all.
    InvalidJsonFormat,
    /// `Failed to extract face template`: no usable face on a face image.
    FaceTemplateNotExtracted,
    /// A fingerprint template could not be extracted: no usable print on a finger image. Not
    /// in the documentation: read from a message that says "fingerprint template" together
    /// with "not extracted" or "failed to extract" (the service's own text is kept in
    /// [`BioPassIdFailure::message`]).
    FingerprintTemplateNotExtracted,
    /// The `CustomID` is not enrolled (update, verify or delete of an unknown person). Not in
    /// the documentation: read from a message that says "not found" with "customid" or
    /// "person" in it; the service's text is kept.
    CustomIdNotFound,
    /// Enroll refused because the `CustomID` is taken (web SDK code
    /// `enroll/customid_already_exists`). The documentation names the condition but not the
    /// service's wording; an enroll failure whose message says "already exist(s)" is read as this.
    CustomIdAlreadyExists,
    /// Anything else: read [`BioPassIdFailure::message`].
    Other,
}

/// A BioPass ID failure read from an [`Error::Api`] one of this crate's calls returned.
///
/// BioPass ID answers errors in JSON or in plain text ("Failed to extract face template"); the
/// text is kept verbatim in [`message`](Self::message), and the raw body stays in the error.
///
/// ```
/// # fn handle(err: biopassid_client::Error) {
/// use biopassid_client::{BioPassIdFailure, FailureKind};
/// match BioPassIdFailure::from_error(&err).map(|f| f.kind) {
///     Some(FailureKind::FaceTemplateNotExtracted) => println!("take the photo again"),
///     Some(FailureKind::CustomIdAlreadyExists) => println!("update instead"),
///     _ => println!("{err}"),
/// }
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BioPassIdFailure {
    /// The call that failed (`biopassid.enroll`...).
    pub operation: &'static str,
    /// The HTTP status.
    pub status: StatusCode,
    /// The classification.
    pub kind: FailureKind,
    /// The service's message: the JSON message field, or the plain-text body trimmed.
    pub message: Option<String>,
}

/// The service's message is scrubbed and cut the way [`biometric_core::ApiError`]'s `Debug`
/// does it: a body echoing the key or an image's base64, or a megabyte of text (a plain-text
/// body becomes the message whole), must not reach a log.
impl std::fmt::Debug for BioPassIdFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BioPassIdFailure")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("kind", &self.kind)
            .field(
                "message",
                &self
                    .message
                    .as_deref()
                    .map(biometric_core::redact::text_preview),
            )
            .finish()
    }
}

impl FailureKind {
    /// What the failure means, in a few words.
    pub fn describe(self) -> &'static str {
        match self {
            FailureKind::InvalidJsonFormat => "the request was not valid JSON for the service",
            FailureKind::FaceTemplateNotExtracted => "no usable face on the face image",
            FailureKind::FingerprintTemplateNotExtracted => "no usable print on a finger image",
            FailureKind::CustomIdNotFound => "the CustomID is not enrolled",
            FailureKind::CustomIdAlreadyExists => "the CustomID is already enrolled",
            FailureKind::Other => "refused",
        }
    }
}

impl std::fmt::Display for FailureKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}

/// `biopassid.enroll: no usable face on the face image: Failed to extract face template (HTTP
/// 400 Bad Request)`, the service's message scrubbed and cut like an error's.
impl std::fmt::Display for BioPassIdFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.operation, self.kind)?;
        if let Some(message) = &self.message {
            write!(f, ": {}", biometric_core::redact::text_preview(message))?;
        }
        write!(f, " (HTTP {})", self.status)
    }
}

impl BioPassIdFailure {
    /// The failure, when `error` is an API error from a BioPass ID call. A refused subscription
    /// key is [`Error::Auth`], not an API error, and gives `None`.
    pub fn from_error(error: &Error) -> Option<Self> {
        let api = error.as_api()?;
        if !api.operation.starts_with("biopassid.") {
            return None;
        }
        let message = api.message.clone().or_else(|| {
            let text = String::from_utf8_lossy(&api.body).trim().to_owned();
            (!text.is_empty()).then_some(text)
        });
        let lower = message.as_deref().unwrap_or_default().to_ascii_lowercase();
        let kind = classify(api.operation, &lower);
        Some(BioPassIdFailure {
            operation: api.operation,
            status: api.status,
            kind,
            message,
        })
    }

    /// The web SDK's code for this failure, where it has one.
    pub fn web_sdk_code(&self) -> Option<WebSdkCode> {
        (self.kind == FailureKind::CustomIdAlreadyExists)
            .then_some(WebSdkCode::CustomIdAlreadyExists)
    }
}

/// The kind a (lower-cased) service message names. The documented texts first; the two
/// undocumented refusals seen from the service by their words.
fn classify(operation: &str, lower: &str) -> FailureKind {
    let fingerprint = lower.contains("fingerprint template") || lower.contains("finger template");
    if lower.contains("invalid json format") {
        FailureKind::InvalidJsonFormat
    } else if lower.contains("failed to extract face template") {
        FailureKind::FaceTemplateNotExtracted
    } else if fingerprint
        && (lower.contains("not extracted") || lower.contains("failed to extract"))
    {
        FailureKind::FingerprintTemplateNotExtracted
    } else if operation == "biopassid.enroll" && lower.contains("already exist") {
        FailureKind::CustomIdAlreadyExists
    } else if lower.contains("not found")
        && (lower.contains("customid") || lower.contains("person"))
    {
        FailureKind::CustomIdNotFound
    } else {
        FailureKind::Other
    }
}

biometric_core::string_enum! {
    /// The error codes BioPass ID's web SDK names, for applications that show the same messages.
    ///
    /// Two are found by this client before sending ([`Error::InvalidRequest`]); the third comes
    /// from the service. [`WebSdkCode::from_error`] reads any of them from an error.
    pub enum WebSdkCode {
        /// `enroll/face_or_fingers_needed`: a person with no image.
        FaceOrFingersNeeded = "enroll/face_or_fingers_needed",
        /// `enroll/invalid_custom_id`: an unusable `CustomID`.
        InvalidCustomId = "enroll/invalid_custom_id",
        /// `enroll/customid_already_exists`: enroll with a `CustomID` already enrolled.
        CustomIdAlreadyExists = "enroll/customid_already_exists",
    }
}

impl WebSdkCode {
    /// The code for `error`: a person refused before sending for having no image
    /// ([`FaceOrFingersNeeded`](Self::FaceOrFingersNeeded)) or a blank id
    /// ([`InvalidCustomId`](Self::InvalidCustomId)), or the service's duplicate-id refusal.
    ///
    /// ```
    /// use biopassid_client::{CustomId, WebSdkCode};
    /// let err = CustomId::new("").unwrap_err();
    /// assert_eq!(WebSdkCode::from_error(&err), Some(WebSdkCode::InvalidCustomId));
    /// ```
    pub fn from_error(error: &Error) -> Option<Self> {
        match error {
            Error::InvalidRequest { field, .. } if field == "person" => {
                Some(WebSdkCode::FaceOrFingersNeeded)
            }
            Error::InvalidRequest { field, .. } if field == "custom_id" => {
                Some(WebSdkCode::InvalidCustomId)
            }
            _ => BioPassIdFailure::from_error(error)?.web_sdk_code(),
        }
    }
}
