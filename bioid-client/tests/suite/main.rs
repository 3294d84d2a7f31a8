//! The integration tests of `bioid-client`, one binary: each module is one area (its own doc says
//! which), compiled and linked once instead of once per file.

mod auth;
mod common;
mod enroll;
mod errors;
mod hostile;
mod operations;
mod retry_rules;
mod secrets;
mod templates;
