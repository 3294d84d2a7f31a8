//! The integration tests of `controlid-client`, one binary: each module is one area (its own doc says
//! which), compiled and linked once instead of once per file.

mod callbacks;
mod common;
mod enroll;
mod hostile;
mod monitor;
mod photos;
mod real_traffic;
mod retry_rules;
mod router;
mod router_load;
mod secrets;
mod session;
mod users;
