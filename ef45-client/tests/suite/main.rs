//! The integration tests of `ef45-client`, one binary: each module is one area (its own doc says
//! which), compiled and linked once instead of once per file.

mod capture;
mod common;
mod config_control;
mod database;
mod device_codes;
mod faces;
mod field;
mod firmware;
mod hostile;
mod independent;
mod logs;
mod match_events;
mod schedules;
mod secrets;
mod secrets_capture;
mod session;
mod subjects;
mod user_info;
mod users_cards;
