#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod auth;
mod client;
mod models;

pub use auth::DEFAULT_ACCESS_TOKEN_LIFETIME;
pub use client::{
    CitizenCheckRequest, Client, ClientBuilder, ForeignersRequest, LivenessRequest,
    MAX_IMAGE_BYTES, MAX_TEXT_CHARS, NationalsRequest,
};
pub use models::{
    ApiResponse, BiometricCheck, CheckRejection, Device, DocumentType, IdentityCheck,
    LIVENESS_REJECTION_THRESHOLD, Liveness, LivenessRejection,
};

/// What the core provides, re-exported so that one dependency is enough.
pub use biometric_core::{
    Error, HttpConfig, Image, ImageFormat, IntoSecret, Method, Operation, RequestOptions, Result,
    RetryPolicy, RetryRules, SecretString, StatusCode, Stream, TlsOptions, UnsupportedError,
    chrono,
};
