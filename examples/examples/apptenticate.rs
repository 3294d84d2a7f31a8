//! Apptenticate flow: against the simulator by default, or the real service.
//!
//! ```sh
//! cargo run -p examples --example apptenticate
//! cargo run -p examples --example apptenticate -- --url https://api.apptenticate.com \
//!     --username USER --password PASSWORD --check-path PATH/FROM/YOUR/CONTRACT/ \
//!     --cedula 0102030405 --image face.jpg [--other-image someone-else.jpg] [--photo photo-of-photo.jpg]
//! ```
//!
//! The path of the citizen-ID check is not in the public documentation: `--check-path` is the
//! one your Apptenticate contract gives you. Flags fall back to `APPTENTICATE_URL`,
//! `APPTENTICATE_USERNAME`, `APPTENTICATE_PASSWORD`, `APPTENTICATE_CHECK_PATH`.

use std::process::ExitCode;

use apptenticate_client::{Client, Image};
use biometric_sim::apptenticate::{ApptenticateConfig, ApptenticateSim};
use examples::flows::apptenticate::{Pictures, run};
use examples::{Flags, Outcome, exit_code, heading, step};

#[tokio::main]
async fn main() -> ExitCode {
    let flags = Flags::from_env();
    exit_code(match flags.get("url", "APPTENTICATE_URL") {
        Some(url) => against_service(&flags, &url).await,
        None => against_simulator().await,
    })
}

async fn against_simulator() -> Outcome {
    let config = ApptenticateConfig::default();
    let sim = ApptenticateSim::new(config.clone());
    let running = sim.start().await?;
    heading(format!(
        "Apptenticate (simulator at {})",
        running.base_url()
    ));
    let client = Client::builder(running.base_url())
        .credentials(config.username(), config.password())
        .biometric_check_path(config.check_path())
        .build()?;
    let expire = || sim.expire_access_tokens();
    let summary = run(&client, &Pictures::synthetic(), Some(&expire)).await?;
    let stats = sim.stats();
    step(format!(
        "done: {summary:?}; the service saw {} login(s), {} refresh(es)",
        stats.logins, stats.refreshes
    ));
    Ok(())
}

async fn against_service(flags: &Flags, url: &str) -> Outcome {
    let required = |name: &str, env: &str| {
        flags
            .get(name, env)
            .ok_or(format!("--{name} is required with --url"))
    };
    let username = required("username", "APPTENTICATE_USERNAME")?;
    let password = required("password", "APPTENTICATE_PASSWORD")?;
    let check_path = required("check-path", "APPTENTICATE_CHECK_PATH")?;
    let cedula = required("cedula", "APPTENTICATE_CEDULA")?;
    let picture = |path: String| -> Result<Image, Box<dyn std::error::Error>> {
        Ok(Image::from_file(&path).map_err(|e| format!("{path}: {e}"))?)
    };
    let pictures = Pictures {
        cedula,
        matching: picture(required("image", "APPTENTICATE_IMAGE")?)?,
        other: flags.get("other-image", "").map(picture).transpose()?,
        photo: flags.get("photo", "").map(picture).transpose()?,
    };
    heading(format!("Apptenticate at {url}"));
    let client = Client::builder(url)
        .credentials(username, password)
        .biometric_check_path(check_path)
        .build()?;
    // A real token lasts 5 minutes: the client refreshes it by itself, no expiry is forced.
    run(&client, &pictures, None).await?;
    Ok(())
}
