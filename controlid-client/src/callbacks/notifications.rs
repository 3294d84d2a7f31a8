//! The monitor's notifications (`POST <monitor path>/<name>`), typed.
//!
//! Every notification keeps what the device sent: its `device_id` and `time` where the device
//! sends them (typed: [`DeviceId`], a UTC time from its Unix seconds), numbers whether they arrive
//! as numbers or as strings, and every field this SDK does not type in an [`OtherFields`].

use std::fmt;

use biometric_core::{Bytes, Image, Result};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::access_log::{AccessLog, TemplateRow};
use super::wire::{lenient_i64, lenient_opt_i64, number, opt_device_id, unix_time};
use super::{decode_error, json};
use crate::ids::{DeviceId, UserId};

/// The fields of a notification that this SDK does not type, as the device sent them (newer
/// firmware adds fields). `Debug` shows their names only: a device may add a PIN or an image.
#[derive(Clone, Default, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct OtherFields(Map<String, Value>);

impl OtherFields {
    pub(crate) fn from_map(map: Map<String, Value>) -> Self {
        OtherFields(map)
    }

    /// A field's value, as sent.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// Every field, as sent.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    /// True when the device sent nothing beyond the typed fields.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for OtherFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

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
    /// `dao`: database changes (access logs inserted...); [`Dao::access_logs`] reads them.
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
    /// `usb_drive`: a USB drive routine ran (an export of access logs...).
    UsbDrive(UsbDrive),
}

impl Notification {
    /// The device that sent it, when the notification says.
    pub fn device_id(&self) -> Option<DeviceId> {
        match self {
            Notification::UserImage(n)
            | Notification::Template(n)
            | Notification::Card(n)
            | Notification::Pin(n)
            | Notification::Password(n) => n.device_id,
            Notification::Dao(n) => n.device_id,
            Notification::DeviceIsAlive(n) => n.device_id,
            Notification::Door(n) => n.device_id,
            Notification::OperationMode(n) => n.device_id,
            Notification::CatraEvent(n) => n.device_id,
            Notification::AccessPhoto(n) => n.device_id,
            Notification::Secbox(n) => n.device_id,
            Notification::UsbDrive(n) => n.device_id,
        }
    }

    /// The device's time at sending (UTC, from its Unix seconds), when the notification says.
    pub fn time(&self) -> Option<DateTime<Utc>> {
        match self {
            Notification::UserImage(n)
            | Notification::Template(n)
            | Notification::Card(n)
            | Notification::Pin(n)
            | Notification::Password(n) => n.time,
            Notification::Dao(n) => n.time,
            Notification::DeviceIsAlive(n) => n.time,
            Notification::Door(n) => n.time,
            Notification::OperationMode(n) => n.time,
            Notification::CatraEvent(n) => n.time,
            Notification::AccessPhoto(n) => n.time,
            Notification::Secbox(n) => n.time,
            Notification::UsbDrive(n) => n.time,
        }
    }
}

/// `user_image`, `template`, `card`, `pin` and `password` notifications: their shape is not
/// documented, so the common fields are read where present and the whole body is kept (a PIN or
/// password stays in [`EnrollNotification::fields`] only; the `Debug` output shows the field
/// names, never their values).
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct EnrollNotification {
    /// The user, when sent (`None` for `0`: nobody).
    pub user_id: Option<UserId>,
    /// The device, when sent.
    pub device_id: Option<DeviceId>,
    /// The device's time, when sent.
    pub time: Option<DateTime<Utc>>,
    /// The first base64 image or template field found (`user_image`, `image`, `template`).
    pub data: Option<Bytes>,
    /// Every field, as sent.
    pub fields: Map<String, Value>,
}

impl fmt::Debug for EnrollNotification {
    /// Ids, the data's length and the field names: never a PIN, a password or biometric bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnrollNotification")
            .field("user_id", &self.user_id)
            .field("device_id", &self.device_id)
            .field("time", &self.time)
            .field("data_len", &self.data.as_ref().map(Bytes::len))
            .field("fields", &self.fields.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// One changed row in a `dao` notification: the device sends its values as strings, numbers
/// included (`"id": "24"`); [`ObjectChange::access_log`] and [`ObjectChange::template`] read
/// them typed.
#[derive(Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct ObjectChange {
    /// The table (`access_logs`, `templates`, `users`...).
    pub object: String,
    /// `inserted`, `updated` or `deleted`.
    #[serde(rename = "type")]
    pub change: ChangeType,
    /// The row's values, as sent (strings, numbers included).
    #[serde(default)]
    pub values: Map<String, Value>,
}

/// The values may hold a PIN, a QR code or a template: `Debug` shows their names only.
impl fmt::Debug for ObjectChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectChange")
            .field("object", &self.object)
            .field("change", &self.change)
            .field("values", &self.values.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl ObjectChange {
    /// The row as an access log, when it is one (`object` is `access_logs`).
    pub fn access_log(&self) -> Option<AccessLog> {
        (self.object == "access_logs").then(|| AccessLog::from_values(&self.values))
    }

    /// The row as a fingerprint template, when it is one (`object` is `templates`).
    pub fn template(&self) -> Option<TemplateRow> {
        (self.object == "templates").then(|| TemplateRow::from_values(&self.values))
    }
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

/// `dao`: rows the device added, changed or removed in its tables.
///
/// ```
/// use controlid_client::callbacks::{AccessEvent, Callback, Notification, parse};
/// let body = br#"{"object_changes":[{"object":"access_logs","type":"inserted",
///     "values":{"id":"24","time":"1705523584","event":"7","device_id":"4408801109264246",
///     "user_id":"1","portal_id":"1","confidence":"1009"}}],
///     "device_id":4408801109264246,"time":1705523585}"#;
/// let Callback::Notification(Notification::Dao(dao)) =
///     parse("/api/notifications/dao", "", Some("application/json"), body).unwrap()
/// else { unreachable!() };
/// let log = dao.access_logs().next().unwrap();
/// assert_eq!(log.event, AccessEvent::AccessGranted);
/// assert_eq!(log.user_id.map(|u| u.get()), Some(1));
/// assert_eq!(log.time.unwrap().to_rfc3339(), "2024-01-17T20:33:04+00:00");
/// assert_eq!(dao.device_id.unwrap().0, 4408801109264246);
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Dao {
    /// The changed rows.
    #[serde(default)]
    pub object_changes: Vec<ObjectChange>,
    /// The device.
    #[serde(default, deserialize_with = "opt_device_id")]
    pub device_id: Option<DeviceId>,
    /// The device's time at sending.
    #[serde(default, deserialize_with = "unix_time")]
    pub time: Option<DateTime<Utc>>,
    /// Fields this SDK does not type, as sent.
    #[serde(flatten)]
    pub other: OtherFields,
}

impl Dao {
    /// The access logs the device inserted (`access_logs` rows of type `inserted`), typed.
    pub fn access_logs(&self) -> impl Iterator<Item = AccessLog> + '_ {
        self.inserted("access_logs")
            .map(|c| AccessLog::from_values(&c.values))
    }

    /// The fingerprint templates the device inserted (`templates` rows of type `inserted`).
    pub fn templates(&self) -> impl Iterator<Item = TemplateRow> + '_ {
        self.inserted("templates")
            .map(|c| TemplateRow::from_values(&c.values))
    }

    fn inserted<'a>(&'a self, table: &'a str) -> impl Iterator<Item = &'a ObjectChange> + 'a {
        self.object_changes
            .iter()
            .filter(move |c| c.object == table && c.change == ChangeType::Inserted)
    }
}

/// `device_is_alive`.
///
/// The notes give its keys: `{"access_logs", "device_id", "time"}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct DeviceIsAlive {
    /// Access logs stored on the device.
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub access_logs: Option<i64>,
    /// The device.
    #[serde(default, deserialize_with = "opt_device_id")]
    pub device_id: Option<DeviceId>,
    /// The device's time.
    #[serde(default, deserialize_with = "unix_time")]
    pub time: Option<DateTime<Utc>>,
    /// Fields this SDK does not type, as sent.
    #[serde(flatten)]
    pub other: OtherFields,
}

/// A door or security box state.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct OpenState {
    /// Its id.
    #[serde(deserialize_with = "lenient_i64")]
    pub id: i64,
    /// Whether it is open.
    #[serde(deserialize_with = "super::wire::lenient_bool")]
    pub open: bool,
}

/// `door`.
///
/// The notes give its keys: `{"door": {"id", "open"}, "access_event_id"?, "device_id", "time"}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Door {
    /// The door and its state.
    pub door: OpenState,
    /// The access event that opened it, when any.
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub access_event_id: Option<i64>,
    /// The device.
    #[serde(default, deserialize_with = "opt_device_id")]
    pub device_id: Option<DeviceId>,
    /// The device's time.
    #[serde(default, deserialize_with = "unix_time")]
    pub time: Option<DateTime<Utc>>,
    /// Fields this SDK does not type, as sent.
    #[serde(flatten)]
    pub other: OtherFields,
}

/// `secbox`.
///
/// The notes give its keys: `{"secbox": {"id", "open"}, "access_event_id"?}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Secbox {
    /// The security box and its state.
    pub secbox: OpenState,
    /// The access event, when any.
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub access_event_id: Option<i64>,
    /// The device, when sent.
    #[serde(default, deserialize_with = "opt_device_id")]
    pub device_id: Option<DeviceId>,
    /// The device's time, when sent.
    #[serde(default, deserialize_with = "unix_time")]
    pub time: Option<DateTime<Utc>>,
    /// Fields this SDK does not type, as sent.
    #[serde(flatten)]
    pub other: OtherFields,
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
    /// When it changed.
    #[serde(default, deserialize_with = "unix_time")]
    pub time: Option<DateTime<Utc>>,
    /// When the device was last offline.
    #[serde(default, deserialize_with = "unix_time")]
    pub last_offline: Option<DateTime<Utc>>,
    /// The exception mode, when any.
    #[serde(default)]
    pub exception_mode: Option<Value>,
    /// Fields this SDK does not type, as sent.
    #[serde(flatten)]
    pub other: OtherFields,
}

/// `operation_mode`.
///
/// The notes give its keys:
/// `{"operation_mode": {"mode", "mode_name", "time", "last_offline", "exception_mode"},`
/// `"device_id"}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct OperationModeChange {
    /// The new mode.
    pub operation_mode: OperationMode,
    /// The device.
    #[serde(default, deserialize_with = "opt_device_id")]
    pub device_id: Option<DeviceId>,
    /// The device's time at sending, when sent.
    #[serde(default, deserialize_with = "unix_time")]
    pub time: Option<DateTime<Utc>>,
    /// Fields this SDK does not type, as sent.
    #[serde(flatten)]
    pub other: OtherFields,
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
    /// When it happened.
    #[serde(default, deserialize_with = "unix_time")]
    pub time: Option<DateTime<Utc>>,
    /// Its unique id.
    #[serde(default)]
    pub uuid: Option<String>,
    /// Fields this SDK does not type, as sent.
    #[serde(flatten)]
    pub other: OtherFields,
}

/// `catra_event`.
///
/// The notes give its keys:
/// `{"event": {"type", "name", "time", "uuid"}, "access_event_id"?, "device_id", "time"}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct CatraEvent {
    /// The turnstile event.
    pub event: TurnstileEvent,
    /// The access event, when any.
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub access_event_id: Option<i64>,
    /// The device.
    #[serde(default, deserialize_with = "opt_device_id")]
    pub device_id: Option<DeviceId>,
    /// The device's time.
    #[serde(default, deserialize_with = "unix_time")]
    pub time: Option<DateTime<Utc>>,
    /// Fields this SDK does not type, as sent.
    #[serde(flatten)]
    pub other: OtherFields,
}

/// `access_photo`.
///
/// The notes give its keys: `{"device_id", "time", "portal_id", "identifier_id", "event",`
/// `"user_id", "access_photo"}`, `access_photo` a base64 JPEG.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct AccessPhoto {
    /// The device.
    #[serde(default, deserialize_with = "opt_device_id")]
    pub device_id: Option<DeviceId>,
    /// When it was taken.
    #[serde(default, deserialize_with = "unix_time")]
    pub time: Option<DateTime<Utc>>,
    /// The portal.
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub portal_id: Option<i64>,
    /// How the person identified.
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub identifier_id: Option<i64>,
    /// The access event code.
    #[serde(default, deserialize_with = "lenient_opt_i64")]
    pub event: Option<i64>,
    /// The user, when identified (`None` for `0`: nobody).
    #[serde(default, deserialize_with = "super::wire::opt_user_id")]
    pub user_id: Option<UserId>,
    /// The photo (JPEG).
    pub access_photo: Image,
    /// Fields this SDK does not type, as sent.
    #[serde(flatten)]
    pub other: OtherFields,
}

/// What a `usb_drive` notification says happened.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct UsbDriveEvent {
    /// The device's text, e.g. `Export formatted access logs routine succeeded
    /// [uuid=2C9D-476B]` (no list of texts is documented).
    #[serde(default)]
    pub event: String,
    /// Fields this SDK does not type, as sent.
    #[serde(flatten)]
    pub other: OtherFields,
}

/// `usb_drive`: a routine on a USB drive plugged into the device ran (captured from deployed
/// devices: `{"usb_drive": {"event": "..."}, "device_id": 478435, "time": 1490271121}`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct UsbDrive {
    /// What happened.
    pub usb_drive: UsbDriveEvent,
    /// The device.
    #[serde(default, deserialize_with = "opt_device_id")]
    pub device_id: Option<DeviceId>,
    /// The device's time.
    #[serde(default, deserialize_with = "unix_time")]
    pub time: Option<DateTime<Utc>>,
    /// Fields this SDK does not type, as sent.
    #[serde(flatten)]
    pub other: OtherFields,
}

/// The notification called `name`, or `None` for a name this SDK does not know.
pub(crate) fn notification(name: &str, body: &[u8]) -> Result<Option<Notification>> {
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
        "usb_drive" => Notification::UsbDrive(json(body)?),
        // A name this SDK does not know: the caller gets `Callback::Unknown` with everything.
        _ => return Ok(None),
    }))
}

fn enroll_notification(body: &[u8]) -> Result<EnrollNotification> {
    let fields: Map<String, Value> = json(body)?;
    let number = |key: &str| fields.get(key).and_then(number);
    let data = ["user_image", "image", "template"]
        .iter()
        .find_map(|key| fields.get(*key)?.as_str())
        .map(biometric_core::base64::decode_bytes)
        .transpose()
        .map_err(|e| decode_error(format!("invalid base64: {e}"), None, body))?;
    Ok(EnrollNotification {
        user_id: number("user_id")
            .filter(|id| *id > 0)
            .map(UserId::from_device),
        device_id: number("device_id").map(DeviceId),
        time: number("time").and_then(|seconds| DateTime::from_timestamp(seconds, 0)),
        data,
        fields,
    })
}
