//! Apptenticate flow: against the simulator by default, or the real service.
//!
//! ```sh
//! cargo run -p examples --example apptenticate
//! APPTENTICATE_PASSWORD=... cargo run -p examples --example apptenticate -- \
//!     --url https://api.apptenticate.com --username USER --check-path PATH/FROM/YOUR/CONTRACT/ \
//!     --cedula 0102030405 --image face.jpg [--other-image someone-else.jpg] [--photo photo-of-photo.jpg]
//! cargo run -p examples --example apptenticate -- --help
//! ```
//!
//! | flag | environment variable | |
//! |---|---|---|
//! | `--url URL` | `APPTENTICATE_URL` | the real service; without it, the embedded simulator |
//! | `--username USER` | `APPTENTICATE_USERNAME` | required with `--url` |
//! | `--password PASSWORD` | `APPTENTICATE_PASSWORD` | required with `--url`; **secret**, prefer the variable |
//! | `--check-path PATH` | `APPTENTICATE_CHECK_PATH` | required with `--url` |
//! | `--cedula ID` | `APPTENTICATE_CEDULA` | required with `--url` |
//! | `--image FILE` | `APPTENTICATE_IMAGE` | required with `--url` |
//! | `--other-image FILE`, `--photo FILE` | | optional |
//!
//! The path of the citizen-ID check is not in the public documentation: `--check-path` is the
//! one your Apptenticate contract gives you. A flag wins over its variable; a flag's value is
//! visible to every user of the machine in the process list, so give the password in the
//! environment.

use std::path::PathBuf;
use std::process::ExitCode;

use apptenticate_client::{Client, Image};
use biometric_sim::apptenticate::{ApptenticateConfig, ApptenticateSim};
use clap::Parser;
use examples::cli::{ApptenticateArgs, required};
use examples::flows::apptenticate::{Pictures, run};
use examples::{Outcome, exit_code, heading, step};

#[tokio::main]
async fn main() -> ExitCode {
    let args = ApptenticateArgs::parse();
    exit_code(match args.url.clone() {
        Some(url) => against_service(args, &url).await,
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

async fn against_service(args: ApptenticateArgs, url: &str) -> Outcome {
    let username = required(args.username, "username", Some("APPTENTICATE_USERNAME"))?;
    let password = required(args.password, "password", Some("APPTENTICATE_PASSWORD"))?;
    let check_path = required(
        args.check_path,
        "check-path",
        Some("APPTENTICATE_CHECK_PATH"),
    )?;
    let cedula = required(args.cedula, "cedula", Some("APPTENTICATE_CEDULA"))?;
    let picture = |path: PathBuf| -> Result<Image, Box<dyn std::error::Error>> {
        Ok(Image::from_file(&path).map_err(|e| format!("{}: {e}", path.display()))?)
    };
    let pictures = Pictures {
        cedula,
        matching: picture(required(args.image, "image", Some("APPTENTICATE_IMAGE"))?)?,
        other: args.other_image.map(picture).transpose()?,
        photo: args.photo.map(picture).transpose()?,
    };
    heading(format!("Apptenticate at {url}"));
    let client = Client::builder(url)
        .credentials(username, password.into_string())
        .biometric_check_path(check_path)
        .build()?;
    // A real token lasts 5 minutes: the client refreshes it by itself, no expiry is forced.
    run(&client, &pictures, None).await?;
    Ok(())
}
