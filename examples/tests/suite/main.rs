//! The integration tests of `examples`, one binary: each module is one area (its own doc says
//! which), compiled and linked once instead of once per file.

mod apptenticate_against_sim;
mod bioid_against_sim;
mod biopassid_against_sim;
mod controlid_against_sim;
mod controlid_async_results;
mod ef45_against_sim;
mod errors_read_the_same;
mod one_api;
mod one_person;
