//! Runs every landed vendor's main flow against the simulator, started in-process.
//!
//! `cargo run -p examples --example quickstart`

use examples::{heading, step};

fn main() {
    heading("biometric SDK quickstart");
    step(
        "the workspace foundation (biometric-core) is in place: engine, errors, auth hook, retries, media types",
    );
    step(format!(
        "vendor flows run here as each vendor lands; planned: {}",
        [
            "Control iD",
            "BioID",
            "CMITECH EF-45",
            "BioPass ID",
            "Apptenticate"
        ]
        .join(", ")
    ));
    heading("done");
}
