#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
mod error;
mod models;
mod person;

pub use client::{
    Client, ClientBuilder, DEFAULT_MAX_REQUEST_BYTES, DEFAULT_TIMEOUT, Environment,
    HOMOLOGATION_URL, PRODUCTION_URL, VERIFY_CONTENT_TYPE,
};
pub use error::{BioPassIdFailure, FailureKind, WebSdkCode};
pub use models::{Deleted, Enrolled, MatchDetails, Verification};
pub use person::{CustomId, Finger, MAX_CUSTOM_ID_CHARS, Person};

/// What the core provides, re-exported so that one dependency is enough.
pub use biometric_core::{
    Error, HttpConfig, Image, ImageFormat, IntoSecret, Method, Operation, RequestOptions, Result,
    RetryPolicy, RetryRules, SecretString, StatusCode, Stream, TlsOptions, UnsupportedError,
    chrono,
};
