//! Typed views of the table rows a `dao` notification carries: access logs and fingerprint
//! templates. The device sends every value as a string (`"event": "7"`); the views read them
//! leniently (a value that does not parse is `None`, never an error) and keep the row as sent.

use std::fmt;

use biometric_core::Template;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::TEMPLATE_FORMAT;
use super::notifications::OtherFields;
use super::wire::{boolean, number};
use crate::ids::{CardValue, DeviceId, FingerType, UserId};

/// What happened at an access attempt: the `event` of an `access_logs` row, as Control iD's
/// access API lists it (table `access_logs`). A code this SDK does not know is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccessEvent {
    /// 1: invalid device.
    InvalidDevice,
    /// 2: invalid identification parameters.
    InvalidIdentificationParameters,
    /// 3: not identified (no enrolled person matched).
    NotIdentified,
    /// 4: identification pending.
    IdentificationPending,
    /// 5: identification timed out.
    IdentificationTimeout,
    /// 6: access denied.
    AccessDenied,
    /// 7: access granted.
    AccessGranted,
    /// 8: access pending.
    AccessPending,
    /// 9: the user is not an administrator.
    UserNotAdministrator,
    /// 10: access not identified.
    AccessNotIdentified,
    /// 11: access by the exit button.
    ExitButton,
    /// 12: access through the web interface.
    WebInterface,
    /// 13: the person gave up entering.
    GaveUp,
    /// 14: no answer.
    NoResponse,
    /// 15: access through the intercom.
    Intercom,
    /// A code this SDK does not know, as sent.
    Unknown(i64),
}

impl AccessEvent {
    /// The event for the device's code.
    pub fn from_code(code: i64) -> Self {
        match code {
            1 => AccessEvent::InvalidDevice,
            2 => AccessEvent::InvalidIdentificationParameters,
            3 => AccessEvent::NotIdentified,
            4 => AccessEvent::IdentificationPending,
            5 => AccessEvent::IdentificationTimeout,
            6 => AccessEvent::AccessDenied,
            7 => AccessEvent::AccessGranted,
            8 => AccessEvent::AccessPending,
            9 => AccessEvent::UserNotAdministrator,
            10 => AccessEvent::AccessNotIdentified,
            11 => AccessEvent::ExitButton,
            12 => AccessEvent::WebInterface,
            13 => AccessEvent::GaveUp,
            14 => AccessEvent::NoResponse,
            15 => AccessEvent::Intercom,
            other => AccessEvent::Unknown(other),
        }
    }

    /// The code on the wire.
    pub fn code(self) -> i64 {
        match self {
            AccessEvent::InvalidDevice => 1,
            AccessEvent::InvalidIdentificationParameters => 2,
            AccessEvent::NotIdentified => 3,
            AccessEvent::IdentificationPending => 4,
            AccessEvent::IdentificationTimeout => 5,
            AccessEvent::AccessDenied => 6,
            AccessEvent::AccessGranted => 7,
            AccessEvent::AccessPending => 8,
            AccessEvent::UserNotAdministrator => 9,
            AccessEvent::AccessNotIdentified => 10,
            AccessEvent::ExitButton => 11,
            AccessEvent::WebInterface => 12,
            AccessEvent::GaveUp => 13,
            AccessEvent::NoResponse => 14,
            AccessEvent::Intercom => 15,
            AccessEvent::Unknown(code) => code,
        }
    }

    /// True when the door or turnstile was released: granted, or opened by the exit button, the
    /// web interface or the intercom.
    pub fn is_granted(self) -> bool {
        matches!(
            self,
            AccessEvent::AccessGranted
                | AccessEvent::ExitButton
                | AccessEvent::WebInterface
                | AccessEvent::Intercom
        )
    }
}

/// An access attempt: who (the user, 0 or empty meaning nobody), when, where, granted or not,
/// and how confident the device was, read from an `access_logs` row's string values.
///
/// Fields the device did not send, sent empty, or sent in a form that does not parse are
/// `None`; [`raw`](Self::raw) keeps the row as sent (newer firmware adds `pin_value`,
/// `qrcode_value`, `mask`, `log_type_id`... which the device may fill with what a person
/// typed: `Debug` shows the raw row's field names only).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AccessLog {
    /// The row's id.
    pub id: Option<i64>,
    /// When it happened (UTC, from the device's Unix seconds).
    pub time: Option<DateTime<Utc>>,
    /// What happened (no `event` value reads as [`AccessEvent::Unknown`] of 0).
    pub event: AccessEvent,
    /// The device.
    pub device_id: Option<DeviceId>,
    /// The person identified; `None` for nobody (`0` or empty).
    pub user_id: Option<UserId>,
    /// The portal (door) of the attempt.
    pub portal_id: Option<i64>,
    /// How the person presented (the device's identifier code, as sent).
    pub identifier_id: Option<i64>,
    /// The access rule that decided.
    pub identification_rule_id: Option<i64>,
    /// The card presented; `None` when none (`0` or empty).
    pub card_value: Option<CardValue>,
    /// The device's recognition confidence (`confidence`, or `detection_confidence` on some
    /// firmware).
    pub confidence: Option<i64>,
    /// Whether the person wore a mask, when the device says.
    pub mask: Option<bool>,
    /// The log type, when the device says.
    pub log_type_id: Option<i64>,
    /// The row as sent.
    pub raw: OtherFields,
}

impl AccessLog {
    pub(crate) fn from_values(values: &Map<String, Value>) -> Self {
        let int = |key: &str| values.get(key).and_then(number);
        let positive = |key: &str| int(key).filter(|n| *n > 0);
        AccessLog {
            id: int("id"),
            time: int("time").and_then(|seconds| DateTime::from_timestamp(seconds, 0)),
            event: AccessEvent::from_code(int("event").unwrap_or(0)),
            device_id: int("device_id").map(DeviceId),
            user_id: positive("user_id").map(UserId::from_device),
            portal_id: int("portal_id"),
            identifier_id: int("identifier_id"),
            identification_rule_id: int("identification_rule_id"),
            card_value: positive("card_value")
                .and_then(|v| u64::try_from(v).ok())
                .map(CardValue),
            confidence: int("confidence").or_else(|| int("detection_confidence")),
            mask: values.get("mask").and_then(boolean),
            log_type_id: int("log_type_id"),
            raw: OtherFields::from_map(values.clone()),
        }
    }
}

/// A fingerprint template row (`templates` inserted): the user, the finger and the template
/// (base64 on the wire, decoded here; `None` when it is not base64).
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct TemplateRow {
    /// The row's id.
    pub id: Option<i64>,
    /// The user the finger belongs to.
    pub user_id: Option<UserId>,
    /// Normal or panic finger (`finger_type`), when sent.
    pub finger_type: Option<FingerType>,
    /// The finger's position, when sent.
    pub finger_position: Option<i64>,
    /// The template.
    pub template: Option<Template>,
    /// The row as sent.
    pub raw: OtherFields,
}

/// Template bytes never reach `Debug`.
impl fmt::Debug for TemplateRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TemplateRow")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("finger_type", &self.finger_type)
            .field("finger_position", &self.finger_position)
            .field("template_len", &self.template.as_ref().map(Template::len))
            .field("raw", &self.raw)
            .finish()
    }
}

impl TemplateRow {
    pub(crate) fn from_values(values: &Map<String, Value>) -> Self {
        let int = |key: &str| values.get(key).and_then(number);
        let template = values
            .get("template")
            .and_then(Value::as_str)
            .filter(|text| !text.trim().is_empty())
            .and_then(|text| biometric_core::base64::decode_bytes(text).ok())
            .map(|bytes| Template::new(bytes).with_format(TEMPLATE_FORMAT));
        TemplateRow {
            id: int("id"),
            user_id: int("user_id").filter(|n| *n > 0).map(UserId::from_device),
            finger_type: int("finger_type").map(FingerType::from_wire),
            finger_position: int("finger_position"),
            template,
            raw: OtherFields::from_map(values.clone()),
        }
    }
}
