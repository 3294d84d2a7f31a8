//! Each vendor's main flow, written against the vendor client only (it runs the same against the
//! simulator and a real service).

pub mod apptenticate;
pub mod bioid;
pub mod biopassid;
pub mod controlid;
pub mod ef45;
