#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod auth;
mod client;
mod lists;
mod models;

pub use auth::{DEFAULT_TOKEN_LIFETIME, JwtAlgorithm};
pub use client::{
    Client, ClientBuilder, DEFAULT_TIMEOUT, LivenessInput, MAX_REQUEST_BYTES, MAX_TEXT_CHARS,
    PhotoVerifyQuery, Request, Response, ResponseMeta, SEARCH_TIMEOUT, SearchQuery,
};
pub use lists::{EnrollImages, Tags};
pub use models::{
    ClassCount, ClassId, Direction, EnrollImage, Enrollment, EnrollmentAction, Face, Health,
    ImageProperties, JobError, JobFailure, JobOutcome, JobStatus, Liveness, LivenessRejection,
    Match, PhotoVerification, Point, QualityAssessment, Search, SearchResultItem, TemplateLookup,
    TemplateStatus, Thumbnail, Verification, VerificationLevel,
};

/// What the core provides, re-exported so that one dependency is enough.
pub use biometric_core::{
    Error, HttpConfig, Image, ImageFormat, IntoSecret, Method, Operation, RequestOptions, Result,
    RetryPolicy, RetryRules, SecretString, StatusCode, Stream, TlsOptions, UnsupportedError,
    chrono,
};
