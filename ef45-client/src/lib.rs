#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod auth;
mod client;
mod error;

pub use client::{Client, ClientBuilder};
pub use error::{DeviceFailure, ResponseCode, UnknownCode};

/// What the core provides, re-exported so that one dependency is enough.
pub use biometric_core::{Error, Result, RetryPolicy, StatusCode, TlsOptions};
