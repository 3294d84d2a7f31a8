//! Opaque biometric templates.

use std::fmt;

use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A biometric template: vendor-specific bytes that only the vendor's matcher reads.
/// Base64 on the wire.
///
/// ```
/// use biometric_core::Template;
/// let t = Template::new(vec![1, 2, 3]).with_format("controlid-fingerprint");
/// assert_eq!(t.format(), Some("controlid-fingerprint"));
/// assert_eq!(serde_json::to_string(&t).unwrap(), "\"AQID\"");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Template {
    data: Bytes,
    format: Option<&'static str>,
}

impl Template {
    /// Wraps template bytes of unknown format.
    pub fn new(data: impl Into<Bytes>) -> Self {
        Template {
            data: data.into(),
            format: None,
        }
    }

    /// Records the format the template came in (set by the vendor crate that received it).
    pub fn with_format(mut self, format: &'static str) -> Self {
        self.format = Some(format);
        self
    }

    /// The bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.data
    }

    /// The format, where known.
    pub fn format(&self) -> Option<&'static str> {
        self.format
    }

    /// The size in bytes.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True when there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

impl fmt::Debug for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Template")
            .field("format", &self.format)
            .field("len", &self.data.len())
            .finish()
    }
}

impl Serialize for Template {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::base64::serialize(&self.data, serializer)
    }
}

impl<'de> Deserialize<'de> for Template {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let data: Bytes = crate::base64::deserialize(deserializer)?;
        Ok(Template::new(data))
    }
}
