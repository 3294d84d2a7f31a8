//! Server-controlled enumerations that survive new values.

/// Defines a `#[non_exhaustive]` enum of known wire strings with an `Unknown(String)` fallback,
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
/// assert_eq!(newer, JobStatus::Unknown("PAUSED".into()));
/// assert_eq!(serde_json::to_string(&newer).unwrap(), "\"PAUSED\"");
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
            Unknown(::std::string::String),
        }

        impl $name {
            /// The text on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Unknown(other) => other,
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
                    other => Self::Unknown(other.to_owned()),
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
