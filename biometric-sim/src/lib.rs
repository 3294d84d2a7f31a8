#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod bioid;
mod server;

pub use server::{Running, loopback, serve};

/// The vendors the simulator fakes today.
pub const VENDORS: [&str; 1] = ["bioid"];

/// The vendors still to come, in the order they are planned to land.
pub const PLANNED_VENDORS: [&str; 4] = ["controlid", "ef45", "biopassid", "apptenticate"];
