//! `biometric-sim`: serves a fake vendor service on loopback.

use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!(
        "biometric-sim: no vendor is simulated yet (planned: {}).",
        biometric_sim::PLANNED_VENDORS.join(", ")
    );
    ExitCode::from(2)
}
