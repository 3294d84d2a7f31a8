#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// The vendors the simulator is planned to fake, in the order they land.
pub const PLANNED_VENDORS: [&str; 5] = ["controlid", "bioid", "ef45", "biopassid", "apptenticate"];
