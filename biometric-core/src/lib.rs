#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod auth;
pub mod base64;
mod engine;
mod error;
pub mod json_field;
mod media;
mod operation;
mod paging;
mod path;
pub mod redact;
mod retry;
mod secret;
mod stream;
mod string_enum;
mod text;
mod tls;
mod transport;

pub use auth::{Auth, AuthRequest, NoAuth, StaticHeaderAuth};
pub use engine::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, Engine, EngineBuilder,
    HttpConfig, MAX_REDIRECTS,
};
pub use error::{
    ApiError, DecodeError, Error, Result, TransportError, TransportKind, UnsupportedError,
};
pub use media::gray::GrayBitmap;
pub use media::image::{Image, ImageFormat};
pub use media::size::{KB, MB, MIB, SizeLimit};
pub use media::template::Template;
pub use operation::{
    Body, Decoder, Operation, Part, RawResponse, RequestOptions, decode_bytes, decode_json,
    decode_raw, decode_unit,
};
pub use paging::{DEFAULT_MAX_PAGES, Page, paginate};
pub use retry::{RetryPolicy, RetryRules};
pub use secret::{
    Credentials, ExposeSecret, IntoSecret, REDACTED, SecretSlice, SecretString, redact_url,
    sensitive_header,
};
pub use stream::{DEFAULT_CHUNK_SIZE, StreamBody};
pub use string_enum::UnknownValue;
pub use text::TextLimit;
pub use tls::{TlsOptions, ensure_crypto_provider};
pub use transport::{
    ANSWER_CHECK_PREFIX, AnswerCheck, ErrorParser, Transport, default_error_parser,
};

/// HTTP types used in the public API, re-exported so that vendor crates and applications need no
/// direct `http` dependency. All are 1.0 or later (`url` 2), so their versions change only with a
/// major version of this crate.
pub use bytes::Bytes;
pub use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
pub use url::Url;

/// Pre-1.0 crates that appear in public signatures, re-exported on purpose so that an
/// application names the exact versions this crate was built with: `futures_core::Stream` (the
/// stream trait of paged lists; 0.3, stable in practice), `chrono` (times in vendor models;
/// 0.4) and `secrecy` (secret strings; 0.10). A major bump of any of them is a breaking change
/// of this crate and is released as one.
pub use chrono;
pub use futures_core::Stream;
pub use secrecy;

#[doc(hidden)]
pub mod __private {
    //! Paths used by the exported macros; not part of the public API.
    pub use crate::string_enum::unknown_value;
    pub use serde;
}
