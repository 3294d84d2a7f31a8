#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod auth;
pub mod base64;
mod engine;
mod error;
mod media;
mod operation;
mod paging;
mod retry;
mod secret;
mod string_enum;
mod tls;
mod transport;

pub use auth::{Auth, AuthRequest, NoAuth, StaticHeaderAuth};
pub use engine::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, Engine, EngineBuilder,
};
pub use error::{ApiError, DecodeError, Error, Result, TransportError, TransportKind};
pub use media::gray::GrayBitmap;
pub use media::image::{Image, ImageFormat};
pub use media::size::{KB, MB, MIB, SizeLimit};
pub use media::template::Template;
pub use operation::{
    Body, Decoder, Operation, Part, RawResponse, decode_bytes, decode_json, decode_raw, decode_unit,
};
pub use paging::{DEFAULT_MAX_PAGES, Page, paginate};
pub use retry::RetryPolicy;
pub use secret::{
    Credentials, ExposeSecret, REDACTED, SecretSlice, SecretString, redact_url, sensitive_header,
};
pub use tls::TlsOptions;
pub use transport::{ErrorParser, Transport, default_error_parser};

/// HTTP types used in the public API, re-exported so that vendor crates and applications need no
/// direct `http` dependency.
pub use bytes::Bytes;
pub use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
pub use url::Url;

#[doc(hidden)]
pub mod __private {
    //! Paths used by the exported macros; not part of the public API.
    pub use serde;
}
