//! The integration tests of `biopassid-client`, one binary: each module is one area (its own doc says
//! which), compiled and linked once instead of once per file.

mod calls;
mod common;
mod errors;
mod hostile;
mod retry_rules;
mod secrets;
