//! Identifiers and values the device uses.

use std::fmt;

use biometric_core::{Error, Result};
use serde::{Deserialize, Serialize};

/// A user's id on the device (`users.id`, int64, positive).
///
/// ```
/// use controlid_client::UserId;
/// assert_eq!(UserId::new(123).unwrap().get(), 123);
/// assert!(UserId::new(0).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(i64);

impl UserId {
    /// Checks that `id` is positive.
    pub fn new(id: i64) -> Result<Self> {
        if id <= 0 {
            return Err(Error::invalid("user_id", "must be a positive number"));
        }
        Ok(UserId(id))
    }

    /// The number.
    pub fn get(self) -> i64 {
        self.0
    }

    /// An id as the device sent it (the device may send 0 for "no user").
    pub(crate) fn from_device(id: i64) -> Self {
        UserId(id)
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A device's id (its serial-derived number, as in callbacks' `device_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeviceId(pub i64);

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A proximity card's value: `area_code * 2^32 + card_number`.
///
/// ```
/// use controlid_client::CardValue;
/// let card = CardValue::from_parts(12, 34567);
/// assert_eq!(card.get(), 12 * (1 << 32) + 34567);
/// assert_eq!((card.area_code(), card.number()), (12, 34567));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CardValue(pub u64);

impl CardValue {
    /// From the area code and the number printed on the card.
    pub fn from_parts(area_code: u32, number: u32) -> Self {
        CardValue(((area_code as u64) << 32) | number as u64)
    }

    /// The whole value.
    pub fn get(self) -> u64 {
        self.0
    }

    /// The area (facility) code.
    pub fn area_code(self) -> u32 {
        (self.0 >> 32) as u32
    }

    /// The card number.
    pub fn number(self) -> u32 {
        self.0 as u32
    }
}

/// Whether an enrolled finger is the panic finger (it opens the door and raises an alarm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FingerType {
    /// An ordinary finger (`0`).
    Normal,
    /// The panic finger (`1`).
    Panic,
    /// A value this SDK does not know.
    Unknown(i64),
}

impl FingerType {
    pub(crate) fn from_wire(value: i64) -> Self {
        match value {
            0 => FingerType::Normal,
            1 => FingerType::Panic,
            other => FingerType::Unknown(other),
        }
    }
}

impl<'de> Deserialize<'de> for FingerType {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        Ok(FingerType::from_wire(i64::deserialize(deserializer)?))
    }
}
