#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod apptenticate;
pub mod bioid;
pub mod biopassid;
pub mod controlid;
mod server;

pub use server::{Running, loopback, serve};

/// The vendors the simulator fakes today.
pub const VENDORS: [&str; 4] = ["apptenticate", "bioid", "biopassid", "controlid"];

/// The vendors still to come, in the order they are planned to land.
pub const PLANNED_VENDORS: [&str; 1] = ["ef45"];
