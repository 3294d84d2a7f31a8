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

#[cfg(feature = "axum")]
mod router;
mod wire;

use biometric_core::{Bytes, DecodeError, Image, Result, Template};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub use router::{
    DEFAULT_BODY_LIMIT, DEFAULT_MAX_IN_FLIGHT, RouterConfig, router, router_with, router_with_limit,
};

use crate::enroll::{FingerprintImage, WireFingerprint};
use crate::ids::{CardValue, DeviceId, FingerType, UserId};
use wire::{OneOrMany, lenient_i64, lenient_opt_i64};

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

/// `card_create.fcgi`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct CardCreated {
    /// The user.
    pub user_id: UserId,
    /// The card's value.
    pub card_value: CardValue,
    /// The device.
    pub device_id: DeviceId,
}

/// `fingerprint_create.fcgi`.
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

/// A monitor notification (`POST <monitor path>/<name>`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Notification {
    /// `user_image`: a face enrolled remotely (async, not saved).
    UserImage(EnrollNotification),
    /// `template`: a fingerprint template enrolled remotely.
    Template(EnrollNotification),
    /// `card`: a card enrolled remotely.
    Card(EnrollNotification),
    /// `pin`: a PIN enrolled remotely (listed among the remote-enroll results in Control iD's
    /// notes; its payload shape is not documented).
    Pin(EnrollNotification),
    /// `password`: a password enrolled remotely (listed among the remote-enroll results in
    /// Control iD's notes; its payload shape is not documented).
    Password(EnrollNotification),
    /// `dao`: database changes (access logs inserted...).
    Dao(Dao),
    /// `device_is_alive`: the periodic heartbeat.
    DeviceIsAlive(DeviceIsAlive),
    /// `door`: a door opened or closed.
    Door(Door),
    /// `operation_mode`: the device changed mode (online, offline...).
    OperationMode(OperationModeChange),
    /// `catra_event`: a turnstile event.
    CatraEvent(CatraEvent),
    /// `access_photo`: the photo taken at an access event.
    AccessPhoto(AccessPhoto),
    /// `secbox`: the security box (relay module) opened or closed.
    Secbox(Secbox),
}

/// `user_image`, `template`, `card`, `pin` and `password` notifications: their shape is not
/// documented, so the common fields are read where present and the whole body is kept (a PIN or
/// password stays in [`EnrollNotification::fields`] only; the `Debug` output shows the field
/// names, never their values).
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct EnrollNotification {
    /// The user, when sent.
    pub user_id: Option<i64>,
    /// The device, when sent.
    pub device_id: Option<i64>,
    /// The first base64 image or template field found (`user_image`, `image`, `template`).
    pub data: Option<Bytes>,
    /// Every field, as sent.
    pub fields: Map<String, Value>,
}

impl std::fmt::Debug for EnrollNotification {
    /// Ids, the data's length and the field names: never a PIN, a password or biometric bytes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrollNotification")
            .field("user_id", &self.user_id)
            .field("device_id", &self.device_id)
            .field("data_len", &self.data.as_ref().map(Bytes::len))
            .field("fields", &self.fields.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// One changed row in a `dao` notification.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct ObjectChange {
    /// The table (`access_logs`, `users`...).
    pub object: String,
    /// `inserted`, `updated` or `deleted`.
    #[serde(rename = "type")]
    pub change: ChangeType,
    /// The row's values (the device sends them as strings).
    #[serde(default)]
    pub values: Map<String, Value>,
}

biometric_core::string_enum! {
    /// What happened to a row.
    pub enum ChangeType {
        /// A row was added.
        Inserted = "inserted",
        /// A row was changed.
        Updated = "updated",
        /// A row was removed.
        Deleted = "deleted",
    }
}

/// `dao`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Dao {
    /// The changed rows.
    #[serde(default)]
    pub object_changes: Vec<ObjectChange>,
    /// The device.
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub device_id: Option<i64>,
}

/// `device_is_alive`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct DeviceIsAlive {
    /// Access logs stored on the device.
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub access_logs: Option<i64>,
    /// The device.
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub device_id: Option<i64>,
    /// The device's time (Unix seconds).
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub time: Option<i64>,
}

/// A door or security box state.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct OpenState {
    /// Its id.
    #[serde(deserialize_with = "lenient_i64")]
    pub id: i64,
    /// Whether it is open.
    pub open: bool,
}

/// `door`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Door {
    /// The door and its state.
    pub door: OpenState,
    /// The access event that opened it, when any.
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub access_event_id: Option<i64>,
    /// The device.
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub device_id: Option<i64>,
    /// The device's time (Unix seconds).
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub time: Option<i64>,
}

/// `secbox`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Secbox {
    /// The security box and its state.
    pub secbox: OpenState,
    /// The access event, when any.
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub access_event_id: Option<i64>,
}

/// The mode details of an `operation_mode` notification.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct OperationMode {
    /// The mode number.
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub mode: Option<i64>,
    /// The mode's name.
    #[serde(default)]
    pub mode_name: Option<String>,
    /// When it changed (Unix seconds).
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub time: Option<i64>,
    /// When the device was last offline.
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub last_offline: Option<i64>,
    /// The exception mode, when any.
    #[serde(default)]
    pub exception_mode: Option<Value>,
}

/// `operation_mode`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct OperationModeChange {
    /// The new mode.
    pub operation_mode: OperationMode,
    /// The device.
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub device_id: Option<i64>,
}

/// The event of a `catra_event` notification.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct TurnstileEvent {
    /// The event type.
    #[serde(rename = "type", default, deserialize_with = "lenient_opt_i64")]
    pub kind: Option<i64>,
    /// The event name.
    #[serde(default)]
    pub name: Option<String>,
    /// When it happened (Unix seconds).
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub time: Option<i64>,
    /// Its unique id.
    #[serde(default)]
    pub uuid: Option<String>,
}

/// `catra_event`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct CatraEvent {
    /// The turnstile event.
    pub event: TurnstileEvent,
    /// The access event, when any.
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub access_event_id: Option<i64>,
    /// The device.
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub device_id: Option<i64>,
    /// The device's time (Unix seconds).
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub time: Option<i64>,
}

/// `access_photo`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct AccessPhoto {
    /// The device.
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub device_id: Option<i64>,
    /// When it was taken (Unix seconds).
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub time: Option<i64>,
    /// The portal.
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub portal_id: Option<i64>,
    /// How the person identified.
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub identifier_id: Option<i64>,
    /// The access event code.
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub event: Option<i64>,
    /// The user, when identified.
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub user_id: Option<i64>,
    /// The photo (JPEG).
    pub access_photo: Image,
}

const OPERATION: &str = "controlid.callback";

fn decode_error(
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

fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        decode_error(err.into_inner().to_string(), Some(path), body)
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
        user_id: i64,
        #[serde(default)]
        finger_type: i64,
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
        user_id: i64,
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

fn notification(name: &str, body: &[u8]) -> Result<Option<Notification>> {
    Ok(Some(match name {
        "user_image" => Notification::UserImage(enroll_notification(body)?),
        "template" => Notification::Template(enroll_notification(body)?),
        "card" => Notification::Card(enroll_notification(body)?),
        "pin" => Notification::Pin(enroll_notification(body)?),
        "password" => Notification::Password(enroll_notification(body)?),
        "dao" => Notification::Dao(json(body)?),
        "device_is_alive" => Notification::DeviceIsAlive(json(body)?),
        "door" => Notification::Door(json(body)?),
        "operation_mode" => Notification::OperationMode(json(body)?),
        "catra_event" => Notification::CatraEvent(json(body)?),
        "access_photo" => Notification::AccessPhoto(json(body)?),
        "secbox" => Notification::Secbox(json(body)?),
        // A name this SDK does not know: the caller gets `Callback::Unknown` with everything.
        _ => return Ok(None),
    }))
}

fn enroll_notification(body: &[u8]) -> Result<EnrollNotification> {
    let fields: Map<String, Value> = json(body)?;
    let number = |key: &str| {
        fields
            .get(key)
            .and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
    };
    let data = ["user_image", "image", "template"]
        .iter()
        .find_map(|key| fields.get(*key)?.as_str())
        .map(biometric_core::base64::decode_bytes)
        .transpose()
        .map_err(|e| decode_error(format!("invalid base64: {e}"), None, body))?;
    Ok(EnrollNotification {
        user_id: number("user_id"),
        device_id: number("device_id"),
        data,
        fields,
    })
}
