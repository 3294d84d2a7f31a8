#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod auth;
mod client;
mod error;
mod models;
mod records;

pub use client::{Client, ClientBuilder};
pub use error::{DeviceFailure, ResponseCode, UnknownCode};
pub use models::{
    BiometricText, Card, CardEntry, Face, FaceSubId, MAX_CARDS, NewUser, Pin, Subject,
    UnknownSubId, UserCards, UserInfo,
};
pub use records::ListPage;

/// What the core provides, re-exported so that one dependency is enough.
pub use biometric_core::{Error, Result, RetryPolicy, StatusCode, TlsOptions};
