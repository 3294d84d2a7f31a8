//! Base64 as the vendors use it: the standard alphabet on output; on input, also tolerant of
//! whitespace and line breaks, missing padding and a `data:<type>;base64,` prefix (browser and
//! device firmware habits).
//!
//! Use as a serde codec on any `Vec<u8>` or [`Bytes`] field:
//!
//! ```
//! use bytes::Bytes;
//! #[derive(serde::Serialize, serde::Deserialize)]
//! struct Face {
//!     #[serde(with = "biometric_core::base64")]
//!     image: Bytes,
//! }
//! let face: Face = serde_json::from_str(r#"{"image": "data:image/jpeg;base64,/9j/\n4A=="}"#).unwrap();
//! assert_eq!(&face.image[..], &[0xff, 0xd8, 0xff, 0xe0]);
//! assert_eq!(serde_json::to_string(&face).unwrap(), r#"{"image":"/9j/4A=="}"#);
//! ```

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serializer};

/// Standard alphabet, padding written, padding optional on input.
const STANDARD: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Encodes `data` with the standard alphabet and padding.
pub fn encode(data: &[u8]) -> String {
    STANDARD.encode(data)
}

/// Decodes base64, ignoring ASCII whitespace and a leading `data:...;base64,` prefix.
pub fn decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    let text = strip_data_url(text.trim());
    if text.bytes().any(|b| b.is_ascii_whitespace()) {
        let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        STANDARD.decode(compact)
    } else {
        STANDARD.decode(text)
    }
}

fn strip_data_url(text: &str) -> &str {
    match text.split_once(',') {
        Some((header, payload)) if header.starts_with("data:") && header.ends_with(";base64") => {
            payload
        }
        _ => text,
    }
}

/// serde: writes bytes as a base64 string.
pub fn serialize<S: Serializer>(data: impl AsRef<[u8]>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&encode(data.as_ref()))
}

/// serde: reads a base64 string into bytes (`Vec<u8>`, [`Bytes`], anything `From<Vec<u8>>`).
pub fn deserialize<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: From<Vec<u8>>,
{
    let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
    decode(&text)
        .map(T::from)
        .map_err(|e| serde::de::Error::custom(format!("invalid base64: {e}")))
}

/// The same codec for `Option<_>` fields (`null` or absent is `None`; pair with
/// `#[serde(default)]`).
pub mod option {
    use super::*;

    /// serde: writes `Some(bytes)` as base64, `None` as null.
    pub fn serialize<S: Serializer, T: AsRef<[u8]>>(
        data: &Option<T>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match data {
            Some(data) => super::serialize(data, serializer),
            None => serializer.serialize_none(),
        }
    }

    /// serde: reads null as `None`, a string as base64; an empty string is `None` too (the
    /// EF-45 sends `""` for "no image").
    pub fn deserialize<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: From<Vec<u8>>,
    {
        let text = Option::<std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        match text {
            Some(text) if !text.trim().is_empty() => decode(&text)
                .map(|v| Some(T::from(v)))
                .map_err(|e| serde::de::Error::custom(format!("invalid base64: {e}"))),
            _ => Ok(None),
        }
    }
}

/// Decodes into [`Bytes`] (convenience for vendor code).
pub fn decode_bytes(text: &str) -> Result<Bytes, base64::DecodeError> {
    decode(text).map(Bytes::from)
}
