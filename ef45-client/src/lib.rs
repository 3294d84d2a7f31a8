#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod auth;
mod biometric_data;
mod camera;
mod capture_data;
mod client;
mod config;
mod control;
mod database;
mod enrollment;
mod error;
mod firmware;
mod list;
mod log_entry;
mod logs;
mod match_events;
mod models;
mod outcome;
mod preview;
pub mod push;
mod records;
mod schedules;
mod support;
mod transfer;

pub use biometric_data::{BitmapKind, DataVersion, MAX_LOGO_BYTES};
pub use camera::{CameraMode, CameraSettings, CaptureModes};
pub use capture_data::{BiometricData, EyeCapture, FaceCapture, FaceGroups, MatchData};
pub use client::{Client, ClientBuilder};
pub use config::{ConfigKind, ConfigValue, DoorStatus, SensorState};
pub use control::{DoorMode, ManualCommand};
pub use database::{DATABASE_TIMEOUT, DatabaseFile, PartProgress};
pub use enrollment::{CaptureEnrollment, CaptureError, CaptureOutcome, CaptureStep, LeftOnDevice};
pub use error::{DeviceFailure, ResponseCode, UnknownCode};
pub use firmware::{FirmwareMode, FirmwareUpload};
pub use list::ListPage;
pub use log_entry::{
    AuthMode, EventType, LogEntry, LogTime, LogsSince, Purpose, Recognition, RecognizedBio,
};
pub use logs::{LOGS_BY_TYPE_PAGE_SIZE, LogFilter};
pub use match_events::{MatchEvent, MatchPolling};
pub use models::{
    BiometricText, Card, CardEntry, Face, FaceSubId, MAX_CARDS, MAX_TEXT_CHARS, NewUser, Pin,
    Subject, UnknownSubId, UserCards, UserInfo,
};
pub use preview::Preview;
pub use push::{EnrolPush, PushReply};
pub use schedules::{MAX_SCHEDULE_GROUP, ScheduleInfo, ScheduleType, SpecialDay, UserSchedule};
pub use support::AppVersion;
pub use transfer::{
    DEFAULT_MAX_RESTARTS, DEFAULT_UNIT_SIZE, Progress, Transfer, TransferError, TransferStage,
    UploadReport, UploadSource,
};

/// What the core provides, re-exported so that one dependency is enough.
pub use biometric_core::{
    Error, HttpConfig, Image, ImageFormat, IntoSecret, Method, Operation, RequestOptions, Result,
    RetryPolicy, RetryRules, SecretString, StatusCode, Stream, TlsOptions, UnsupportedError,
    chrono,
};
