//! Runs every landed vendor's main flow against the simulator, started in-process.
//!
//! `cargo run -p examples --example quickstart`

use std::process::ExitCode;

use biometric_sim::bioid::{BioIdConfig, BioIdSim};
use examples::flows::bioid;
use examples::{heading, step};

#[tokio::main]
async fn main() -> ExitCode {
    heading("biometric SDK quickstart: every vendor against the embedded simulator");
    if let Err(error) = run_bioid().await {
        eprintln!("BioID flow failed: {error}");
        return ExitCode::FAILURE;
    }
    heading("still to land");
    step(format!(
        "vendors planned next: {}",
        [
            "Control iD (#3)",
            "CMITECH EF-45",
            "BioPass ID",
            "Apptenticate"
        ]
        .join(", ")
    ));
    heading("done");
    ExitCode::SUCCESS
}

async fn run_bioid() -> Result<(), Box<dyn std::error::Error>> {
    let config = BioIdConfig::default();
    let running = BioIdSim::new(config.clone()).start().await?;
    heading(format!("BioID BWS 3 (simulator at {})", running.base_url()));
    let client = bioid_client::Client::builder(running.base_url())
        .client_credentials(config.client_id(), config.client_key_base64())
        .build()?;
    bioid::run(&client, &bioid::Pictures::synthetic(), 4711).await?;
    Ok(())
}
