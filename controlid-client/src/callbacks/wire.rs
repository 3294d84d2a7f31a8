//! Lenient readers for the device's loosely typed JSON.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

use crate::ids::{CardValue, DeviceId, UserId};

/// A field documented as an array but shown as one object: accept both.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    pub(crate) fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum IntOrText {
    Int(i64),
    Text(String),
}

/// An integer sent as a number or as a numeric string.
pub(crate) fn lenient_i64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    match IntOrText::deserialize(deserializer)? {
        IntOrText::Int(n) => Ok(n),
        IntOrText::Text(text) => text
            .trim()
            .parse()
            .map_err(|_| serde::de::Error::custom(format!("{text:?} is not an integer"))),
    }
}

/// Like [`lenient_i64`], for optional fields (`null` and `""` are `None`).
pub(crate) fn lenient_opt_i64<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    match Option::<IntOrText>::deserialize(deserializer)? {
        None => Ok(None),
        Some(IntOrText::Int(n)) => Ok(Some(n)),
        Some(IntOrText::Text(text)) if text.trim().is_empty() => Ok(None),
        Some(IntOrText::Text(text)) => text
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("{text:?} is not an integer"))),
    }
}

/// A Unix time in seconds, sent as a number or a numeric string (`null` and `""` are `None`).
pub(crate) fn unix_time<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    match lenient_opt_i64(deserializer)? {
        None => Ok(None),
        Some(seconds) => DateTime::from_timestamp(seconds, 0)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("{seconds} is not a Unix time"))),
    }
}

/// A device id, as a number or a numeric string.
pub(crate) fn device_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DeviceId, D::Error> {
    lenient_i64(deserializer).map(DeviceId)
}

/// An optional device id (`null` and `""` are `None`).
pub(crate) fn opt_device_id<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DeviceId>, D::Error> {
    Ok(lenient_opt_i64(deserializer)?.map(DeviceId))
}

/// A user id as the device sent it (0 when the callback names none).
pub(crate) fn user_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<UserId, D::Error> {
    lenient_i64(deserializer).map(UserId::from_device)
}

/// An optional user: `None` for nobody (`0`, `null`, `""` or missing).
pub(crate) fn opt_user_id<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<UserId>, D::Error> {
    Ok(lenient_opt_i64(deserializer)?
        .filter(|id| *id > 0)
        .map(UserId::from_device))
}

/// A card value, as a number or a numeric string.
pub(crate) fn card_value<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<CardValue, D::Error> {
    let value = lenient_i64(deserializer)?;
    u64::try_from(value)
        .map(CardValue)
        .map_err(|_| serde::de::Error::custom(format!("{value} is not a card value")))
}

/// A number from a JSON value that may be a number or a numeric string (`""` is none).
pub(crate) fn number(value: &serde_json::Value) -> Option<i64> {
    match value {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// A boolean sent as `true`/`false`, `1`/`0` or their strings.
pub(crate) fn lenient_bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    boolean(&value).ok_or_else(|| serde::de::Error::custom(format!("{value} is not a boolean")))
}

/// A boolean from a JSON value that may be a boolean, a 0/1 number or their strings.
pub(crate) fn boolean(value: &serde_json::Value) -> Option<bool> {
    match value {
        serde_json::Value::Bool(b) => Some(*b),
        serde_json::Value::Number(n) => n.as_i64().map(|n| n != 0),
        serde_json::Value::String(text) => match text.trim() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}
