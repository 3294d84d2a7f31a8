//! BioPass ID Multibiometrics flow: against the simulator by default, or a real service.
//!
//! ```sh
//! cargo run -p examples --example biopassid
//! cargo run -p examples --example biopassid -- --url https://hml-api.biopassid.com --key API-KEY \
//!     --face face.jpg --new-face face2.jpg --other-face other.jpg \
//!     --finger-1 f1.png --finger-2 f2.png --no-face wall.jpg [--custom-id ID]
//! ```
//!
//! `--url` also takes `production` or `homologation`. Flags fall back to `BIOPASSID_URL` and
//! `BIOPASSID_KEY`. The flow enrolls, verifies, updates and deletes the `CustomID` it is given
//! (by default a fresh `biometric-rs-example-<time>`).

use std::process::ExitCode;

use biometric_sim::biopassid::{BioPassIdConfig, BioPassIdSim};
use biopassid_client::{Client, Environment, Image};
use examples::flows::biopassid::{Pictures, run};
use examples::{Flags, Outcome, exit_code, heading, step};

#[tokio::main]
async fn main() -> ExitCode {
    let flags = Flags::from_env();
    exit_code(match flags.get("url", "BIOPASSID_URL") {
        Some(url) => against_service(&flags, &url).await,
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

async fn against_service(flags: &Flags, url: &str) -> Outcome {
    let key = flags
        .get("key", "BIOPASSID_KEY")
        .ok_or("--key is required with --url")?;
    let picture = |name: &str| -> Result<Image, Box<dyn std::error::Error>> {
        let path = flags.get(name, "").ok_or(format!(
            "--{name} FILE is required with --url (real faces and fingerprints are needed)"
        ))?;
        Ok(Image::from_file(&path).map_err(|e| format!("{path}: {e}"))?)
    };
    let pictures = Pictures {
        face: picture("face")?,
        new_face: picture("new-face")?,
        other_face: picture("other-face")?,
        finger_1: picture("finger-1")?,
        finger_2: picture("finger-2")?,
        no_face: picture("no-face")?,
    };
    let environment = match url {
        "production" => Environment::Production,
        "homologation" => Environment::Homologation,
        other => Environment::from(other),
    };
    let custom_id = flags.get("custom-id", "").unwrap_or_else(|| {
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
    let client = Client::builder(environment).subscription_key(key).build()?;
    run(&client, &pictures, &custom_id).await?;
    Ok(())
}
