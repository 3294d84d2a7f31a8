//! BioID BWS 3 flow: against the simulator by default, or a real service.
//!
//! ```sh
//! cargo run -p examples --example bioid
//! cargo run -p examples --example bioid -- --url https://grpc.bws-eu.bioid.com \
//!     --client-id ID --client-key KEY \
//!     --alice a.jpg --alice-again a2.jpg --alice-left a-left.jpg --alice-photo id.jpg --bob b.jpg --no-face wall.jpg
//! ```
//!
//! Flags fall back to `BWS_URL`, `BWS_CLIENT_ID`, `BWS_CLIENT_KEY`.

use std::process::ExitCode;

use bioid_client::{Client, Image};
use biometric_sim::bioid::{BioIdConfig, BioIdSim};
use examples::flows::bioid::{Pictures, run};
use examples::{Flags, Outcome, exit_code, heading, step};

#[tokio::main]
async fn main() -> ExitCode {
    let flags = Flags::from_env();
    exit_code(match flags.get("url", "BWS_URL") {
        Some(url) => against_service(&flags, &url).await,
        None => against_simulator().await,
    })
}

async fn against_simulator() -> Outcome {
    let config = BioIdConfig::default();
    let running = BioIdSim::new(config.clone()).start().await?;
    heading(format!("BioID BWS 3 (simulator at {})", running.base_url()));
    let client = Client::builder(running.base_url())
        .client_credentials(config.client_id(), config.client_key_base64())
        .build()?;
    let summary = run(&client, &Pictures::synthetic(), 4711).await?;
    step(format!("done: {summary:?}"));
    Ok(())
}

async fn against_service(flags: &Flags, url: &str) -> Outcome {
    let id = flags
        .get("client-id", "BWS_CLIENT_ID")
        .ok_or("--client-id is required with --url")?;
    let key = flags
        .get("client-key", "BWS_CLIENT_KEY")
        .ok_or("--client-key is required with --url")?;
    let picture = |name: &str| -> Result<Image, Box<dyn std::error::Error>> {
        let path = flags.get(name, "").ok_or(format!(
            "--{name} FILE is required with --url (real faces are needed)"
        ))?;
        Ok(Image::from_file(&path).map_err(|e| format!("{path}: {e}"))?)
    };
    let pictures = Pictures {
        alice: picture("alice")?,
        alice_again: picture("alice-again")?,
        alice_turned_left: picture("alice-left")?,
        alice_id_photo: picture("alice-photo")?,
        bob: picture("bob")?,
        no_face: picture("no-face")?,
    };
    heading(format!("BioID BWS 3 at {url}"));
    let client = Client::builder(url).client_credentials(id, key).build()?;
    // Class ids far from any a real deployment is likely to use.
    run(&client, &pictures, 9_000_000_000_000_000_001).await?;
    Ok(())
}
