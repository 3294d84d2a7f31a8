//! Runs every landed vendor's main flow against the simulator, started in-process.
//!
//! `cargo run -p examples --example quickstart`

use std::process::ExitCode;

use biometric_sim::bioid::{BioIdConfig, BioIdSim};
use biometric_sim::biopassid::{BioPassIdConfig, BioPassIdSim};
use biometric_sim::controlid::{ControlIdConfig, ControlIdSim};
use examples::flows::{bioid, biopassid, controlid};
use examples::{Outcome, heading, step};

#[tokio::main]
async fn main() -> ExitCode {
    heading("biometric SDK quickstart: every vendor against the embedded simulator");
    let mut failed = false;
    for (vendor, outcome) in [
        ("Control iD", run_controlid().await),
        ("BioID", run_bioid().await),
        ("BioPass ID", run_biopassid().await),
    ] {
        if let Err(error) = outcome {
            eprintln!("{vendor} flow failed: {error}");
            failed = true;
        }
    }
    heading("still to land");
    step(format!(
        "vendors planned next: {}",
        ["CMITECH EF-45", "Apptenticate"].join(", ")
    ));
    heading(if failed { "failed" } else { "done" });
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

async fn run_controlid() -> Outcome {
    let config = ControlIdConfig::default();
    let running = ControlIdSim::new(config.clone()).start().await?;
    heading(format!(
        "Control iD terminal (simulator at {})",
        running.base_url()
    ));
    let device = controlid_client::Client::builder(running.base_url())
        .credentials(config.login(), config.password())
        .build()?;
    let mut inbox = controlid::Inbox::start("127.0.0.1:0", "127.0.0.1").await?;
    controlid::run(&device, &mut inbox).await?;
    Ok(())
}

async fn run_bioid() -> Outcome {
    let config = BioIdConfig::default();
    let running = BioIdSim::new(config.clone()).start().await?;
    heading(format!("BioID BWS 3 (simulator at {})", running.base_url()));
    let client = bioid_client::Client::builder(running.base_url())
        .client_credentials(config.client_id(), config.client_key_base64())
        .build()?;
    bioid::run(&client, &bioid::Pictures::synthetic(), 4711).await?;
    Ok(())
}

async fn run_biopassid() -> Outcome {
    let config = BioPassIdConfig::default();
    let running = BioPassIdSim::new(config.clone()).start().await?;
    heading(format!(
        "BioPass ID Multibiometrics (simulator at {})",
        running.base_url()
    ));
    let client = biopassid_client::Client::builder(running.base_url())
        .subscription_key(config.key())
        .build()?;
    biopassid::run(&client, &biopassid::Pictures::synthetic(), "quickstart-1").await?;
    Ok(())
}
