//! Runs every vendor's main flow against the simulator, started in-process.
//!
//! `cargo run -p examples --example quickstart`
//!
//! It takes no flags and reads no environment variables (`--help` says so); the vendor examples
//! (`controlid`, `bioid`, `biopassid`, `apptenticate`, `ef45`) take a real device's or service's
//! settings.

use std::process::ExitCode;

use biometric_sim::apptenticate::{ApptenticateConfig, ApptenticateSim};
use biometric_sim::bioid::{BioIdConfig, BioIdSim};
use biometric_sim::biopassid::{BioPassIdConfig, BioPassIdSim};
use biometric_sim::controlid::{ControlIdConfig, ControlIdSim};
use biometric_sim::ef45::{Ef45Config, Ef45Sim};
use clap::Parser;
use examples::cli::QuickstartArgs;
use examples::flows::{apptenticate, bioid, biopassid, controlid, ef45};
use examples::{Outcome, heading};

#[tokio::main]
async fn main() -> ExitCode {
    QuickstartArgs::parse();
    heading("biometric SDK quickstart: every vendor against the embedded simulator");
    let mut failed = false;
    for (vendor, outcome) in [
        ("Control iD", run_controlid().await),
        ("BioID", run_bioid().await),
        ("BioPass ID", run_biopassid().await),
        ("Apptenticate", run_apptenticate().await),
        ("CMITECH EF-45", run_ef45().await),
    ] {
        if let Err(error) = outcome {
            eprintln!("{vendor} flow failed: {error}");
            failed = true;
        }
    }
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

async fn run_apptenticate() -> Outcome {
    let config = ApptenticateConfig::default();
    let sim = ApptenticateSim::new(config.clone());
    let running = sim.start().await?;
    heading(format!(
        "Apptenticate (simulator at {})",
        running.base_url()
    ));
    let client = apptenticate_client::Client::builder(running.base_url())
        .credentials(config.username(), config.password())
        // The real path comes with your Apptenticate contract; the simulator has its own.
        .biometric_check_path(config.check_path())
        .build()?;
    let expire = || sim.expire_access_tokens();
    apptenticate::run(&client, &apptenticate::Pictures::synthetic(), Some(&expire)).await?;
    Ok(())
}

async fn run_ef45() -> Outcome {
    let config = Ef45Config::default();
    let sim = Ef45Sim::new(config.clone());
    // A device that has been in use: 150 logs from 2018-05-28 on.
    sim.add_logs(150);
    let running = sim.start().await?;
    heading(format!(
        "CMITECH EF-45 terminal (simulator at {})",
        running.base_url()
    ));
    let device = ef45_client::Client::builder(running.base_url())
        .credentials(config.id(), config.password())
        .build()?;
    let day = |d| ef45_client::chrono::NaiveDate::from_ymd_opt(2018, 5, d).ok_or("a valid day");
    let _person = ef45::simulate_person(&sim, "kim");
    let outcome: Outcome = async {
        ef45::run(&device, "quickstart-1", day(28)?, day(30)?).await?;
        ef45::capture_and_recognise(&device, "quickstart-2", 3).await?;
        Ok(())
    }
    .await;
    // Whatever happened, the lock is released.
    ef45::release(&device, outcome).await
}
