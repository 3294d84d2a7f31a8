//! The integration tests of `biometric-core`, one binary: each module is one area (its own doc says
//! which), compiled and linked once instead of once per file.

mod auth;
mod base64_stream;
mod engine;
mod faults;
mod hardening;
mod hostile;
mod json_field;
mod media;
mod paging;
mod retry;
mod secrets;
mod streaming;
mod tls;
mod tls_handshake;
