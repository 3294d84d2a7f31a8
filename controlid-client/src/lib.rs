#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod auth;
pub mod callbacks;
mod client;
mod enroll;
mod error;
mod ids;
mod limits;
mod monitor;
mod photos;
mod users;

pub use callbacks::{AccessEvent, AccessLog, EnrollmentResults, PendingEnrollment};
pub use client::{Client, ClientBuilder, DEFAULT_TIMEOUT};
pub use enroll::{
    CARD_TIMEOUT, CardEnroll, CardEnrollment, EnrollTarget, FACE_TIMEOUT, FINGERPRINT_TIMEOUT,
    FaceEnroll, FaceEnrollment, FingerprintEnroll, FingerprintEnrollment, FingerprintImage,
    SyncEnroll,
};
pub use error::EnrollFailure;
pub use ids::{CardValue, DeviceId, FingerType, UserId};
pub use limits::{MAX_HOSTNAME_CHARS, MAX_TEXT_CHARS};
pub use monitor::MonitorConfig;
pub use photos::{MAX_PHOTO, PhotoProblem, PhotoRejection, PhotoScores};
pub use users::{DEFAULT_PAGE_SIZE, NewUser, User};

/// What the core provides, re-exported so that one dependency is enough.
pub use biometric_core::{
    Error, GrayBitmap, HttpConfig, Image, ImageFormat, IntoSecret, Method, Operation,
    RequestOptions, Result, RetryPolicy, RetryRules, SecretString, StatusCode, Stream, Template,
    TlsOptions, UnsupportedError, chrono,
};
