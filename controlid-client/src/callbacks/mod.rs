//! What the device POSTs to your server: asynchronous enrollment results and monitor
//! notifications, as typed values.
//!
//! [`parse`] is framework-free: give it the request's path, query string, content type and body.
//! With the `axum` feature, [`router`] serves every path, enforces a body limit, and answers the
//! device as it expects.
//!
//! ```
//! use controlid_client::callbacks::{Callback, parse};
//! let body = br#"{"user_id": 1, "card_value": 132456789, "device_id": 935107}"#;
//! match parse("/card_create.fcgi", "", Some("application/json"), body).unwrap() {
//!     Callback::CardCreated(card) => assert_eq!(card.card_value.get(), 132456789),
//!     other => panic!("unexpected {other:?}"),
//! }
//! ```

mod access_log;
mod notifications;
mod results;
#[cfg(feature = "axum")]
mod router;
mod wire;

use biometric_core::{Bytes, DecodeError, Image, Result, Template};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// The type [`router`] returns (axum's), re-exported so that an application serving it needs
/// no axum dependency pinned to this crate's.
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub use axum::Router;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub use router::{
    DEFAULT_BODY_LIMIT, DEFAULT_MAX_IN_FLIGHT, RouterConfig, router, router_with, router_with_limit,
};

pub use access_log::{AccessEvent, AccessLog, TemplateRow};
pub use notifications::{
    AccessPhoto, CatraEvent, ChangeType, Dao, DeviceIsAlive, Door, EnrollNotification,
    Notification, ObjectChange, OpenState, OperationMode, OperationModeChange, OtherFields, Secbox,
    TurnstileEvent, UsbDrive,
};
pub use results::{
    BoxFuture, EnrollKind, EnrollmentResults, PendingEnrollment, RawCallback, ResultKey,
    ResultRelay, Waiter,
};

use crate::enroll::{FingerprintImage, WireFingerprint};
use crate::ids::{CardValue, DeviceId, FingerType, UserId};
use notifications::notification;
use wire::OneOrMany;
pub(crate) use wire::{boolean, lenient_i64, lenient_opt_i64, number};

/// A parsed callback.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub enum Callback {
    /// `card_create.fcgi`: a card enrolled asynchronously.
    CardCreated(CardCreated),
    /// `fingerprint_create.fcgi`: fingerprints enrolled asynchronously.
    FingerprintCreated(FingerprintCreated),
    /// `face_create.fcgi`: a face enrolled asynchronously.
    FaceCreated(FaceCreated),
    /// `template_create.fcgi`: fingerprint templates the device extracted.
    TemplatesCreated(TemplatesCreated),
    /// A monitor notification (`<path>/<name>`).
    Notification(Notification),
    /// A known path whose body does not decode (a firmware that changed a field's type): what
    /// the device sent, kept whole, and why it did not decode. The router hands it to the
    /// handler (so nothing is lost) and answers the device `400`.
    Malformed {
        /// The request path.
        path: String,
        /// The query string.
        query: String,
        /// The content type, if any.
        content_type: Option<String>,
        /// The body.
        body: Bytes,
        /// Why it did not decode: the decode error's text, with the JSON path.
        error: String,
    },
    /// A path (or notification name) this SDK does not know: everything the device sent, kept
    /// as is (`Debug` shows the body redacted and cut, see [`biometric_core::redact`]).
    Unknown {
        /// The request path.
        path: String,
        /// The query string.
        query: String,
        /// The content type, if any.
        content_type: Option<String>,
        /// The body.
        body: Bytes,
    },
}

impl std::fmt::Debug for Callback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Callback::CardCreated(c) => f.debug_tuple("CardCreated").field(c).finish(),
            Callback::FingerprintCreated(c) => {
                f.debug_tuple("FingerprintCreated").field(c).finish()
            }
            Callback::FaceCreated(c) => f.debug_tuple("FaceCreated").field(c).finish(),
            Callback::TemplatesCreated(c) => f.debug_tuple("TemplatesCreated").field(c).finish(),
            Callback::Notification(n) => f.debug_tuple("Notification").field(n).finish(),
            Callback::Malformed {
                path,
                query,
                content_type,
                body,
                error,
            } => f
                .debug_struct("Malformed")
                .field("path", &biometric_core::redact::cut(path))
                .field("query", &biometric_core::redact::text_preview(query))
                .field("content_type", content_type)
                .field("body", &biometric_core::redact::body_preview(body))
                .field("error", error)
                .finish(),
            // The body of an unknown callback may be anything: a face, a PIN.
            Callback::Unknown {
                path,
                query,
                content_type,
                body,
            } => f
                .debug_struct("Unknown")
                .field("path", &biometric_core::redact::cut(path))
                .field("query", &biometric_core::redact::text_preview(query))
                .field("content_type", content_type)
                .field("body", &biometric_core::redact::body_preview(body))
                .finish(),
        }
    }
}

/// `card_create.fcgi` (numbers are read whether sent as numbers or as numeric strings).
///
/// The vendor's example: `{"user_id": 1, "card_value": 132456789, "device_id": 935107}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct CardCreated {
    /// The user.
    #[serde(deserialize_with = "wire::user_id")]
    pub user_id: UserId,
    /// The card's value.
    #[serde(deserialize_with = "wire::card_value")]
    pub card_value: CardValue,
    /// The device.
    #[serde(deserialize_with = "wire::device_id")]
    pub device_id: DeviceId,
    /// Fields this SDK does not type, as sent.
    #[serde(flatten)]
    pub other: OtherFields,
}

/// `fingerprint_create.fcgi`.
///
/// The vendor's example (images cut): `{"user_id": 1, "finger_type": 0, "device_id": 935107,`
/// `"fingerprints": [{"image": "/9j/4AAQ...", "width": 300, "height": 200}, ...]}`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FingerprintCreated {
    /// The user.
    pub user_id: UserId,
    /// Normal or panic finger.
    pub finger_type: FingerType,
    /// The device.
    pub device_id: DeviceId,
    /// One image per capture step: raw grayscale or JPEG, told apart by content.
    pub fingerprints: Vec<FingerprintImage>,
}

/// One face picture.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FaceImage {
    /// The picture (JPEG).
    pub image: Image,
    /// Width in pixels, when sent.
    pub width: Option<u32>,
    /// Height in pixels, when sent.
    pub height: Option<u32>,
}

/// `face_create.fcgi` (`face` arrives as one object or as an array; both are accepted).
///
/// The vendor's example (image cut): `{"user_id": 1, "device_id": 935107,`
/// `"face": {"image": "/9j/4AAQ...", "width": 300, "height": 300}}`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FaceCreated {
    /// The user.
    pub user_id: UserId,
    /// The device.
    pub device_id: DeviceId,
    /// The face picture(s).
    pub faces: Vec<FaceImage>,
}

/// `template_create.fcgi`: the body holds `temp_num` templates back to back, their lengths in
/// the query (`size0`, `size1`...).
///
/// The notes' example: the query
/// `?card_id=&device_id=935449&finger_type=0&size0=2534&temp_num=1&user_id=0` with the
/// template's 2534 bytes as an `application/octet-stream` body.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TemplatesCreated {
    /// The user (0 when the enrollment named none).
    pub user_id: UserId,
    /// The device.
    pub device_id: DeviceId,
    /// Normal or panic finger.
    pub finger_type: FingerType,
    /// The card id, when sent.
    pub card_id: Option<i64>,
    /// The templates, split by the `size<i>` values.
    pub templates: Vec<Template>,
}

/// The template format of Control iD fingerprint templates.
pub const TEMPLATE_FORMAT: &str = "controlid-fingerprint";

const OPERATION: &str = "controlid.callback";

pub(crate) fn decode_error(
    message: impl Into<String>,
    path: Option<String>,
    body: &[u8],
) -> biometric_core::Error {
    let error = DecodeError::new(OPERATION, message).with_body(Bytes::copy_from_slice(body));
    match path {
        Some(path) => error.with_path(path).into(),
        None => error.into(),
    }
}

pub(crate) fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        decode_error(err.into_inner().to_string(), Some(path), body)
    })
}

/// Like [`parse`], but a known path whose body does not decode becomes
/// [`Callback::Malformed`] carrying the request and the decode error instead of an error: what
/// the callback router hands a handler.
pub fn parse_or_keep(
    path: &str,
    query: &str,
    content_type: Option<&str>,
    body: &Bytes,
) -> Callback {
    parse(path, query, content_type, body).unwrap_or_else(|error| Callback::Malformed {
        path: path.to_owned(),
        query: query.to_owned(),
        content_type: content_type.map(str::to_owned),
        body: body.clone(),
        error: error.to_string(),
    })
}

/// Turns one request from the device into a typed [`Callback`].
///
/// `path` is the request path (`/card_create.fcgi`, `/api/notifications/dao`...), `query` the raw
/// query string without `?`. Known paths with a body that does not match the documentation give a
/// [`biometric_core::Error::Decode`] naming the JSON path; unknown paths give
/// [`Callback::Unknown`]. No input panics.
pub fn parse(path: &str, query: &str, content_type: Option<&str>, body: &[u8]) -> Result<Callback> {
    let name = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    Ok(match name {
        "card_create.fcgi" => Callback::CardCreated(json(body)?),
        "fingerprint_create.fcgi" => Callback::FingerprintCreated(fingerprint_created(body)?),
        "face_create.fcgi" => Callback::FaceCreated(face_created(body)?),
        "template_create.fcgi" => Callback::TemplatesCreated(templates_created(query, body)?),
        _ => match notification(name, body)? {
            Some(notification) => Callback::Notification(notification),
            None => Callback::Unknown {
                path: path.to_owned(),
                query: query.to_owned(),
                content_type: content_type.map(str::to_owned),
                body: Bytes::copy_from_slice(body),
            },
        },
    })
}

fn fingerprint_created(body: &[u8]) -> Result<FingerprintCreated> {
    #[derive(Deserialize)]
    struct Wire {
        #[serde(deserialize_with = "wire::lenient_i64")]
        user_id: i64,
        #[serde(default, deserialize_with = "wire::lenient_i64")]
        finger_type: i64,
        #[serde(deserialize_with = "wire::lenient_i64")]
        device_id: i64,
        #[serde(default)]
        fingerprints: Vec<WireFingerprint>,
    }
    let wire: Wire = json(body)?;
    Ok(FingerprintCreated {
        user_id: UserId::from_device(wire.user_id),
        finger_type: FingerType::from_wire(wire.finger_type),
        device_id: DeviceId(wire.device_id),
        fingerprints: wire.fingerprints.into_iter().map(Into::into).collect(),
    })
}

fn face_created(body: &[u8]) -> Result<FaceCreated> {
    #[derive(Deserialize)]
    struct WireFace {
        #[serde(with = "biometric_core::base64")]
        image: Vec<u8>,
        width: Option<u32>,
        height: Option<u32>,
    }
    #[derive(Deserialize)]
    struct Wire {
        #[serde(deserialize_with = "wire::lenient_i64")]
        user_id: i64,
        #[serde(deserialize_with = "wire::lenient_i64")]
        device_id: i64,
        face: OneOrMany<WireFace>,
    }
    let wire: Wire = json(body)?;
    Ok(FaceCreated {
        user_id: UserId::from_device(wire.user_id),
        device_id: DeviceId(wire.device_id),
        faces: wire
            .face
            .into_vec()
            .into_iter()
            .map(|f| FaceImage {
                image: Image::from_bytes(f.image),
                width: f.width,
                height: f.height,
            })
            .collect(),
    })
}

fn templates_created(query: &str, body: &[u8]) -> Result<TemplatesCreated> {
    let pairs: Vec<(String, String)> = url_pairs(query)
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let int = |name: &str| -> Result<Option<i64>> {
        match get(name) {
            None | Some("") => Ok(None),
            Some(text) => text.parse().map(Some).map_err(|_| {
                decode_error(
                    format!("query `{name}` is not a number: {text:?}"),
                    None,
                    body,
                )
            }),
        }
    };
    let count = int("temp_num")?.unwrap_or(0);
    if !(0..=64).contains(&count) {
        return Err(decode_error(
            format!("temp_num {count} is out of range"),
            None,
            body,
        ));
    }
    let mut templates = Vec::with_capacity(count as usize);
    let mut offset = 0usize;
    for i in 0..count {
        let size = int(&format!("size{i}"))?
            .ok_or_else(|| decode_error(format!("query `size{i}` is missing"), None, body))?;
        let end = usize::try_from(size)
            .ok()
            .and_then(|size| offset.checked_add(size))
            .filter(|end| *end <= body.len());
        let Some(end) = end else {
            return Err(decode_error(
                format!("size{i} = {size} runs past the {}-byte body", body.len()),
                None,
                body,
            ));
        };
        templates.push(
            Template::new(Bytes::copy_from_slice(&body[offset..end])).with_format(TEMPLATE_FORMAT),
        );
        offset = end;
    }
    if offset != body.len() {
        return Err(decode_error(
            format!(
                "the sizes add up to {offset} bytes but the body has {}",
                body.len()
            ),
            None,
            body,
        ));
    }
    Ok(TemplatesCreated {
        user_id: UserId::from_device(int("user_id")?.unwrap_or(0)),
        device_id: DeviceId(int("device_id")?.unwrap_or(0)),
        finger_type: FingerType::from_wire(int("finger_type")?.unwrap_or(0)),
        card_id: int("card_id")?,
        templates,
    })
}

fn url_pairs(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}
