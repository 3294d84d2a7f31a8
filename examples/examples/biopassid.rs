//! BioPass ID Multibiometrics flow: against the simulator by default, or a real service.
//!
//! ```sh
//! cargo run -p examples --example biopassid
//! BIOPASSID_KEY=... cargo run -p examples --example biopassid -- --url https://hml-api.biopassid.com \
//!     --face face.jpg --new-face face2.jpg --other-face other.jpg \
//!     --finger-1 f1.png --finger-2 f2.png --no-face wall.jpg [--custom-id ID]
//! cargo run -p examples --example biopassid -- --help
//! ```
//!
//! | flag | environment variable | |
//! |---|---|---|
//! | `--url URL` | `BIOPASSID_URL` | `production`, `homologation` or a base URL; without it, the embedded simulator |
//! | `--key KEY` | `BIOPASSID_KEY` | the subscription key, required with `--url`; **secret**, prefer the variable |
//! | `--face`, `--new-face`, `--other-face`, `--finger-1`, `--finger-2`, `--no-face` `FILE` | | pictures, required with `--url` |
//! | `--custom-id ID` | | default: a fresh `biometric-rs-example-<time>` |
//!
//! The flow enrolls, verifies, updates and deletes the `CustomID` it is given. A flag wins over
//! its variable; a flag's value is visible to every user of the machine in the process list, so
//! give the key in the environment.

use std::path::PathBuf;
use std::process::ExitCode;

use biometric_sim::biopassid::{BioPassIdConfig, BioPassIdSim};
use biopassid_client::{Client, Environment, Image};
use clap::Parser;
use examples::cli::{BioPassIdArgs, required};
use examples::flows::biopassid::{Pictures, run};
use examples::{Outcome, exit_code, heading, step};

#[tokio::main]
async fn main() -> ExitCode {
    let args = BioPassIdArgs::parse();
    exit_code(match args.url.clone() {
        Some(url) => against_service(args, &url).await,
        None => against_simulator().await,
    })
}

async fn against_simulator() -> Outcome {
    let config = BioPassIdConfig::default();
    let running = BioPassIdSim::new(config.clone()).start().await?;
    heading(format!(
        "BioPass ID Multibiometrics (simulator at {})",
        running.base_url()
    ));
    let client = Client::builder(running.base_url())
        .subscription_key(config.key())
        .build()?;
    let summary = run(&client, &Pictures::synthetic(), "example-1234").await?;
    step(format!("done: {summary:?}"));
    Ok(())
}

async fn against_service(args: BioPassIdArgs, url: &str) -> Outcome {
    let key = required(args.key, "key", Some("BIOPASSID_KEY"))?;
    let picture =
        |path: Option<PathBuf>, name: &str| -> Result<Image, Box<dyn std::error::Error>> {
            let path = path.ok_or(format!(
                "--{name} FILE is required with --url (real faces and fingerprints are needed)"
            ))?;
            Ok(Image::from_file(&path).map_err(|e| format!("{}: {e}", path.display()))?)
        };
    let pictures = Pictures {
        face: picture(args.face, "face")?,
        new_face: picture(args.new_face, "new-face")?,
        other_face: picture(args.other_face, "other-face")?,
        finger_1: picture(args.finger_1, "finger-1")?,
        finger_2: picture(args.finger_2, "finger-2")?,
        no_face: picture(args.no_face, "no-face")?,
    };
    let environment = match url {
        "production" => Environment::Production,
        "homologation" => Environment::Homologation,
        other => Environment::from(other),
    };
    let custom_id = args.custom_id.unwrap_or_else(|| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        format!("biometric-rs-example-{now}")
    });
    heading(format!(
        "BioPass ID Multibiometrics at {}",
        environment.base_url()
    ));
    let client = Client::builder(environment)
        .subscription_key(key.into_string())
        .build()?;
    run(&client, &pictures, &custom_id).await?;
    Ok(())
}
