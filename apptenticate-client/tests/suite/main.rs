//! The integration tests of `apptenticate-client`, one binary: each module is one area (its own doc says
//! which), compiled and linked once instead of once per file.

mod auth;
mod calls;
mod common;
mod hostile;
mod retry_rules;
mod secrets;
