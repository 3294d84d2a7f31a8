//! Server-controlled enumerations that survive new values.

use std::fmt;

/// A wire value that the SDK does not know, kept as sent.
///
/// Opaque: only parsing makes one, and parsing turns every known text into its named variant, so
/// `Unknown` can never hold a known value (an `Unknown("SUCCEEDED")` that compares unequal to
/// `Succeeded` cannot exist).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct UnknownValue(String);

impl UnknownValue {
    /// The text as the server sent it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Used by [`string_enum!`](crate::string_enum) after it has matched every known value.
#[doc(hidden)]
pub fn unknown_value(text: &str) -> UnknownValue {
    UnknownValue(text.to_owned())
}

/// Defines a `#[non_exhaustive]` enum of known wire strings with an `Unknown(UnknownValue)`
/// fallback,
/// so that a value added by a newer server or firmware does not fail the whole response.
///
/// The enum gets `Debug`, `Clone`, `PartialEq`, `Eq`, `Hash`, `Display` (the wire text),
/// `as_str()`, `is_unknown()`, `From<&str>`, and serde as a plain string.
///
/// ```
/// biometric_core::string_enum! {
///     /// A job's outcome.
///     pub enum JobStatus {
///         /// It worked.
///         Succeeded = "SUCCEEDED",
///         /// It did not.
///         Faulted = "FAULTED",
///     }
/// }
/// let status: JobStatus = serde_json::from_str("\"SUCCEEDED\"").unwrap();
/// assert_eq!(status, JobStatus::Succeeded);
/// let newer: JobStatus = serde_json::from_str("\"PAUSED\"").unwrap();
/// assert!(newer.is_unknown());
/// assert_eq!(newer.as_str(), "PAUSED");
/// assert_eq!(serde_json::to_string(&newer).unwrap(), "\"PAUSED\"");
/// // A known value always parses to its variant, whichever way it comes in.
/// assert_eq!(JobStatus::from("SUCCEEDED"), JobStatus::Succeeded);
/// ```
///
/// There is no way to build an `Unknown` holding a known value:
///
/// ```compile_fail
/// # biometric_core::string_enum! { pub enum JobStatus { Succeeded = "SUCCEEDED" } }
/// let forged = JobStatus::Unknown(biometric_core::UnknownValue("SUCCEEDED".into()));
/// ```
#[macro_export]
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version of the SDK does not know, kept as sent.
            Unknown($crate::UnknownValue),
        }

        impl $name {
            /// The text on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Unknown(other) => other.as_str(),
                }
            }

            /// True for a value this version of the SDK does not know.
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown(_))
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(text: &str) -> Self {
                match text {
                    $( $wire => Self::$variant, )+
                    other => Self::Unknown($crate::__private::unknown_value(other)),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let text = <::std::borrow::Cow<'de, str> as $crate::__private::serde::Deserialize>::deserialize(deserializer)?;
                Ok(Self::from(text.as_ref()))
            }
        }
    };
}
