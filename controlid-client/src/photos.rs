//! User photos: the face picture the device recognises a user by.

use biometric_core::{
    Body, Error, Image, ImageFormat, MB, Method, Operation, RawResponse, Result, SizeLimit,
    decode_unit,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::callbacks::{OtherFields, number};
use crate::client::Client;
use crate::ids::UserId;

/// The device refuses photos of 1 MB or more.
pub const MAX_PHOTO: SizeLimit = SizeLimit::under(MB);

/// The quality scores the device computed for a photo (numbers or numeric strings).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[non_exhaustive]
pub struct PhotoScores {
    /// Width of the detected face box, in pixels.
    #[serde(default, deserialize_with = "crate::callbacks::lenient_opt_i64")]
    pub bounds_width: Option<i64>,
    /// Horizontal distance of the face from the centre.
    #[serde(default, deserialize_with = "crate::callbacks::lenient_opt_i64")]
    pub horizontal_center_offset: Option<i64>,
    /// Vertical distance of the face from the centre.
    #[serde(default, deserialize_with = "crate::callbacks::lenient_opt_i64")]
    pub vertical_center_offset: Option<i64>,
    /// How frontal the pose is (0 to 1000).
    #[serde(default, deserialize_with = "crate::callbacks::lenient_opt_i64")]
    pub center_pose_quality: Option<i64>,
    /// How sharp the picture is (0 to 1000).
    #[serde(default, deserialize_with = "crate::callbacks::lenient_opt_i64")]
    pub sharpness_quality: Option<i64>,
    /// Any other score, as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// One reason the device gave for refusing a photo (or an enrollment):
/// `{"code": 3, "message": "Face exists", "info": {"match_user_id": 1003088,
/// "match_confidence": 1048}}`. `info` is open-ended (its keys depend on the code); the ones a
/// deduplicating application needs are read by [`match_user_id`](Self::match_user_id) and
/// [`match_confidence`](Self::match_confidence), the rest stay in [`info`](Self::info).
#[derive(Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct PhotoProblem {
    /// The device's code (`2` face not detected and `3` face exists are seen in the field).
    #[serde(deserialize_with = "crate::callbacks::lenient_i64")]
    pub code: i64,
    /// The device's message.
    #[serde(default)]
    pub message: String,
    /// The details the device gave with this code, as sent.
    #[serde(default)]
    pub info: OtherFields,
}

/// The device's message is scrubbed and cut the way [`biometric_core::ApiError`]'s `Debug` does.
impl std::fmt::Debug for PhotoProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhotoProblem")
            .field("code", &self.code)
            .field(
                "message",
                &biometric_core::redact::text_preview(&self.message),
            )
            .field("match_user_id", &self.match_user_id())
            .field("match_confidence", &self.match_confidence())
            .field("info", &self.info)
            .finish()
    }
}

/// `Face exists (code 3): already enrolled as user 1003088, confidence 1048`, the device's
/// message scrubbed and cut like an error's.
impl std::fmt::Display for PhotoProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let message = biometric_core::redact::text_preview(&self.message);
        write!(f, "{message} (code {})", self.code)?;
        if let Some(user) = self.match_user_id() {
            write!(f, ": already enrolled as user {user}")?;
            if let Some(confidence) = self.match_confidence() {
                write!(f, ", confidence {confidence}")?;
            }
        }
        Ok(())
    }
}

impl PhotoProblem {
    /// True for code 2, "Face not detected".
    pub fn is_face_not_detected(&self) -> bool {
        self.code == 2
    }

    /// True for code 3, "Face exists": the face already belongs to
    /// [`match_user_id`](Self::match_user_id).
    pub fn is_face_exists(&self) -> bool {
        self.code == 3
    }

    /// The enrolled user the face matched (`info.match_user_id`), when the device names one.
    pub fn match_user_id(&self) -> Option<UserId> {
        let id = self.info.get("match_user_id").and_then(number)?;
        (id > 0).then(|| UserId::from_device(id))
    }

    /// How confident the device was of that match (`info.match_confidence`).
    pub fn match_confidence(&self) -> Option<i64> {
        self.info.get("match_confidence").and_then(number)
    }
}

/// Why the device refused a photo, read from the [`Error`] [`Client::set_user_image`] returned:
/// `{"success": false, "errors": [...], "scores": {...}}`, seen under HTTP 200 and 400.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PhotoRejection {
    /// The reasons, in the device's order.
    pub problems: Vec<PhotoProblem>,
    /// The quality scores the device computed for the refused photo, when it sent them.
    pub scores: Option<PhotoScores>,
}

/// `photo refused: Face not detected (code 2); ...`, each problem in the device's order.
impl std::fmt::Display for PhotoRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("photo refused: ")?;
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl PhotoRejection {
    /// The rejection, when `error` is a refused photo (`success: false` with `errors`, with
    /// HTTP 200 or 400).
    pub fn from_error(error: &Error) -> Option<Self> {
        let api = error.as_api()?;
        if api.operation != "controlid.user_set_image" {
            return None;
        }
        let body: RefusalBody = serde_json::from_slice(&api.body).ok()?;
        (!body.errors.is_empty()).then_some(PhotoRejection {
            problems: body.errors,
            scores: body.scores,
        })
    }

    /// The first "face exists" problem's matched user and confidence, when there is one.
    pub fn face_exists(&self) -> Option<(UserId, Option<i64>)> {
        self.problems
            .iter()
            .filter(|p| p.is_face_exists())
            .find_map(|p| Some((p.match_user_id()?, p.match_confidence())))
    }
}

/// `{"success": false, "errors": [...], "scores": {...}}`: the refusal shape of photos and of
/// some enrollment answers.
#[derive(Deserialize)]
pub(crate) struct RefusalBody {
    #[serde(default)]
    pub(crate) errors: Vec<PhotoProblem>,
    #[serde(default)]
    pub(crate) scores: Option<PhotoScores>,
}

/// The accepted photo's scores. A refusal (`success: false` with `errors`) never reaches this
/// decoder: the client's answer check makes it an [`Error::Api`] that
/// [`PhotoRejection::from_error`] reads.
fn decode_set_image(raw: RawResponse) -> Result<PhotoScores> {
    #[derive(Deserialize)]
    struct Wire {
        #[serde(default)]
        scores: PhotoScores,
    }
    Ok(raw.json::<Wire>()?.scores)
}

impl Client {
    /// Uploads a user's photo (a JPEG under 1 MB). With `match_check`, the device refuses a
    /// face that already belongs to another user.
    ///
    /// A refusal is an [`Error::Api`]; [`PhotoRejection::from_error`] gives the reasons.
    ///
    /// **Not resent** once it may have reached the device: it stores the user's photo, and
    /// what the device does with a second upload is not documented.
    ///
    /// Errors: [`Error::InvalidRequest`] (before any I/O) when `photo` is empty, not a JPEG,
    /// or of 1 MB or more ([`MAX_PHOTO`]); [`Error::Api`] when the device refuses the photo,
    /// with HTTP 200 or 400 (read it with [`PhotoRejection::from_error`]); [`Error::Auth`]
    /// when the login is refused, or the device refuses the session again after one re-login.
    pub async fn set_user_image(
        &self,
        user_id: UserId,
        photo: &Image,
        match_check: bool,
    ) -> Result<PhotoScores> {
        photo.require(ImageFormat::Jpeg, "photo")?;
        MAX_PHOTO.check("photo", photo.len())?;
        let op = Operation::with_decoder(
            "controlid.user_set_image",
            Method::POST,
            "user_set_image.fcgi",
            decode_set_image,
        )
        .query("user_id", user_id)
        .query("match", u8::from(match_check))
        .query("timestamp", chrono::Utc::now().timestamp())
        .body(Body::bytes(
            "application/octet-stream",
            photo.bytes().clone(),
        ));
        self.engine.execute(op).await
    }

    /// Downloads a user's photo.
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    ///
    /// Errors: [`Error::Api`] when the device refuses; [`Error::Auth`] when the login is refused,
    /// or the device refuses the session again after one re-login.
    pub async fn user_image(&self, user_id: UserId) -> Result<Image> {
        fn decode(raw: RawResponse) -> Result<Image> {
            Ok(Image::from_bytes(raw.body))
        }
        let op = Operation::with_decoder(
            "controlid.user_get_image",
            Method::GET,
            "user_get_image.fcgi",
            decode,
        )
        .query("user_id", user_id);
        self.engine.execute(op).await
    }

    /// Deletes a user's photo.
    ///
    /// **Not resent** once it may have reached the device: it deletes the photo, and what a
    /// second request answers once the photo is gone is not documented.
    ///
    /// Errors: [`Error::Api`] when the device refuses; [`Error::Auth`] when the login is refused,
    /// or the device refuses the session again after one re-login.
    pub async fn destroy_user_image(&self, user_id: UserId) -> Result<()> {
        let op = Operation::with_decoder(
            "controlid.user_destroy_image",
            Method::POST,
            "user_destroy_image.fcgi",
            decode_unit,
        )
        .json_body(&json!({"user_id": user_id.get()}))?;
        self.engine.execute(op).await
    }

    /// The users that have a photo.
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    ///
    /// Errors: [`Error::Api`] when the device refuses; [`Error::Auth`] when the login is refused,
    /// or the device refuses the session again after one re-login.
    pub async fn users_with_images(&self) -> Result<Vec<UserId>> {
        #[derive(Deserialize)]
        struct Wire {
            #[serde(default)]
            user_ids: Vec<UserId>,
        }
        let op = Operation::<Wire>::new(
            "controlid.user_list_images",
            Method::POST,
            "user_list_images.fcgi",
        )
        .idempotent(true)
        .json_body(&json!({}))?;
        Ok(self.engine.execute(op).await?.user_ids)
    }
}
