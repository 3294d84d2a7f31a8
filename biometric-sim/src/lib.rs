#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod apptenticate;
pub mod bioid;
pub mod biopassid;
pub mod controlid;
pub mod ef45;
pub mod person;
mod server;

pub use server::{Running, loopback, serve};

/// The vendors the simulator fakes today.
pub const VENDORS: [&str; 5] = ["apptenticate", "bioid", "biopassid", "controlid", "ef45"];

/// The vendors still to come, in the order they are planned to land (none today).
pub const PLANNED_VENDORS: [&str; 0] = [];
