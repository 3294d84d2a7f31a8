//! The integration tests of `biometric-sim`, one binary: each module is one area (its own doc says
//! which), compiled and linked once instead of once per file.

mod apptenticate_wire;
mod bioid_wire;
mod biopassid_wire;
mod controlid_wire;
mod ef45_admin_wire;
mod ef45_camera_wire;
mod ef45_support;
mod ef45_transfer_wire;
mod ef45_upload_memory;
mod ef45_wire;
